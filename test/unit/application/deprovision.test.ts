import { expect } from 'chai';
import sinon from 'sinon';
import { domainError } from '../../../src/domain/errors.js';
import { CONSUMER_LABEL, INSTANCE_LABEL, MANAGED_BY_LABEL, instanceLabelValue, instanceSelector } from '../../../src/domain/resource-plan.js';
import { shortId } from '../../../src/domain/template-variables.js';
import { OTHER_NS, PROVIDER_NS, configMap, errorOf, quickApiTemplates, valueOf } from '../builders.js';
import { SETTINGS, bindRequest, failedByTimeout, makeBroker, provisionRequest, provisionedAsync, settle, urlProvisionRequest, type Broker } from './harness.js';

const SHORT = shortId('instance-1');
const CONFIG = `ConfigMap ${PROVIDER_NS}/api-config-${SHORT}`;
const SECRET = `Secret ${PROVIDER_NS}/api-secret-${SHORT}`;
const DEPLOYMENT = `Deployment ${PROVIDER_NS}/api-${SHORT}`;
const SERVICE = `Service ${PROVIDER_NS}/api-${SHORT}`;
const SELECTOR = instanceSelector('instance-1');

const deprovisionRequest = (acceptsIncomplete = false, viewNamespace?: string) => ({
  instanceId: 'instance-1', acceptsIncomplete, caller: viewNamespace === undefined ? {} : { viewNamespace },
});
const lastOperation = (broker: Broker) => broker.lastOperation.execute({ instanceId: 'instance-1', caller: {} });

describe('application/deprovision', () => {
  let broker: Broker;
  // Synchronous deprovisions are for plans whose objects go at once: no Deployment here.
  beforeEach(() => (broker = makeBroker({ templates: quickApiTemplates() })));

  async function provisioned(): Promise<void> {
    valueOf(await broker.provision.execute(provisionRequest()));
    broker.cluster.calls.length = 0;
  }

  /** A ready instance of the Deployment plan, provisioned the only way it can be. */
  async function provisionedSlow(): Promise<void> {
    broker = makeBroker();
    await provisionedAsync(broker);
    broker.cluster.calls.length = 0;
  }

  it('deletes exactly the objects it made, by uid and in reverse order: one request per object, no listing', async () => {
    await provisioned();
    const labels = { [MANAGED_BY_LABEL]: 'mesitis', [INSTANCE_LABEL]: instanceLabelValue('instance-1'), [CONSUMER_LABEL]: 'client-ns' };
    broker.cluster.seed({ ...configMap('unrecorded'), metadata: { name: 'unrecorded', namespace: PROVIDER_NS, labels } });

    expect(valueOf(await broker.deprovision.execute(deprovisionRequest()))).to.deep.equal({ outcome: 'deleted' });

    expect(broker.cluster.calls).to.deep.equal([`delete ${SERVICE}`, `delete ${SECRET}`, `delete ${CONFIG}`]);
    // A labelled object the record never made is not swept without a crash to explain it (the doctor lists it).
    expect(broker.cluster.contents()).to.deep.equal([`ConfigMap ${PROVIDER_NS}/unrecorded`]);
    expect(broker.store.instanceCount).to.equal(0);
  });

  it('never deletes another object that took the name of one it made', async () => {
    await provisioned();
    valueOf(await broker.cluster.delete({ apiVersion: 'v1', kind: 'Secret', namespace: PROVIDER_NS, name: `api-secret-${SHORT}` }));
    broker.cluster.seed({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `api-secret-${SHORT}`, namespace: PROVIDER_NS } });
    expect(valueOf(await broker.deprovision.execute(deprovisionRequest()))).to.deep.equal({ outcome: 'deleted' });
    expect(broker.cluster.contents()).to.deep.equal([`Secret ${PROVIDER_NS}/api-secret-${SHORT}`]);
  });

  it('sweeps by label only for planned objects whose creation was never recorded (a crash), deleting what carries the instance label', async () => {
    await provisioned();
    const stored = valueOf(await broker.store.getInstance('instance-1'))!;
    const unrecorded = stored.record.objects.map(({ uid: _uid, ...ref }) => ref);
    valueOf(await broker.store.updateInstance({ ...stored.record, objects: unrecorded }, stored.revision));
    const labels = { [MANAGED_BY_LABEL]: 'mesitis', [INSTANCE_LABEL]: instanceLabelValue('instance-1'), [CONSUMER_LABEL]: 'client-ns' };
    broker.cluster.seed({ ...configMap('leftover'), metadata: { name: 'leftover', namespace: PROVIDER_NS, labels } });
    broker.cluster.seed({ ...configMap('unrelated'), metadata: { name: 'unrelated', namespace: PROVIDER_NS, labels: { ...labels, [INSTANCE_LABEL]: instanceLabelValue('instance-2') } } });

    expect(valueOf(await broker.deprovision.execute(deprovisionRequest()))).to.deep.equal({ outcome: 'deleted' });
    expect(broker.cluster.calls.filter((c) => c.startsWith('list'))).to.have.members([
      `list ConfigMap ${PROVIDER_NS} ${SELECTOR}`, `list Secret ${PROVIDER_NS} ${SELECTOR}`, `list Service ${PROVIDER_NS} ${SELECTOR}`,
    ]);
    expect(broker.cluster.contents()).to.deep.equal([`ConfigMap ${PROVIDER_NS}/unrelated`]);
  });

  it('treats objects already gone as deleted', async () => {
    await provisioned();
    valueOf(await broker.cluster.delete({ apiVersion: 'v1', kind: 'Secret', namespace: PROVIDER_NS, name: `api-secret-${SHORT}` }));
    expect(valueOf(await broker.deprovision.execute(deprovisionRequest()))).to.deep.equal({ outcome: 'deleted' });
    expect(broker.cluster.contents()).to.deep.equal([]);
  });

  it('forgets the instance\'s bindings', async () => {
    valueOf(await broker.provision.execute(urlProvisionRequest()));
    valueOf(await broker.bind.execute(bindRequest()));
    expect(broker.store.bindingCount).to.equal(1);
    valueOf(await broker.deprovision.execute(deprovisionRequest()));
    expect(broker.store.bindingCount).to.equal(0);
    expect(broker.store.instanceCount).to.equal(0);
  });

  it('removes a failed instance\'s record, answering deleted', async () => {
    broker = makeBroker();
    await failedByTimeout(broker);
    expect(valueOf(await broker.deprovision.execute(deprovisionRequest()))).to.deep.equal({ outcome: 'deleted' });
    expect(broker.store.instanceCount).to.equal(0);
    expect(broker.cluster.contents()).to.deep.equal([]);
  });

  it('answers Gone for an unknown instance', async () => {
    expect(errorOf(await broker.deprovision.execute(deprovisionRequest()))).to.deep.equal(domainError('Gone', 'instance instance-1 does not exist'));
    expect(broker.cluster.calls).to.deep.equal([]);
  });

  it('answers another namespace\'s view exactly as for an unknown instance, and removes nothing', async () => {
    await provisioned();
    const unknown = errorOf(await makeBroker().deprovision.execute(deprovisionRequest()));
    for (const acceptsIncomplete of [false, true]) {
      expect(errorOf(await broker.deprovision.execute(deprovisionRequest(acceptsIncomplete, OTHER_NS)))).to.deep.equal(unknown);
    }
    expect(unknown).to.deep.equal(domainError('Gone', 'instance instance-1 does not exist'));
    expect(broker.cluster.contents()).to.have.length(3);
    expect(broker.store.instanceCount).to.equal(1);
    expect(broker.cluster.calls.filter((c) => c.startsWith('delete'))).to.deep.equal([]);
  });

  it('answers AsyncRequired to a synchronous deprovision of an instance with a Deployment, changing nothing', async () => {
    await provisionedSlow();
    const before = valueOf(await broker.store.getInstance('instance-1'));
    expect(errorOf(await broker.deprovision.execute(deprovisionRequest()))).to.deep.equal(
      domainError('AsyncRequired', 'this instance has a Deployment, whose removal takes time: send accepts_incomplete=true'),
    );
    expect(broker.cluster.calls.filter((c) => !c.startsWith('list') && !c.startsWith('get'))).to.deep.equal([]);
    expect(broker.cluster.contents()).to.deep.equal([CONFIG, DEPLOYMENT, SERVICE]);
    expect(valueOf(await broker.store.getInstance('instance-1'))).to.deep.equal(before);
    expect(broker.store.isLocked('instance-1')).to.equal(false);
    expect(valueOf(await broker.deprovision.execute(deprovisionRequest(true))).outcome, 'the same request with accepts_incomplete').to.equal('accepted');
  });

  it('keeps the record when the cluster cannot delete, so the platform can retry', async () => {
    await provisioned();
    sinon.stub(broker.cluster, 'delete').resolves({ ok: false, error: domainError('Unavailable', 'apiserver down') });
    expect(errorOf(await broker.deprovision.execute(deprovisionRequest()))).to.deep.equal(domainError('Unavailable', 'apiserver down'));
    expect(broker.store.instanceCount).to.equal(1);
    expect(broker.store.isLocked('instance-1')).to.equal(false);
  });

  describe('during an async provision', () => {
    beforeEach(() => (broker = makeBroker()));

    it('stops the creation, rolls back and cleans up', async () => {
      const gate = broker.cluster.hold('create', `api-${SHORT}`);
      valueOf(await broker.provision.execute(provisionRequest({ acceptsIncomplete: true })));
      await gate.reached;
      const cancel = sinon.spy(broker.jobs, 'cancel');
      const deleting = broker.deprovision.execute(deprovisionRequest(true));
      while (!cancel.called) await settle(1);
      gate.release();

      expect(valueOf(await deleting).outcome).to.equal('accepted');
      await broker.jobs.drain();
      expect(broker.cluster.calls.filter((c) => c.startsWith('create'))).to.deep.equal([`create ${CONFIG}`, `create ${DEPLOYMENT}`]);
      expect(broker.cluster.contents()).to.deep.equal([]);
      expect(errorOf(await lastOperation(broker)).kind).to.equal('Gone');
      expect(broker.jobs.size).to.equal(0);
    });

    it('cleans up an instance whose objects are created but not ready yet', async () => {
      broker.cluster.workloadsBecomeReady = false;
      valueOf(await broker.provision.execute(provisionRequest({ acceptsIncomplete: true })));
      await broker.jobs.drain();
      expect(valueOf(await broker.store.getInstance('instance-1'))?.record.status).to.equal('starting');
      expect(valueOf(await broker.deprovision.execute(deprovisionRequest(true))).outcome).to.equal('accepted');
      await broker.jobs.drain();
      expect(broker.cluster.contents()).to.deep.equal([]);
      expect(errorOf(await lastOperation(broker)).kind).to.equal('Gone');
    });
  });

  describe('asynchronously', () => {
    it('accepts, removes in the background, and leaves a tombstone that last_operation reports as Gone', async () => {
      await provisionedSlow();
      const gate = broker.cluster.hold('delete', `api-config-${SHORT}`);
      const answer = valueOf(await broker.deprovision.execute(deprovisionRequest(true)));
      expect(answer).to.deep.equal({ outcome: 'accepted', operation: 'op-2' });
      await gate.reached;
      expect(valueOf(await lastOperation(broker))).to.deep.equal({ state: 'in progress' });
      expect(valueOf(await broker.deprovision.execute(deprovisionRequest(true)))).to.deep.equal(answer);
      expect(errorOf(await broker.deprovision.execute(deprovisionRequest(false))).kind).to.equal('ConcurrencyError');
      gate.release();
      await broker.jobs.drain();

      expect(broker.cluster.contents()).to.deep.equal([]);
      expect(errorOf(await lastOperation(broker))).to.deep.equal(domainError('Gone', 'instance instance-1 has been deprovisioned'));
      const tombstone = valueOf(await broker.store.getInstance('instance-1'))?.record;
      expect(tombstone?.status).to.equal('gone');
      expect(tombstone?.operation).to.include({ id: 'op-2', type: 'deprovision', state: 'succeeded' });
      expect(errorOf(await broker.deprovision.execute(deprovisionRequest(true))).kind).to.equal('Gone');
      expect(errorOf(await broker.fetchInstance.execute({ instanceId: 'instance-1', caller: {} })).kind).to.equal('NotFound');
    });

    it('answers a DELETE of a deprovision whose broker died with its operation, and the reconciler finishes it', async () => {
      await provisioned();
      const stored = valueOf(await broker.store.getInstance('instance-1'))!;
      const startedAt = broker.runtime.now().toISOString();
      const dying = { ...stored.record, status: 'deprovisioning' as const, operation: { id: 'op-dead', type: 'deprovision' as const, state: 'in progress' as const, startedAt } };
      valueOf(await broker.store.updateInstance(dying, stored.revision));
      broker.runtime.advance(60 * 60_000);
      // No timeout turns it into a failure: it is still the operation the platform asked for.
      expect(valueOf(await lastOperation(broker)).state).to.equal('in progress');
      expect(valueOf(await broker.deprovision.execute(deprovisionRequest(true)))).to.deep.equal({ outcome: 'accepted', operation: 'op-dead' });

      valueOf(await broker.reconciler.reconcileOnce());
      expect(broker.cluster.contents()).to.deep.equal([]);
      expect(errorOf(await lastOperation(broker)).kind).to.equal('Gone');
    });

    it('forgets the tombstone after its time', async () => {
      await provisionedSlow();
      valueOf(await broker.deprovision.execute(deprovisionRequest(true)));
      await broker.jobs.drain();
      broker.runtime.advance(SETTINGS.tombstoneMs + 1);
      expect(errorOf(await lastOperation(broker)).kind).to.equal('NotFound');
    });

    it('lets the same id be provisioned again after the tombstone', async () => {
      await provisionedSlow();
      valueOf(await broker.deprovision.execute(deprovisionRequest(true)));
      await broker.jobs.drain();
      await provisionedAsync(broker);
      expect(broker.cluster.contents()).to.deep.equal([CONFIG, DEPLOYMENT, SERVICE]);
    });

    it('finishes at once when there are no objects to remove', async () => {
      valueOf(await broker.provision.execute(urlProvisionRequest()));
      expect(valueOf(await broker.deprovision.execute(deprovisionRequest(true)))).to.deep.equal({ outcome: 'deleted' });
      expect(broker.store.instanceCount).to.equal(0);
    });
  });
});
