import { expect } from 'chai';
import { refOf } from '../../../src/domain/kube-object.js';
import { planResources } from '../../../src/domain/resource-plan.js';
import type { InstanceRecord } from '../../../src/domain/records.js';
import { instanceFacts } from '../../../src/application/requests.js';
import { apiTemplates, bindingRecord, configMap, dedicatedEntry, DEDICATED_PLAN_ID, instanceRecord, valueOf } from '../builders.js';
import { makeBroker, pollLastOperation, type Broker } from './harness.js';

/** The dedicated plan of instance-1 as provision renders it: ConfigMap, Deployment, Service. */
function plannedObjects() {
  const entry = dedicatedEntry();
  const record = instanceRecord({ planId: DEDICATED_PLAN_ID, serviceId: entry.serviceId, parameters: {} });
  return valueOf(planResources(entry, apiTemplates(), instanceFacts(entry, record)));
}

/** A record left behind by a broker that died in the middle of `operation`. */
function interrupted(status: InstanceRecord['status'], type: 'provision' | 'deprovision'): InstanceRecord {
  const entry = dedicatedEntry();
  return instanceRecord({
    serviceId: entry.serviceId, planId: DEDICATED_PLAN_ID, parameters: {}, status,
    objects: plannedObjects().map(refOf),
    operation: { id: 'op-dead', type, state: 'in progress', startedAt: '2024-05-01T11:59:00.000Z' },
  });
}

const stored = async (broker: Broker) => valueOf(await broker.store.getInstance('instance-1'))?.record;

describe('application/operation-reconciler', () => {
  let broker: Broker;
  beforeEach(() => (broker = makeBroker()));

  it('finishes a provision whose broker died after the first object, adopting what it made', async () => {
    const [first] = plannedObjects();
    broker.cluster.seed(first!);
    valueOf(await broker.store.createInstance(interrupted('provisioning', 'provision')));

    expect(valueOf(await broker.reconciler.reconcileOnce())).to.deep.equal({ pending: 1, resumed: 1, failed: 0 });
    expect(broker.cluster.contents()).to.have.length(3);
    expect((await stored(broker))?.status).to.equal('starting');

    valueOf(await broker.reconciler.reconcileOnce());
    expect((await stored(broker))?.status).to.equal('ready');
    expect(valueOf(await pollLastOperation(broker))).to.deep.equal({ state: 'succeeded', description: 'all objects are ready' });
    expect(broker.store.isLocked('instance-1')).to.equal(false);
  });

  it('finishes a deprovision whose broker died: every object and binding gone, then a tombstone', async () => {
    for (const object of plannedObjects()) broker.cluster.seed(object);
    valueOf(await broker.store.createInstance(interrupted('deprovisioning', 'deprovision')));
    valueOf(await broker.store.createBinding(bindingRecord({ planId: DEDICATED_PLAN_ID })));

    valueOf(await broker.reconciler.reconcileOnce());

    expect(broker.cluster.contents()).to.deep.equal([]);
    expect(broker.store.bindingCount).to.equal(0);
    expect((await stored(broker))?.status).to.equal('gone');
    expect(errorKind(await pollLastOperation(broker))).to.equal('Gone');
  });

  it('leaves an operation alone while a live worker holds its lock', async () => {
    valueOf(await broker.store.createInstance(interrupted('deprovisioning', 'deprovision')));
    const release = broker.store.holdLock('instance-1');
    expect(valueOf(await broker.reconciler.reconcileOnce())).to.deep.equal({ pending: 1, resumed: 0, failed: 0 });
    expect((await stored(broker))?.status).to.equal('deprovisioning');
    release();
    valueOf(await broker.reconciler.reconcileOnce());
    expect((await stored(broker))?.status).to.equal('gone');
  });

  it('keeps retrying a deprovision the cluster refuses, reporting it in progress, never failed', async () => {
    for (const object of plannedObjects()) broker.cluster.seed(object);
    valueOf(await broker.store.createInstance(interrupted('deprovisioning', 'deprovision')));
    broker.cluster.failDeletes = true;
    expect(valueOf(await broker.reconciler.reconcileOnce())).to.include({ failed: 1 });
    expect(valueOf(await pollLastOperation(broker))).to.include({ state: 'in progress' });
    broker.cluster.failDeletes = false;
    valueOf(await broker.reconciler.reconcileOnce());
    expect(broker.cluster.contents()).to.deep.equal([]);
  });

  it('removes what a rollback could not, and then the failed record owns nothing', async () => {
    broker.cluster.seed(plannedObjects()[0]!);
    const failed = interrupted('failed', 'provision');
    valueOf(await broker.store.createInstance({ ...failed, operation: { ...failed.operation, state: 'failed' } }));
    valueOf(await broker.reconciler.reconcileOnce());
    expect(broker.cluster.contents()).to.deep.equal([]);
    expect((await stored(broker))?.objects).to.deep.equal([]);
    expect(valueOf(await broker.reconciler.reconcileOnce())).to.deep.equal({ pending: 0, resumed: 0, failed: 0 });
  });

  it('rolls back an interrupted provision whose plan has changed since, instead of finishing something else', async () => {
    broker.cluster.seed(plannedObjects()[0]!);
    broker.config.set({ entries: [dedicatedEntry()], templates: apiTemplates().filter((t) => t.source !== 'tpl-service'), problems: [] });
    valueOf(await broker.store.createInstance(interrupted('provisioning', 'provision')));
    valueOf(await broker.reconciler.reconcileOnce());
    expect(broker.cluster.contents()).to.deep.equal([]);
    const record = await stored(broker);
    expect(record?.status).to.equal('failed');
    expect(record?.operation.description).to.contain('interrupted');
  });

  it('does nothing to an unlabelled object that happens to have a planned name', async () => {
    const [first] = plannedObjects();
    broker.cluster.seed(configMap(first!.metadata.name));
    valueOf(await broker.store.createInstance(interrupted('deprovisioning', 'deprovision')));
    valueOf(await broker.reconciler.reconcileOnce());
    expect(broker.cluster.contents()).to.have.length(1);
  });
});

function errorKind<T>(result: { ok: true; value: T } | { ok: false; error: { kind: string } }): string | undefined {
  return result.ok ? undefined : result.error.kind;
}

describe('application/provision over a failed attempt that still owns objects', () => {
  it('removes what the failed attempt left before its record is replaced', async () => {
    const broker = makeBroker();
    const leftover = plannedObjects()[0]!;
    broker.cluster.seed(leftover);
    const failed = interrupted('failed', 'provision');
    valueOf(await broker.store.createInstance({ ...failed, objects: [failed.objects[0]!], operation: { ...failed.operation, state: 'failed' } }));
    // A plan that no longer has that object: without the clean-up it would be orphaned.
    broker.config.set({ entries: [dedicatedEntry()], templates: apiTemplates().filter((t) => t.source !== 'tpl-config'), problems: [] });
    valueOf(await broker.provision.execute({
      instanceId: 'instance-1', serviceId: dedicatedEntry().serviceId, planId: DEDICATED_PLAN_ID,
      context: { namespace: 'client-ns' }, parameters: {}, acceptsIncomplete: true, caller: {},
    }));
    await broker.jobs.drain();
    expect(broker.cluster.contents().some((c) => c.includes(leftover.metadata.name) && c.startsWith('ConfigMap'))).to.equal(false);
  });
});
