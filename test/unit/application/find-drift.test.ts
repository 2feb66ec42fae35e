import { expect } from 'chai';
import { describeRef, refOf, type KubeObject } from '../../../src/domain/kube-object.js';
import type { InstanceRecord } from '../../../src/domain/records.js';
import { planResources } from '../../../src/domain/resource-plan.js';
import { instanceFacts } from '../../../src/application/requests.js';
import { FindDrift, isClean } from '../../../src/application/use-cases/find-drift.js';
import { RepairDrift, type RepairProgress } from '../../../src/application/use-cases/repair-drift.js';
import { apiTemplates, configMap, dedicatedEntry, DEDICATED_PLAN_ID, instanceRecord, ordered, PROVIDER_NS, template, urlEntry, valueOf } from '../builders.js';
import { makeBroker, type Broker } from './harness.js';

/** The dedicated plan's objects for one instance, as provision renders them (labelled, in provider-ns). */
function planned(instanceId: string): KubeObject[] {
  const entry = dedicatedEntry();
  const record = instanceRecord({ id: instanceId, planId: DEDICATED_PLAN_ID, serviceId: entry.serviceId, parameters: {} });
  return valueOf(planResources(entry, apiTemplates(), instanceFacts(entry, record)));
}

function dedicated(id: string, overrides: Partial<InstanceRecord> = {}): InstanceRecord {
  return instanceRecord({ id, serviceId: dedicatedEntry().serviceId, planId: DEDICATED_PLAN_ID, parameters: {}, objects: planned(id).map(refOf), ...overrides });
}

const labelled = (name: string, labels: Record<string, string>, namespace = PROVIDER_NS): KubeObject => {
  const object = configMap(name);
  return { ...object, metadata: { ...object.metadata, namespace, labels } };
};
const ours = (instance: string, offering = 'api') => ({ 'app.kubernetes.io/managed-by': 'mesitis', 'mesitis/instance': instance, 'mesitis/offering': offering });

describe('application/use-cases/find-drift', () => {
  let broker: Broker;
  let find: FindDrift;
  let repair: RepairDrift;
  const drift = async () => valueOf(await find.execute());

  beforeEach(() => {
    broker = makeBroker();
    find = new FindDrift(broker.cluster, broker.store, broker.catalog);
    repair = new RepairDrift(find, broker.reconciler, broker.cluster);
  });

  it('finds nothing when every record has its objects and every object its record', async () => {
    for (const object of planned('instance-1')) broker.cluster.seed(object);
    valueOf(await broker.store.createInstance(dedicated('instance-1')));
    const report = await drift();
    expect(isClean(report), JSON.stringify(report)).to.equal(true);
    expect(report.scanned).to.deep.equal({ namespaces: [PROVIDER_NS], records: 1, objects: 3 });
  });

  it('calls an object of ours that no record owns an orphan, and leaves other installations\' and unlabelled objects out', async () => {
    broker.cluster.seed(labelled('leftover', ours('ghost')));
    broker.cluster.seed(labelled('not-mesitis', { 'mesitis/instance': 'ghost', 'mesitis/offering': 'api' }));
    broker.cluster.seed(labelled('another-installation', ours('ghost', 'not-our-offering')));
    broker.cluster.seed(labelled('no-instance-label', { 'app.kubernetes.io/managed-by': 'mesitis', 'mesitis/offering': 'api' }));
    broker.cluster.seed(labelled('elsewhere', ours('ghost'), 'not-a-target-ns'));

    const { orphans } = await drift();
    expect(orphans.map((o) => [o.ref.name, o.removable, o.instanceLabel])).to.deep.equal([
      ['leftover', true, 'ghost'],
      ['no-instance-label', false, undefined],
    ]);
  });

  it('counts objects still labelled for a tombstone as orphans: a gone instance owns nothing', async () => {
    for (const object of planned('instance-1')) broker.cluster.seed(object);
    valueOf(await broker.store.createInstance(dedicated('instance-1', { status: 'gone' })));
    expect((await drift()).orphans).to.have.length(3);
  });

  it('reports a usable instance whose recorded object was deleted, or replaced by another object under its name', async () => {
    const [config, deployment, service] = planned('instance-1');
    broker.cluster.seed({ ...config!, metadata: { ...config!.metadata, uid: 'someone-elses' } });
    broker.cluster.seed(deployment!);
    const refs = [{ ...refOf(config!), uid: 'the-one-we-made' }, refOf(deployment!), refOf(service!)];
    valueOf(await broker.store.createInstance(dedicated('instance-1', { objects: refs })));
    valueOf(await broker.store.createInstance(dedicated('instance-2', { status: 'failed', objects: [] })));

    const { missing } = await drift();
    expect(missing.map((m) => [m.instanceId, m.missing.map(describeRef)])).to.deep.equal([
      ['instance-1', [describeRef(refOf(config!)), describeRef(refOf(service!))]],
    ]);
  });

  it('calls an operation stuck only when it owes work and nobody holds its lock, and leaves the lock free', async () => {
    valueOf(await broker.store.createInstance(dedicated('instance-1', { status: 'deprovisioning', operation: { id: 'op', type: 'deprovision', state: 'in progress', startedAt: '2024-05-01T12:00:00.000Z' } })));
    valueOf(await broker.store.createInstance(dedicated('instance-2', { status: 'provisioning', operation: { id: 'op', type: 'provision', state: 'in progress', startedAt: '2024-05-01T12:00:00.000Z' } })));
    valueOf(await broker.store.createInstance(dedicated('instance-3')));
    for (const id of ['instance-1', 'instance-2', 'instance-3']) for (const object of planned(id)) broker.cluster.seed(object);
    const release = broker.store.holdLock('instance-2');

    const { stuck } = await drift();
    expect(stuck.map((s) => [s.instanceId, s.operation, s.work])).to.deep.equal([['instance-1', 'deprovision', 'remove']]);
    expect(broker.store.isLocked('instance-1')).to.equal(false);
    release();
  });

  it('--fix resumes the stuck operation, deletes removable orphans, keeps the rest and leaves missing objects to the platform', async () => {
    for (const object of planned('stuck')) broker.cluster.seed(object);
    valueOf(await broker.store.createInstance(dedicated('stuck', { status: 'deprovisioning', operation: { id: 'op', type: 'deprovision', state: 'in progress', startedAt: '2024-05-01T12:00:00.000Z' } })));
    valueOf(await broker.store.createInstance(dedicated('missing')));
    broker.cluster.seed(labelled('leftover', ours('ghost')));
    broker.cluster.seed(labelled('no-instance-label', { 'app.kubernetes.io/managed-by': 'mesitis', 'mesitis/offering': 'api' }));

    const before = await drift();
    expect([before.orphans.length, before.missing.length, before.stuck.length]).to.deep.equal([2, 1, 1]);
    const steps: RepairProgress[] = [];
    const after = valueOf(await repair.execute(before, (event) => steps.push(event)));

    expect(steps.map((s) => s.step)).to.deep.equal(['resumed', 'removed', 'kept', 'left for the platform']);
    expect(broker.cluster.contents()).to.deep.equal([`ConfigMap ${PROVIDER_NS}/no-instance-label`]);
    expect((valueOf(await broker.store.getInstance('stuck')))?.record.status).to.equal('gone');
    expect(after.stuck).to.deep.equal([]);
    expect(after.orphans.map((o) => o.ref.name)).to.deep.equal(['no-instance-label']);
    expect(after.missing.map((m) => m.instanceId)).to.deep.equal(['missing']);
  });

  it('--fix never resumes an operation a live broker holds', async () => {
    for (const object of planned('busy')) broker.cluster.seed(object);
    valueOf(await broker.store.createInstance(dedicated('busy', { status: 'deprovisioning', operation: { id: 'op', type: 'deprovision', state: 'in progress', startedAt: '2024-05-01T12:00:00.000Z' } })));
    broker.store.holdLock('busy');
    const before = await drift();
    expect(isClean(before)).to.equal(true);
    valueOf(await repair.execute(before, () => {}));
    expect(broker.cluster.contents()).to.have.length(3);
    expect((valueOf(await broker.store.getInstance('busy')))?.record.status).to.equal('deprovisioning');
  });

  it('scans the kinds the templates name, custom resources included, and only those', async () => {
    const database = (name: string): KubeObject => ({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name }, spec: { instances: 1 } });
    const templates = [...apiTemplates(), template('tpl-database', database('db-{{ instance.shortId }}'), ordered('40'))];
    broker = makeBroker({ entries: [urlEntry(), dedicatedEntry()], templates });
    find = new FindDrift(broker.cluster, broker.store, broker.catalog);
    const entry = dedicatedEntry();
    const record = instanceRecord({ id: 'instance-1', planId: DEDICATED_PLAN_ID, serviceId: entry.serviceId, parameters: {} });
    const objects = valueOf(planResources(entry, templates, instanceFacts(entry, record)));
    for (const object of objects) broker.cluster.seed(object);
    valueOf(await broker.store.createInstance(dedicated('instance-1', { objects: objects.map(refOf) })));
    // Left behind by a deprovision that crashed: a custom resource no record owns.
    const leftover = database('db-leftover');
    broker.cluster.seed({ ...leftover, metadata: { ...leftover.metadata, namespace: PROVIDER_NS, labels: ours('ghost') } });

    const report = await drift();
    expect(report.orphans.map((o) => describeRef(o.ref))).to.deep.equal([`Cluster.postgresql.cnpg.io ${PROVIDER_NS}/db-leftover`]);
    expect(report.missing).to.deep.equal([]);
    expect(report.scanned.objects).to.equal(5);
    const listed = broker.cluster.calls.filter((call) => call.startsWith('list ')).map((call) => call.split(' ')[1]).sort();
    expect(listed).to.deep.equal(['Cluster', 'ConfigMap', 'Deployment', 'Service']);
  });

  it('reports a recorded custom resource that was deleted as missing', async () => {
    const database: KubeObject = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'db-{{ instance.shortId }}' } };
    const templates = [...apiTemplates(), template('tpl-database', database, ordered('40'))];
    broker = makeBroker({ entries: [urlEntry(), dedicatedEntry()], templates });
    find = new FindDrift(broker.cluster, broker.store, broker.catalog);
    const entry = dedicatedEntry();
    const record = instanceRecord({ id: 'instance-1', planId: DEDICATED_PLAN_ID, serviceId: entry.serviceId, parameters: {} });
    const objects = valueOf(planResources(entry, templates, instanceFacts(entry, record)));
    for (const object of objects.filter((o) => o.kind !== 'Cluster')) broker.cluster.seed(object);
    valueOf(await broker.store.createInstance(dedicated('instance-1', { objects: objects.map(refOf) })));

    const { missing } = await drift();
    expect(missing.map((m) => m.missing.map(describeRef))).to.deep.equal([[describeRef(refOf(objects.find((o) => o.kind === 'Cluster')!))]]);
  });
});
