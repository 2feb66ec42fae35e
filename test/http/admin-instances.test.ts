import { expect } from 'chai';
import { deriveServiceId } from '../../src/domain/catalog-entry.js';
import { startMemoryBroker, type MemoryBroker } from '../support/memory-broker.js';
import { osb, provisionAndWait } from '../support/osb-client.js';
import { kubernetesContext, NS, PLAN, platformGuids } from '../support/provider-fixture.js';
import { editVersion1, VERSIONED, versionedFixture } from '../support/versioned-fixture.js';

const API_SERVICE = deriveServiceId('api', 'api-service');
const TIME_SERVICE = deriveServiceId('web', 'time-api');
const as = (username: string) => ({ 'X-Broker-API-Originating-Identity': `kubernetes ${Buffer.from(JSON.stringify({ username })).toString('base64')}` });
const asJane = as('jane');

type Summary = Record<string, unknown> & { lastOperation: Record<string, unknown> };

describe('/admin/instances: each instance\'s version, maintenance level, who asked and since when', () => {
  let broker: MemoryBroker;
  beforeEach(async () => { broker = await startMemoryBroker({ objects: versionedFixture() }); });
  afterEach(async () => { await broker.stop(); });

  const inventory = async (): Promise<Summary[]> => {
    const response = await osb(broker.url, 'GET', '/admin/instances');
    expect(response.status).to.equal(200);
    return response.body.instances;
  };
  const planLevel = async (planId: string): Promise<string> => {
    const catalog = await osb(broker.url, 'GET', '/v2/catalog');
    const plans = (catalog.body.services as { plans: { id: string; maintenance_info: { version: string } }[] }[]).flatMap((s) => s.plans);
    return plans.find((plan) => plan.id === planId)!.maintenance_info.version;
  };

  it('shows the plan, the pinned level beside the plan\'s, and flags an upgrade once the provider edits the templates', async () => {
    const body = { service_id: API_SERVICE, plan_id: VERSIONED.v1PlanId, ...platformGuids(NS.client), context: kubernetesContext(NS.client) };
    expect((await provisionAndWait(broker.url, '/v2/service_instances/a-1', body, { headers: asJane })).last.body.state).to.equal('succeeded');
    const level1 = await planLevel(VERSIONED.v1PlanId);

    const [fresh] = await inventory();
    expect(fresh).to.deep.include({
      instanceId: 'a-1', plan: VERSIONED.v1Plan, version: '1', maintenanceVersion: level1, planMaintenanceVersion: level1, upgradeAvailable: false,
      requestedBy: 'jane', consumerNamespace: NS.client, status: 'ready',
    });
    expect(fresh!.lastOperation).to.include({ type: 'provision', state: 'succeeded', requestedBy: 'jane' });
    for (const time of [fresh!['createdAt'], fresh!['updatedAt'], fresh!.lastOperation['startedAt'], fresh!.lastOperation['finishedAt']]) {
      expect(Date.parse(String(time))).to.not.be.NaN;
    }

    editVersion1(broker);
    const level2 = await planLevel(VERSIONED.v1PlanId);
    expect(level2).to.not.equal(level1);
    expect((await inventory())[0]).to.deep.include({ maintenanceVersion: level1, planMaintenanceVersion: level2, upgradeAvailable: true });

    const patch = await osb(broker.url, 'PATCH', '/v2/service_instances/a-1?accepts_incomplete=true', { body: { service_id: API_SERVICE, maintenance_info: { version: level2 } }, headers: as('bob') });
    expect(patch.status).to.equal(202);
    for (let attempt = 0; attempt < 500 && (await osb(broker.url, 'GET', '/v2/service_instances/a-1/last_operation')).body?.state === 'in progress'; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const [upgraded] = await inventory();
    expect(upgraded).to.deep.include({ maintenanceVersion: level2, planMaintenanceVersion: level2, upgradeAvailable: false, requestedBy: 'jane' });
    // The instance was asked for by jane; this update by bob.
    expect(upgraded!.lastOperation).to.include({ type: 'update', state: 'succeeded', requestedBy: 'bob' });
    expect(upgraded!['createdAt']).to.equal(fresh!['createdAt']);
  });

  it('keeps an instance whose plan has left the catalog, without a plan name and without an upgrade', async () => {
    const body = { service_id: TIME_SERVICE, plan_id: PLAN.url, ...platformGuids(NS.client), context: kubernetesContext(NS.client) };
    expect((await osb(broker.url, 'PUT', '/v2/service_instances/u-1', { body })).status).to.equal(201);
    expect(broker.cluster.delete({ kind: 'ConfigMap', namespace: NS.provider, name: 'entry-url' }).ok).to.equal(true);
    const [orphaned] = await inventory();
    expect(orphaned).to.include({ instanceId: 'u-1', planId: PLAN.url, upgradeAvailable: false });
    expect(orphaned).to.have.property('maintenanceVersion').that.is.a('string');
    expect(orphaned).to.not.have.any.keys('plan', 'version', 'planMaintenanceVersion');
  });
});
