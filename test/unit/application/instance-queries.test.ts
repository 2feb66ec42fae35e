import { expect } from 'chai';
import { domainError } from '../../../src/domain/errors.js';
import { CLIENT_NS, OTHER_NS, SERVICE_ID, URL_PLAN_ID, errorOf, instanceRecord, valueOf } from '../builders.js';
import { SETTINGS, bindRequest, makeBroker, provisionRequest, urlProvisionRequest, type Broker } from './harness.js';
import { shortId } from '../../../src/domain/template-variables.js';

const caller = {};

async function provisioned(parameters: Record<string, unknown> = { size: 'small' }): Promise<Broker> {
  const broker = makeBroker();
  valueOf(await broker.provision.execute(urlProvisionRequest({ parameters })));
  return broker;
}

describe('application/update-instance', () => {
  const update = (planId: string | undefined, parameters?: Record<string, unknown>) =>
    ({ instanceId: 'instance-1', serviceId: SERVICE_ID, planId, parameters, caller });

  it('refuses a change to a plan the catalog does not have as UnknownPlan', async () => {
    const broker = await provisioned();
    expect(errorOf(await broker.updateInstance.execute(update('another-plan')))).to.deep.equal(
      domainError('UnknownPlan', `service ${SERVICE_ID} has no plan another-plan in this catalog`),
    );
  });

  it('refuses a parameter change as Unsupported', async () => {
    const broker = await provisioned();
    expect(errorOf(await broker.updateInstance.execute(update(undefined, { size: 'large' }))).kind).to.equal('Unsupported');
  });

  it('accepts a request that changes nothing', async () => {
    const broker = await provisioned();
    expect(valueOf(await broker.updateInstance.execute(update(URL_PLAN_ID, { size: 'small' })))).to.deep.equal({ outcome: 'unchanged' });
    expect(valueOf(await broker.updateInstance.execute(update(undefined, {})))).to.deep.equal({ outcome: 'unchanged' });
  });

  it('answers NotFound for an unknown instance and InvalidRequest for another service', async () => {
    const broker = makeBroker();
    expect(errorOf(await broker.updateInstance.execute(update(URL_PLAN_ID))).kind).to.equal('NotFound');
    valueOf(await broker.provision.execute(urlProvisionRequest()));
    expect(errorOf(await broker.updateInstance.execute({ ...update(URL_PLAN_ID), serviceId: 'other' })).kind).to.equal('InvalidRequest');
  });
});

describe('application/fetch-instance', () => {
  it('returns what the instance was provisioned with', async () => {
    const broker = await provisioned();
    expect(valueOf(await broker.fetchInstance.execute({ instanceId: 'instance-1', caller }))).to.deep.include({
      serviceId: SERVICE_ID, planId: URL_PLAN_ID, parameters: { size: 'small' },
    });
    expect(valueOf(await broker.fetchInstance.execute({ instanceId: 'instance-1', caller })).maintenanceVersion).to.match(/^1\.0\.0\+/);
  });

  it('answers NotFound when unknown or seen through another namespace\'s view', async () => {
    const broker = makeBroker();
    expect(errorOf(await broker.fetchInstance.execute({ instanceId: 'instance-1', caller })).kind).to.equal('NotFound');
    valueOf(await broker.provision.execute(urlProvisionRequest()));
    expect(errorOf(await broker.fetchInstance.execute({ instanceId: 'instance-1', caller: { viewNamespace: OTHER_NS } })).kind).to.equal('NotFound');
  });

  it('answers NotFound while provisioning and ConcurrencyError while updating', async () => {
    const broker = makeBroker();
    valueOf(await broker.store.createInstance(instanceRecord({ status: 'provisioning' })));
    expect(errorOf(await broker.fetchInstance.execute({ instanceId: 'instance-1', caller })).message).to.equal('instance instance-1 is still being provisioned');
    const updating = makeBroker();
    valueOf(await updating.store.createInstance(instanceRecord({ operation: { id: 'op-9', type: 'update', state: 'in progress', startedAt: '2024-05-01T12:00:00.000Z' } })));
    expect(errorOf(await updating.fetchInstance.execute({ instanceId: 'instance-1', caller })).kind).to.equal('ConcurrencyError');
  });
});

describe('application/last-operation', () => {
  it('reports an operation whose broker died as in progress, however old, until the reconciler finishes it', async () => {
    const broker = makeBroker();
    const startedAt = broker.runtime.now().toISOString();
    valueOf(await broker.store.createInstance(instanceRecord({ status: 'provisioning', operation: { id: 'op-1', type: 'provision', state: 'in progress', startedAt } })));
    broker.runtime.advance(SETTINGS.readinessTimeoutMs + 2 * 60_000 + 1);
    expect(valueOf(await broker.lastOperation.execute({ instanceId: 'instance-1', caller }))).to.deep.equal({ state: 'in progress' });
    valueOf(await broker.reconciler.reconcileOnce());
    expect(valueOf(await broker.lastOperation.execute({ instanceId: 'instance-1', caller })).state).to.equal('succeeded');
  });

  it('answers NotFound for an unknown instance or another namespace\'s view', async () => {
    const broker = makeBroker();
    expect(errorOf(await broker.lastOperation.execute({ instanceId: 'instance-1', caller })).kind).to.equal('NotFound');
    valueOf(await broker.provision.execute(urlProvisionRequest()));
    expect(errorOf(await broker.lastOperation.execute({ instanceId: 'instance-1', caller: { viewNamespace: OTHER_NS } })).kind).to.equal('NotFound');
    expect(valueOf(await broker.lastOperation.execute({ instanceId: 'instance-1', caller: { viewNamespace: CLIENT_NS } })).state).to.equal('succeeded');
  });
});

describe('application/last-operation while objects start', () => {
  const SHORT = shortId('instance-1');

  it('changes nothing when polled through another namespace\'s view (a 4xx leaves state unchanged)', async () => {
    const broker = makeBroker();
    broker.cluster.workloadsBecomeReady = false;
    valueOf(await broker.provision.execute(provisionRequest({ acceptsIncomplete: true })));
    await broker.jobs.drain();
    broker.runtime.advance(SETTINGS.readinessTimeoutMs + 1);

    expect(errorOf(await broker.lastOperation.execute({ instanceId: 'instance-1', caller: { viewNamespace: OTHER_NS } })).kind).to.equal('NotFound');
    expect(broker.cluster.contents(), 'objects removed by a 404 answer').to.have.length(3);
    expect(valueOf(await broker.store.getInstance('instance-1'))?.record.status).to.equal('starting');
  });

  it('does not let a poll during a deprovision leave a ready record behind', async () => {
    const broker = makeBroker();
    valueOf(await broker.provision.execute(provisionRequest({ acceptsIncomplete: true })));
    await broker.jobs.drain();
    const gate = broker.cluster.hold('delete', `api-${SHORT}`); // holds the first delete, the Service's: the Deployment is still ready
    // A Deployment plan deprovisions asynchronously: the poll meets the background removal.
    const deleting = broker.deprovision.execute({ instanceId: 'instance-1', acceptsIncomplete: true, caller: {} });
    await gate.reached;
    await broker.lastOperation.execute({ instanceId: 'instance-1', caller: {} });
    gate.release();

    expect(valueOf(await deleting).outcome).to.equal('accepted');
    await broker.jobs.drain();
    expect(valueOf(await broker.store.getInstance('instance-1'))?.record.status).to.equal('gone');
    expect(errorOf(await broker.lastOperation.execute({ instanceId: 'instance-1', caller: {} })).kind).to.equal('Gone');
    expect(broker.cluster.contents()).to.deep.equal([]);
  });
});

describe('application/inventory', () => {
  it('lists live instances with their bindings and who asked, oldest first, without credentials', async () => {
    const broker = makeBroker();
    const alice = { originatingIdentity: { platform: 'kubernetes', value: { username: 'alice' } } };
    valueOf(await broker.provision.execute(urlProvisionRequest({ instanceId: 'instance-1', caller: alice })));
    broker.runtime.advance(1000);
    valueOf(await broker.provision.execute(urlProvisionRequest({ instanceId: 'instance-2' })));
    valueOf(await broker.store.createInstance(instanceRecord({ id: 'instance-0', status: 'gone' })));
    valueOf(await broker.bind.execute(bindRequest({ caller: { originatingIdentity: { platform: 'cf', value: { user_id: 'bob' } } } })));

    const summaries = valueOf(await broker.inventory.execute());
    expect(summaries.map((s) => [s.instanceId, s.requestedBy, s.bindings.map((b) => [b.bindingId, b.requestedBy])])).to.deep.equal([
      ['instance-1', 'alice', [['binding-1', 'bob']]],
      ['instance-2', undefined, []],
    ]);
    expect(summaries[0]).to.include({ entry: 'entry-db-v1', consumerNamespace: CLIENT_NS, status: 'ready', objects: 0 });
    expect(JSON.stringify(summaries)).to.not.contain('s3cr3t-pa55');
  });
});
