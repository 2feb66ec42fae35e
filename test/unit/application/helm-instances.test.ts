/**
 * A Helm entry's instances through the use cases and the reconciler, on
 * the fake cluster with a fake helm (fake-helm.ts): provision installs and
 * waits for readiness with the broker's rules, bind reads the release's
 * own Secret, an update upgrades (and rolls back when the new revision
 * never becomes ready), deprovision uninstalls; failures leave nothing.
 */
import { expect } from 'chai';
import type { CatalogEntry } from '../../../src/domain/catalog-entry.js';
import { maintenanceVersionOf } from '../../../src/domain/maintenance.js';
import type { InstanceRecord } from '../../../src/domain/records.js';
import { shortId } from '../../../src/domain/template-variables.js';
import { CLIENT_NS, errorOf, instanceRecord, urlEntry, valueOf } from '../builders.js';
import { SETTINGS, bindRequest, bound, makeBroker, pollLastOperation, provisionRequest, type Broker } from './harness.js';

const V1_PLAN = '66666666-6666-4666-8666-666666666661';
const V2_PLAN = '66666666-6666-4666-8666-666666666662';
const SERVICE = '66666666-6666-4666-8666-666666666660';
const TARGET_NS = 'db-ns';
const RELEASE = `db-${shortId('instance-1')}`;
const REF = { namespace: TARGET_NS, name: RELEASE };

function helmEntry(version: string, planId: string, image: string, overrides: Partial<CatalogEntry> = {}): CatalogEntry {
  return urlEntry({
    source: `entry-db-${version}`, offering: 'db', version, planId, serviceId: SERVICE,
    provisioner: {
      kind: 'HelmChart', namespace: TARGET_NS,
      chart: { kind: 'packaged', configMap: 'db-chart', key: 'db.tgz', archive: new Uint8Array([1, 2, 3]), digest: 'd1' },
      values: { image, replicas: '{{ parameters.replicas }}', password: '{{ generated.password length=20 }}' },
      port: 5432,
    },
    credentials: { kind: 'FromInstanceSecret', secretName: '{{ release.name }}-credentials', keys: ['username', 'password'] },
    parameters: { replicas: { type: 'integer', minimum: 1, maximum: 3, default: 1 } },
    parametersUpdatable: true,
    ...overrides,
  });
}

const v1 = () => helmEntry('v1', V1_PLAN, 'db:1', { updatableTo: ['v2'] });
const v2 = () => helmEntry('v2', V2_PLAN, 'db:2');
const setUp = (): Broker => makeBroker({ entries: [v1(), v2()] });

const request = (overrides: Parameters<typeof provisionRequest>[0] = {}) =>
  provisionRequest({ serviceId: SERVICE, planId: V1_PLAN, acceptsIncomplete: true, ...overrides });

const stored = async (broker: Broker): Promise<InstanceRecord | undefined> => valueOf(await broker.store.getInstance('instance-1'))?.record;
const releases = async (broker: Broker) => valueOf(await broker.helm.list(TARGET_NS)).map((r) => `${r.name} ${r.revision} ${r.state}`);

async function provisioned(broker: Broker, parameters: Record<string, unknown> = {}): Promise<void> {
  expect(valueOf(await broker.provision.execute(request({ parameters })))).to.deep.include({ outcome: 'accepted' });
  await broker.jobs.drain();
  expect(valueOf(await pollLastOperation(broker))).to.deep.include({ state: 'succeeded' });
}

describe('application: Helm chart instances', () => {
  it('provisions asynchronously: installs the release, records it and its objects with uids, then waits for readiness', async () => {
    const broker = setUp();
    broker.cluster.workloadsBecomeReady = false;
    expect(valueOf(await broker.provision.execute(request({ parameters: { replicas: 2 } })))).to.deep.include({ outcome: 'accepted' });
    await broker.jobs.drain();
    const record = (await stored(broker))!;
    expect(record.status).to.equal('starting');
    expect(record.release).to.deep.equal({ ...REF, revision: 1 });
    expect(record.objects.map((r) => `${r.kind}/${r.name}`)).to.deep.equal([`Secret/${RELEASE}-credentials`, `Service/${RELEASE}`, `Deployment/${RELEASE}`]);
    expect(record.objects.every((r) => r.uid !== undefined)).to.equal(true);
    expect(broker.helm.servingValues(REF)).to.deep.include({ replicas: 2, image: 'db:1' });
    expect(valueOf(await pollLastOperation(broker))).to.deep.include({ state: 'in progress' });

    broker.cluster.workloadsBecomeReady = true;
    broker.cluster.setStatus(record.objects[2]!, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 });
    expect(valueOf(await pollLastOperation(broker))).to.deep.include({ state: 'succeeded' });
    expect(await releases(broker)).to.deep.equal([`${RELEASE} 1 deployed`]);
  });

  it('never stores or logs the generated values it hands the chart', async () => {
    const broker = setUp();
    await provisioned(broker);
    const password = String(broker.helm.servingValues(REF)!['password']);
    expect(password).to.have.length(20);
    expect(broker.store.dump()).not.to.contain(password);
    expect(JSON.stringify(broker.logger.lines)).not.to.contain(password);
  });

  it('binds with the coordinates of the release\'s Service and the credentials of its own Secret', async () => {
    const broker = setUp();
    await provisioned(broker);
    const answer = bound(await broker.bind.execute(bindRequest({ serviceId: SERVICE, planId: V1_PLAN })));
    const password = String(broker.helm.servingValues(REF)!['password']);
    expect(answer.credentials).to.deep.equal({
      type: 'db', provider: 'data', host: `${RELEASE}.${TARGET_NS}.svc.cluster.local`, port: 5432, username: 'fixture', password,
    });
  });

  it('refuses a synchronous provision, and parameters the plan does not accept, before anything is written or installed', async () => {
    const broker = setUp();
    expect(errorOf(await broker.provision.execute(request({ acceptsIncomplete: false }))).kind).to.equal('AsyncRequired');
    const refused = errorOf(await broker.provision.execute(request({ parameters: { replicas: 9 } })));
    expect(refused).to.deep.equal({ kind: 'InvalidRequest', message: 'parameter "replicas" must be at most 3' });
    expect(errorOf(await broker.provision.execute(request({ parameters: { size: 'xl' } }))).kind).to.equal('InvalidRequest');
    expect(await stored(broker)).to.equal(undefined);
    expect(broker.helm.calls).to.deep.equal([]);
  });

  it('deprovisions by uninstalling the release, finishing once its objects are gone', async () => {
    const broker = setUp();
    await provisioned(broker);
    expect(valueOf(await broker.deprovision.execute({ instanceId: 'instance-1', acceptsIncomplete: true, caller: {} }))).to.deep.include({ outcome: 'accepted' });
    await broker.jobs.drain();
    expect((await stored(broker))?.status).to.equal('gone');
    expect(await releases(broker)).to.deep.equal([]);
    expect(broker.cluster.contents()).to.deep.equal([]);
    expect(broker.helm.calls).to.include(`uninstall ${TARGET_NS}/${RELEASE}`);
  });

  it('leaves nothing when the install fails', async () => {
    const broker = setUp();
    broker.helm.failNextInstall = true;
    valueOf(await broker.provision.execute(request()));
    await broker.jobs.drain();
    const record = (await stored(broker))!;
    expect(record.status).to.equal('failed');
    expect(record.objects).to.deep.equal([]);
    expect(valueOf(await pollLastOperation(broker))).to.deep.include({ state: 'failed' });
    expect(await releases(broker)).to.deep.equal([]);
    expect(broker.cluster.contents()).to.deep.equal([]);
  });

  it('counts an install helm could not record as deployed as failed, and removes it', async () => {
    const broker = setUp();
    broker.helm.storageRefusesUpdates = true;
    valueOf(await broker.provision.execute(request()));
    await broker.jobs.drain();
    const polled = valueOf(await pollLastOperation(broker));
    expect(polled.state).to.equal('failed');
    expect(polled.description).to.contain('was not recorded as deployed');
    expect(await releases(broker)).to.deep.equal([]);
    expect(broker.cluster.contents()).to.deep.equal([]);
    expect((await stored(broker))?.release, 'nothing left to clean up').to.equal(undefined);
  });

  it('uninstalls a release that does not become ready in time', async () => {
    const broker = setUp();
    broker.cluster.workloadsBecomeReady = false;
    valueOf(await broker.provision.execute(request()));
    await broker.jobs.drain();
    broker.runtime.advance(SETTINGS.readinessTimeoutMs + 1);
    expect(valueOf(await pollLastOperation(broker))).to.deep.include({ state: 'failed' });
    expect(await releases(broker)).to.deep.equal([]);
    expect(broker.cluster.contents()).to.deep.equal([]);
  });

  it('upgrades the release on a plan update, then waits for readiness', async () => {
    const broker = setUp();
    await provisioned(broker);
    const update = { instanceId: 'instance-1', serviceId: SERVICE, planId: V2_PLAN, parameters: undefined, acceptsIncomplete: true, caller: {} };
    expect(errorOf(await broker.updateInstance.execute({ ...update, acceptsIncomplete: false })).kind).to.equal('AsyncRequired');
    expect(valueOf(await broker.updateInstance.execute(update))).to.deep.include({ outcome: 'accepted' });
    await broker.jobs.drain();
    expect(valueOf(await pollLastOperation(broker))).to.deep.include({ state: 'succeeded' });
    const record = (await stored(broker))!;
    expect(record).to.deep.include({ planId: V2_PLAN, status: 'ready', release: { ...REF, revision: 2 } });
    expect(broker.helm.servingValues(REF)).to.deep.include({ image: 'db:2' });
    expect(await releases(broker)).to.deep.equal([`${RELEASE} 2 deployed`]);
  });

  it('rolls back to the previous revision when the upgraded one does not become ready; the instance stays usable', async () => {
    const broker = setUp();
    await provisioned(broker);
    broker.cluster.workloadsBecomeReady = false;
    valueOf(await broker.updateInstance.execute({ instanceId: 'instance-1', serviceId: SERVICE, planId: V2_PLAN, parameters: undefined, acceptsIncomplete: true, caller: {} }));
    await broker.jobs.drain();
    broker.runtime.advance(SETTINGS.readinessTimeoutMs + 1);
    broker.cluster.workloadsBecomeReady = true;
    expect(valueOf(await pollLastOperation(broker))).to.deep.include({ state: 'failed', instanceUsable: true });
    expect(broker.helm.calls).to.include(`rollback ${TARGET_NS}/${RELEASE} 1`);
    expect(broker.helm.servingValues(REF)).to.deep.include({ image: 'db:1' });
    expect((await stored(broker))).to.deep.include({ planId: V1_PLAN, status: 'ready', release: { ...REF, revision: 1 } });
  });

  it('keeps the previous revision serving when the upgrade itself fails', async () => {
    const broker = setUp();
    await provisioned(broker);
    broker.helm.failNextUpgrade = true;
    valueOf(await broker.updateInstance.execute({ instanceId: 'instance-1', serviceId: SERVICE, planId: undefined, parameters: { replicas: 3 }, acceptsIncomplete: true, caller: {} }));
    await broker.jobs.drain();
    expect(valueOf(await pollLastOperation(broker))).to.deep.include({ state: 'failed', instanceUsable: true });
    expect(broker.helm.servingValues(REF)).to.deep.include({ replicas: 1 });
    expect((await stored(broker))).to.deep.include({ planId: V1_PLAN, parameters: {}, status: 'ready' });
  });

  it('refuses a parameter update the plan does not accept, before anything changes', async () => {
    const broker = setUp();
    await provisioned(broker);
    const refused = errorOf(await broker.updateInstance.execute({ instanceId: 'instance-1', serviceId: SERVICE, planId: undefined, parameters: { replicas: 0 }, acceptsIncomplete: true, caller: {} }));
    expect(refused).to.deep.equal({ kind: 'InvalidRequest', message: 'parameter "replicas" must be at least 1' });
    expect(broker.helm.calls.filter((c) => c.startsWith('upgrade'))).to.deep.equal([]);
  });

  it('finishes an upgrade a crash interrupted: the reconciler upgrades again and settles', async () => {
    const broker = setUp();
    await provisioned(broker);
    const ready = (await stored(broker))!;
    // The broker died right after recording the update's intent, before helm ran.
    const { revision } = valueOf(await broker.store.getInstance('instance-1'))!;
    valueOf(await broker.store.updateInstance({
      ...ready, status: 'updating', operation: { id: 'op-dead', type: 'update', state: 'in progress', startedAt: '2024-05-01T11:59:00.000Z' },
      update: {
        target: { planId: V2_PLAN, entrySource: 'entry-db-v2', maintenanceVersion: maintenanceVersionOf(v2(), []), parameters: {} },
        previous: { planId: V1_PLAN, entrySource: 'entry-db-v1', parameters: {}, objects: ready.objects, ...(ready.pinned ? { pinned: ready.pinned } : {}) },
      },
    }, revision));
    valueOf(await broker.reconciler.reconcileOnce());
    expect(await stored(broker)).to.deep.include({ status: 'ready', planId: V2_PLAN, release: { ...REF, revision: 2 } });
    expect(broker.helm.servingValues(REF)).to.deep.include({ image: 'db:2' });
  });

  it('rolls back an upgrade a crash cut off when the update cannot be finished: no release is left pending', async () => {
    const broker = setUp();
    await provisioned(broker);
    const ready = (await stored(broker))!;
    // The broker died while helm upgraded (revision 2 pending-upgrade), and the target entry changed before anyone resumed.
    await broker.helm.cutOffUpgrade(REF, { image: 'db:2', replicas: 1 });
    const { revision } = valueOf(await broker.store.getInstance('instance-1'))!;
    valueOf(await broker.store.updateInstance({
      ...ready, status: 'updating', operation: { id: 'op-dead', type: 'update', state: 'in progress', startedAt: '2024-05-01T11:59:00.000Z' },
      update: {
        target: { planId: V2_PLAN, entrySource: 'entry-db-v2', maintenanceVersion: 'no longer in the catalog', parameters: {} },
        previous: { planId: V1_PLAN, entrySource: 'entry-db-v1', parameters: {}, objects: ready.objects, ...(ready.pinned ? { pinned: ready.pinned } : {}) },
      },
    }, revision));
    valueOf(await broker.reconciler.reconcileOnce());
    expect(await stored(broker)).to.deep.include({ status: 'ready', planId: V1_PLAN, release: { ...REF, revision: 1 } });
    expect((await stored(broker))?.operation.state).to.equal('failed');
    expect(await releases(broker)).to.deep.equal([`${RELEASE} 3 deployed`]);
    expect(broker.helm.servingValues(REF)).to.deep.include({ image: 'db:1' });
  });

  describe('an install a crash interrupted', () => {
    const interrupted = (status: InstanceRecord['status'], type: 'provision' | 'deprovision'): InstanceRecord => instanceRecord({
      serviceId: SERVICE, planId: V1_PLAN, entrySource: 'entry-db-v1', consumerNamespace: CLIENT_NS, parameters: {}, status, objects: [], release: REF,
      operation: { id: 'op-dead', type, state: 'in progress', startedAt: '2024-05-01T11:59:00.000Z' },
    });

    it('is finished by the reconciler: the recorded release installed, then ready', async () => {
      const broker = setUp();
      valueOf(await broker.store.createInstance(interrupted('provisioning', 'provision')));
      expect(valueOf(await broker.reconciler.reconcileOnce())).to.deep.equal({ pending: 1, resumed: 1, failed: 0 });
      expect((await stored(broker))).to.deep.include({ status: 'starting', release: { ...REF, revision: 1 } });
      valueOf(await broker.reconciler.reconcileOnce());
      expect((await stored(broker))?.status).to.equal('ready');
      expect(await releases(broker)).to.deep.equal([`${RELEASE} 1 deployed`]);
    });

    it('is removed when its entry is gone: nothing installed is left', async () => {
      const broker = makeBroker({ entries: [v2()] });
      // What the dead install left: a release half made.
      valueOf(await broker.helm.install({ ...REF, chart: { kind: 'packaged', archive: new Uint8Array([1]) }, values: {} }));
      valueOf(await broker.store.createInstance(interrupted('provisioning', 'provision')));
      valueOf(await broker.reconciler.reconcileOnce());
      expect((await stored(broker))?.status).to.equal('failed');
      expect(await releases(broker)).to.deep.equal([]);
      expect(broker.cluster.contents()).to.deep.equal([]);
    });

    it('is cleaned up by the reconciler when a failed install could not be removed at once', async () => {
      const broker = setUp();
      valueOf(await broker.helm.install({ ...REF, chart: { kind: 'packaged', archive: new Uint8Array([1]) }, values: {} }));
      const failed = interrupted('failed', 'provision');
      valueOf(await broker.store.createInstance({ ...failed, operation: { ...failed.operation, state: 'failed' } }));
      expect(valueOf(await broker.reconciler.reconcileOnce())).to.deep.include({ pending: 1, failed: 0 });
      expect(await releases(broker)).to.deep.equal([]);
      expect((await stored(broker))?.release).to.equal(undefined);
      expect(valueOf(await broker.reconciler.reconcileOnce())).to.deep.include({ pending: 0 });
    });

    it('is uninstalled by a deprovision that finds the release before any object was recorded', async () => {
      const broker = setUp();
      valueOf(await broker.helm.install({ ...REF, chart: { kind: 'packaged', archive: new Uint8Array([1]) }, values: {} }));
      valueOf(await broker.store.createInstance(interrupted('deprovisioning', 'deprovision')));
      valueOf(await broker.reconciler.reconcileOnce());
      expect((await stored(broker))?.status).to.equal('gone');
      expect(await releases(broker)).to.deep.equal([]);
    });
  });
});
