import { expect } from 'chai';
import sinon from 'sinon';
import { domainError } from '../../../src/domain/errors.js';
import { CONSUMER_LABEL, INSTANCE_LABEL, MANAGED_BY_LABEL } from '../../../src/domain/resource-plan.js';
import { shortId } from '../../../src/domain/template-variables.js';
import { OTHER_NS, PROVIDER_NS, configMap, errorOf, valueOf } from '../builders.js';
import { SETTINGS, bindRequest, failedByTimeout, makeBroker, provisionRequest, settle, urlProvisionRequest, type Broker } from './harness.js';

const SHORT = shortId('instance-1');
const CONFIG = `ConfigMap ${PROVIDER_NS}/api-config-${SHORT}`;
const DEPLOYMENT = `Deployment ${PROVIDER_NS}/api-${SHORT}`;
const SERVICE = `Service ${PROVIDER_NS}/api-${SHORT}`;
const SELECTOR = `${MANAGED_BY_LABEL}=mesitis,${INSTANCE_LABEL}=instance-1`;

const deprovisionRequest = (acceptsIncomplete = false, viewNamespace?: string) => ({
  instanceId: 'instance-1', acceptsIncomplete, caller: viewNamespace === undefined ? {} : { viewNamespace },
});
const lastOperation = (broker: Broker) => broker.lastOperation.execute({ instanceId: 'instance-1', caller: {} });

describe('application/deprovision', () => {
  let broker: Broker;
  beforeEach(() => (broker = makeBroker()));

  async function provisioned(): Promise<void> {
    valueOf(await broker.provision.execute(provisionRequest()));
    broker.cluster.calls.length = 0;
  }

  it('deletes its labelled objects in reverse order, then what else still carries the instance label', async () => {
    await provisioned();
    const labels = { [MANAGED_BY_LABEL]: 'mesitis', [INSTANCE_LABEL]: 'instance-1', [CONSUMER_LABEL]: 'client-ns' };
    broker.cluster.seed({ ...configMap('leftover'), metadata: { name: 'leftover', namespace: PROVIDER_NS, labels } });
    broker.cluster.seed({ ...configMap('unrelated'), metadata: { name: 'unrelated', namespace: PROVIDER_NS, labels: { ...labels, [INSTANCE_LABEL]: 'instance-2' } } });

    expect(valueOf(await broker.deprovision.execute(deprovisionRequest()))).to.deep.equal({ outcome: 'deleted' });

    // One labelled list per kind finds what is ours; then the planned objects go in reverse order, then leftovers.
    expect(broker.cluster.calls.slice(0, 3)).to.have.members([
      `list ConfigMap ${PROVIDER_NS} ${SELECTOR}`, `list Deployment ${PROVIDER_NS} ${SELECTOR}`, `list Service ${PROVIDER_NS} ${SELECTOR}`,
    ]);
    expect(broker.cluster.calls.slice(3)).to.deep.equal([
      `delete ${SERVICE}`, `delete ${DEPLOYMENT}`, `delete ${CONFIG}`, `delete ConfigMap ${PROVIDER_NS}/leftover`,
    ]);
    expect(broker.cluster.contents()).to.deep.equal([`ConfigMap ${PROVIDER_NS}/unrelated`]);
    expect(broker.store.instanceCount).to.equal(0);
  });

  it('treats objects already gone as deleted', async () => {
    await provisioned();
    valueOf(await broker.cluster.delete({ kind: 'Deployment', namespace: PROVIDER_NS, name: `api-${SHORT}` }));
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
    await failedByTimeout(broker);
    expect(valueOf(await broker.deprovision.execute(deprovisionRequest()))).to.deep.equal({ outcome: 'deleted' });
    expect(broker.store.instanceCount).to.equal(0);
    expect(broker.cluster.contents()).to.deep.equal([]);
  });

  it('answers Gone for an unknown instance', async () => {
    expect(errorOf(await broker.deprovision.execute(deprovisionRequest()))).to.deep.equal(domainError('Gone', 'instance instance-1 does not exist'));
    expect(broker.cluster.calls).to.deep.equal([]);
  });

  it('refuses through another namespace\'s view and removes nothing', async () => {
    await provisioned();
    expect(errorOf(await broker.deprovision.execute(deprovisionRequest(false, OTHER_NS))).kind).to.equal('InvalidRequest');
    expect(broker.cluster.contents()).to.have.length(3);
    expect(broker.store.instanceCount).to.equal(1);
  });

  it('keeps the record when the cluster cannot delete, so the platform can retry', async () => {
    await provisioned();
    sinon.stub(broker.cluster, 'delete').resolves({ ok: false, error: domainError('Unavailable', 'apiserver down') });
    expect(errorOf(await broker.deprovision.execute(deprovisionRequest()))).to.deep.equal(domainError('Unavailable', 'apiserver down'));
    expect(broker.store.instanceCount).to.equal(1);
    expect(broker.store.isLocked('instance-1')).to.equal(false);
  });

  describe('during an async provision', () => {
    it('stops the creation, rolls back and cleans up', async () => {
      const gate = broker.cluster.hold('create', `api-${SHORT}`);
      valueOf(await broker.provision.execute(provisionRequest({ acceptsIncomplete: true })));
      await gate.reached;
      const cancel = sinon.spy(broker.jobs, 'cancel');
      const deleting = broker.deprovision.execute(deprovisionRequest());
      while (!cancel.called) await settle(1);
      gate.release();

      expect(valueOf(await deleting)).to.deep.equal({ outcome: 'deleted' });
      expect(broker.cluster.calls.filter((c) => c.startsWith('create'))).to.deep.equal([`create ${CONFIG}`, `create ${DEPLOYMENT}`]);
      expect(broker.cluster.contents()).to.deep.equal([]);
      expect(broker.store.instanceCount).to.equal(0);
      expect(broker.jobs.size).to.equal(0);
    });

    it('cleans up an instance whose objects are created but not ready yet', async () => {
      broker.cluster.workloadsBecomeReady = false;
      valueOf(await broker.provision.execute(provisionRequest({ acceptsIncomplete: true })));
      await broker.jobs.drain();
      expect(valueOf(await broker.store.getInstance('instance-1'))?.record.status).to.equal('starting');
      expect(valueOf(await broker.deprovision.execute(deprovisionRequest()))).to.deep.equal({ outcome: 'deleted' });
      expect(broker.cluster.contents()).to.deep.equal([]);
      expect(broker.store.instanceCount).to.equal(0);
      expect(errorOf(await lastOperation(broker)).kind).to.equal('NotFound');
    });
  });

  describe('asynchronously', () => {
    it('accepts, removes in the background, and leaves a tombstone that last_operation reports as Gone', async () => {
      await provisioned();
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

    it('restarts a deprovision whose broker died, instead of answering with its dead operation forever', async () => {
      await provisioned();
      const stored = valueOf(await broker.store.getInstance('instance-1'))!;
      const startedAt = broker.runtime.now().toISOString();
      const dying = { ...stored.record, status: 'deprovisioning' as const, operation: { id: 'op-dead', type: 'deprovision' as const, state: 'in progress' as const, startedAt } };
      valueOf(await broker.store.updateInstance(dying, stored.revision));
      broker.runtime.advance(SETTINGS.readinessTimeoutMs + 2 * 60_000 + 1);
      expect(valueOf(await lastOperation(broker)).state).to.equal('failed');

      const again = await broker.deprovision.execute(deprovisionRequest(false));
      expect(again.ok && again.value, 'a DELETE after the abandoned one must do the work').to.deep.equal({ outcome: 'deleted' });
      expect(broker.cluster.contents()).to.deep.equal([]);
    });

    it('forgets the tombstone after its time', async () => {
      await provisioned();
      valueOf(await broker.deprovision.execute(deprovisionRequest(true)));
      await broker.jobs.drain();
      broker.runtime.advance(SETTINGS.tombstoneMs + 1);
      expect(errorOf(await lastOperation(broker)).kind).to.equal('NotFound');
    });

    it('lets the same id be provisioned again after the tombstone', async () => {
      await provisioned();
      valueOf(await broker.deprovision.execute(deprovisionRequest(true)));
      await broker.jobs.drain();
      expect(valueOf(await broker.provision.execute(provisionRequest()))).to.deep.equal({ outcome: 'created' });
      expect(broker.cluster.contents()).to.have.length(3);
    });

    it('finishes at once when there are no objects to remove', async () => {
      valueOf(await broker.provision.execute(urlProvisionRequest()));
      expect(valueOf(await broker.deprovision.execute(deprovisionRequest(true)))).to.deep.equal({ outcome: 'deleted' });
      expect(broker.store.instanceCount).to.equal(0);
    });
  });
});
