import { expect } from 'chai';
import { applyEvent } from '../../../src/domain/instance-lifecycle.js';
import { maintenanceVersionOf } from '../../../src/domain/maintenance.js';
import type { CatalogEntry } from '../../../src/domain/catalog-entry.js';
import type { InstanceRecord } from '../../../src/domain/records.js';
import type { UpdateRequest } from '../../../src/application/use-cases/update-instance.js';
import {
  CLIENT_NS, PROVIDER_NS, apiTemplates, configMap, deployment, dedicatedEntry, errorOf, ordered, service, template, valueOf,
} from '../builders.js';
import { SETTINGS, makeBroker, pollLastOperation, provisionedAsync, type Broker } from './harness.js';

const V2_PLAN_ID = '55555555-5555-4555-8555-555555555555';

const v1 = (overrides: Partial<CatalogEntry> = {}) => dedicatedEntry({ updatableTo: ['v2'], ...overrides });
const v2 = (overrides: Partial<CatalogEntry> = {}) => dedicatedEntry({
  source: 'entry-api-v2', version: 'v2', planId: V2_PLAN_ID,
  provisioner: { kind: 'NewClusterObjects', namespace: PROVIDER_NS, name: 'api-{{ instance.shortId }}', labelSelector: 'mesitis/offering=api-v2' },
  ...overrides,
});

/** v2: the same Deployment with two replicas and the same Service; the v1 ConfigMap dropped; a new ConfigMap. */
const v2Templates = () => {
  const labels = (order: string) => ordered(order, { 'mesitis/offering': 'api-v2' });
  return [
    template('tpl-v2-deployment', deployment('api-{{ instance.shortId }}', 2), labels('20')),
    template('tpl-v2-service', service('api-{{ instance.shortId }}'), labels('30')),
    template('tpl-v2-extra', configMap('api-extra-{{ instance.shortId }}', { mode: 'v2' }), labels('40')),
  ];
};

function setUp(entries: CatalogEntry[] = [v1(), v2()]): Broker {
  return makeBroker({ entries, templates: [...apiTemplates(), ...v2Templates()] });
}

const updateRequest = (overrides: Partial<UpdateRequest> = {}): UpdateRequest => ({
  instanceId: 'instance-1', serviceId: v1().serviceId, planId: V2_PLAN_ID, parameters: undefined, acceptsIncomplete: true, caller: {}, ...overrides,
});

const stored = async (broker: Broker): Promise<InstanceRecord> => valueOf(await broker.store.getInstance('instance-1'))!.record;
const names = (record: InstanceRecord) => record.objects.map((ref) => `${ref.kind}/${ref.name}`);
const replicasOf = (broker: Broker, record: InstanceRecord) => {
  const ref = record.objects.find((r) => r.kind === 'Deployment')!;
  return (broker.cluster.peek(ref)!['spec'] as { replicas: number }).replicas;
};

describe('application/update-instance', () => {
  it('moves an instance to a plan its entry may be updated to: changed objects applied in place, new ones created, dropped ones deleted', async () => {
    const broker = setUp();
    await provisionedAsync(broker);
    const before = await stored(broker);
    const deploymentUid = before.objects.find((r) => r.kind === 'Deployment')!.uid;
    const dropped = before.objects.find((r) => r.kind === 'ConfigMap')!;

    const accepted = valueOf(await broker.updateInstance.execute(updateRequest()));
    expect(accepted.outcome).to.equal('accepted');
    expect((await stored(broker)).status).to.be.oneOf(['updating', 'ready']);
    await broker.jobs.drain();
    expect(valueOf(await pollLastOperation(broker))).to.deep.include({ state: 'succeeded' });

    const after = await stored(broker);
    expect(after).to.include({ status: 'ready', planId: V2_PLAN_ID, entrySource: 'entry-api-v2' });
    expect(after.update).to.equal(undefined);
    expect(after.operation).to.include({ type: 'update', state: 'succeeded' });
    expect(after.maintenanceVersion).to.equal(maintenanceVersionOf(v2(), [...apiTemplates(), ...v2Templates()]));
    expect(names(after)).to.have.members([`Deployment/${dropped.name.replace('api-config-', 'api-')}`, `Service/${dropped.name.replace('api-config-', 'api-')}`,
      `ConfigMap/${dropped.name.replace('api-config-', 'api-extra-')}`]);
    expect(after.objects.find((r) => r.kind === 'Deployment')!.uid).to.equal(deploymentUid);
    expect(replicasOf(broker, after)).to.equal(2);
    expect(broker.cluster.has(dropped)).to.equal(false);
    expect(broker.cluster.calls).to.include(`delete ConfigMap ${PROVIDER_NS}/${dropped.name}`);
  });

  it('refuses, changing nothing, a plan neither entry lists as updatable, another service, or a plan not whitelisted', async () => {
    const broker = setUp([dedicatedEntry(), v2()]);
    await provisionedAsync(broker);
    const before = await stored(broker);
    expect(errorOf(await broker.updateInstance.execute(updateRequest())).kind).to.equal('Unsupported');
    expect(errorOf(await broker.updateInstance.execute(updateRequest({ serviceId: 'another' }))).kind).to.equal('InvalidRequest');
    expect(errorOf(await broker.updateInstance.execute(updateRequest({ planId: 'no-such-plan' }))).kind).to.equal('UnknownPlan');
    expect(await stored(broker)).to.deep.equal(before);

    const closed = setUp([v1(), v2({ whitelist: ['someone-else'] })]);
    await provisionedAsync(closed);
    expect(errorOf(await closed.updateInstance.execute(updateRequest())).kind).to.equal('NotWhitelisted');
  });

  it('accepts the move declared from the target side (updatableFrom) too', async () => {
    const broker = setUp([dedicatedEntry(), v2({ updatableFrom: ['v1'] })]);
    await provisionedAsync(broker);
    expect(valueOf(await broker.updateInstance.execute(updateRequest())).outcome).to.equal('accepted');
  });

  it('answers AsyncRequired, changing nothing, when the new plan rolls out a workload and the platform cannot wait', async () => {
    const broker = setUp();
    await provisionedAsync(broker);
    const before = await stored(broker);
    expect(errorOf(await broker.updateInstance.execute(updateRequest({ acceptsIncomplete: false }))).kind).to.equal('AsyncRequired');
    expect(await stored(broker)).to.deep.equal(before);
  });

  it('restores the previous plan when the new one does not become ready in time, and says the instance is still usable', async () => {
    const broker = setUp();
    await provisionedAsync(broker);
    const before = await stored(broker);
    broker.cluster.workloadsBecomeReady = false;
    valueOf(await broker.updateInstance.execute(updateRequest()));
    await broker.jobs.drain();
    expect(valueOf(await pollLastOperation(broker)).state).to.equal('in progress');
    expect((await stored(broker)).objects).to.have.length(4); // both plans' objects while it settles

    broker.runtime.advance(SETTINGS.readinessTimeoutMs + 1);
    const polled = valueOf(await pollLastOperation(broker));
    expect(polled).to.include({ state: 'failed', instanceUsable: true });
    expect(polled.description).to.match(/not ready within .*the previous plan was restored/);

    const after = await stored(broker);
    expect(after).to.include({ status: 'ready', planId: before.planId, maintenanceVersion: before.maintenanceVersion });
    expect(after.pinned).to.deep.equal(before.pinned);
    expect(names(after)).to.deep.equal(names(before));
    expect(after.objects.map((r) => r.uid)).to.deep.equal(before.objects.map((r) => r.uid));
    expect(replicasOf(broker, after)).to.equal(1);
    expect(broker.cluster.contents()).to.have.length(3);
    expect(broker.cluster.contents().some((name) => name.includes('api-extra-'))).to.equal(false);
  });

  it('restores the previous plan at the next poll, before the timeout, once the new rollout reports its progress deadline exceeded', async () => {
    const broker = setUp();
    await provisionedAsync(broker);
    const before = await stored(broker);
    broker.cluster.workloadsBecomeReady = false;
    valueOf(await broker.updateInstance.execute(updateRequest()));
    await broker.jobs.drain();
    expect(valueOf(await pollLastOperation(broker)).state).to.equal('in progress');
    // What the Deployment controller writes when the new Pods cannot be scheduled within progressDeadlineSeconds.
    const deployment = before.objects.find((r) => r.kind === 'Deployment')!;
    broker.cluster.setStatus(deployment, { conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] });

    const polled = valueOf(await pollLastOperation(broker));
    expect(polled).to.include({ state: 'failed', instanceUsable: true });
    expect(polled.description).to.match(/the rollout failed \(ProgressDeadlineExceeded\).*the previous plan was restored/);
    const after = await stored(broker);
    expect(after).to.include({ status: 'ready', planId: before.planId });
    expect(replicasOf(broker, after)).to.equal(1);
    expect(broker.cluster.contents().some((name) => name.includes('api-extra-'))).to.equal(false);
  });

  it('never applies onto someone else\'s object: a name the new plan needs that is taken fails the update and leaves theirs as it was', async () => {
    const broker = setUp();
    await provisionedAsync(broker);
    const before = await stored(broker);
    const extra = before.objects.find((r) => r.kind === 'ConfigMap')!.name.replace('api-config-', 'api-extra-');
    const theirs = { ...configMap(extra, { owner: 'another-team' }), metadata: { name: extra, namespace: PROVIDER_NS, labels: { team: 'other' } } };
    broker.cluster.seed(theirs);
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: PROVIDER_NS, name: extra };
    const seeded = broker.cluster.peek(ref)!;

    valueOf(await broker.updateInstance.execute(updateRequest()));
    await broker.jobs.drain();
    const polled = valueOf(await pollLastOperation(broker));
    expect(polled).to.include({ state: 'failed', instanceUsable: true });
    expect(polled.description).to.contain(`ConfigMap ${PROVIDER_NS}/${extra}: it already exists and does not belong to this instance`);
    expect(broker.cluster.peek(ref), 'theirs, untouched').to.deep.equal(seeded);
    expect(broker.cluster.calls).to.not.include(`apply ConfigMap ${PROVIDER_NS}/${extra}`);
    expect(await stored(broker)).to.include({ status: 'ready', planId: before.planId });
  });

  it('never applies onto an object that took the name of one of the instance\'s own (another uid)', async () => {
    const broker = setUp();
    await provisionedAsync(broker);
    const before = await stored(broker);
    const service = before.objects.find((r) => r.kind === 'Service')!;
    valueOf(await broker.cluster.delete(service));
    broker.cluster.seed({ apiVersion: 'v1', kind: 'Service', metadata: { name: service.name, namespace: service.namespace, labels: { team: 'other' } }, spec: { ports: [{ port: 1 }] } });

    valueOf(await broker.updateInstance.execute(updateRequest()));
    await broker.jobs.drain();
    expect(valueOf(await pollLastOperation(broker)).description).to.contain(`Service ${service.namespace}/${service.name}: it already exists and does not belong to this instance`);
    expect(broker.cluster.peek(service)?.metadata.labels).to.deep.equal({ team: 'other' });
    expect(broker.cluster.calls).to.not.include(`apply Service ${service.namespace}/${service.name}`);
  });

  it('says in the failure when the previous rendering is no longer in the catalog', async () => {
    const broker = setUp();
    await provisionedAsync(broker);
    broker.cluster.workloadsBecomeReady = false;
    valueOf(await broker.updateInstance.execute(updateRequest()));
    await broker.jobs.drain();
    // The provider edits v1's templates meanwhile: the rendering the instance had is gone.
    broker.config.set({ entries: [v1(), v2()], templates: [...apiTemplates().map((t) => ({ ...t, labels: { ...t.labels, edited: 'yes' } })), ...v2Templates()].map((t) =>
      t.source === 'tpl-config' ? template('tpl-config', configMap('api-config-{{ instance.shortId }}', { owner: 'changed' }), ordered('10')) : t), problems: [] });
    broker.runtime.advance(SETTINGS.readinessTimeoutMs + 1);
    const polled = valueOf(await pollLastOperation(broker));
    expect(polled.state).to.equal('failed');
    expect(polled.description).to.match(/could not be restored: .*no longer in the catalog/);
  });

  it('resumes an update whose broker died after recording the intent', async () => {
    const broker = setUp();
    await provisionedAsync(broker);
    const { record, revision } = valueOf(await broker.store.getInstance('instance-1'))!;
    const templates = [...apiTemplates(), ...v2Templates()];
    const intent = {
      target: { planId: V2_PLAN_ID, entrySource: 'entry-api-v2', maintenanceVersion: maintenanceVersionOf(v2(), templates), parameters: {} },
      previous: { planId: record.planId, entrySource: record.entrySource, parameters: record.parameters, objects: record.objects, ...(record.pinned ? { pinned: record.pinned } : {}) },
    };
    const updating = applyEvent(record, { type: 'updateStarted', operation: broker.records.newOperation('update'), intent }, broker.runtime.now().toISOString())!;
    valueOf(await broker.store.updateInstance(updating, revision));

    const report = valueOf(await broker.reconciler.reconcileOnce());
    expect(report).to.include({ pending: 1, resumed: 1, failed: 0 });
    const after = await stored(broker);
    expect(after).to.include({ status: 'ready', planId: V2_PLAN_ID });
    expect(after.operation).to.include({ type: 'update', state: 'succeeded' });
    expect(broker.cluster.contents()).to.have.length(3);
  });

  it('applies the plan\'s new maintenance level only when asked, and refuses a level the plan does not have', async () => {
    const broker = setUp([v1()]);
    await provisionedAsync(broker);
    const before = await stored(broker);
    const edited = [template('tpl-deployment', deployment('api-{{ instance.shortId }}', 3), ordered('20')), ...apiTemplates().filter((t) => t.source !== 'tpl-deployment')];
    broker.config.set({ entries: [v1()], templates: edited, problems: [] });
    const level = maintenanceVersionOf(v1(), edited);
    expect(level).to.not.equal(before.maintenanceVersion);
    // A PATCH without maintenance_info changes nothing; a wrong level is a conflict.
    expect(valueOf(await broker.updateInstance.execute(updateRequest({ planId: undefined }))).outcome).to.equal('unchanged');
    expect(errorOf(await broker.updateInstance.execute(updateRequest({ planId: undefined, maintenanceVersion: '9.9.9' }))).kind).to.equal('MaintenanceInfoConflict');

    valueOf(await broker.updateInstance.execute(updateRequest({ planId: undefined, maintenanceVersion: level })));
    await broker.jobs.drain();
    expect(valueOf(await pollLastOperation(broker)).state).to.equal('succeeded');
    const after = await stored(broker);
    expect(after).to.include({ planId: before.planId, maintenanceVersion: level });
    expect(replicasOf(broker, after)).to.equal(3);
  });

  it('changes parameters only where the entry allows it', async () => {
    const parametrised = [template('tpl-config', configMap('api-config-{{ instance.shortId }}', { size: '{{ parameters.size }}' }), ordered('10'))];
    const broker = makeBroker({ entries: [dedicatedEntry()], templates: parametrised });
    valueOf(await broker.provision.execute({
      instanceId: 'instance-1', serviceId: dedicatedEntry().serviceId, planId: dedicatedEntry().planId, parameters: { size: 's' },
      context: { platform: 'kubernetes', namespace: CLIENT_NS }, acceptsIncomplete: false, caller: {},
    }));
    const request = updateRequest({ planId: undefined, parameters: { size: 'l' }, acceptsIncomplete: false });
    expect(errorOf(await broker.updateInstance.execute(request)).kind).to.equal('Unsupported');

    broker.config.set({ entries: [dedicatedEntry({ parametersUpdatable: true })], templates: parametrised, problems: [] });
    expect(valueOf(await broker.updateInstance.execute(request)).outcome).to.equal('updated');
    const after = await stored(broker);
    expect(after.parameters).to.deep.equal({ size: 'l' });
    expect((broker.cluster.peek(after.objects[0]!)!['data'] as Record<string, string>)['size']).to.equal('l');
  });

  it('records the maintenance level at provision and refuses a provision naming another', async () => {
    const broker = setUp();
    const refused = await broker.provision.execute({
      instanceId: 'instance-2', serviceId: v1().serviceId, planId: v1().planId, parameters: {}, maintenanceVersion: '0.0.1',
      context: { platform: 'kubernetes', namespace: CLIENT_NS }, acceptsIncomplete: true, caller: {},
    });
    expect(errorOf(refused).kind).to.equal('MaintenanceInfoConflict');
    expect(valueOf(await broker.store.getInstance('instance-2'))).to.equal(undefined);
    await provisionedAsync(broker);
    expect((await stored(broker)).maintenanceVersion).to.match(/^1\.0\.0\+[0-9a-f]{12}$/);
  });
});
