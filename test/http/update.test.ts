import { expect } from 'chai';
import { deriveServiceId } from '../../src/domain/catalog-entry.js';
import type { KubeObject } from '../../src/domain/kube-object.js';
import { startMemoryBroker, type MemoryBroker } from '../support/memory-broker.js';
import { osb, provisionAndWait, type OsbResponse } from '../support/osb-client.js';
import { kubernetesContext, NS, PLAN, platformGuids, providerFixture } from '../support/provider-fixture.js';

const SERVICE = deriveServiceId('api', 'api-service');
const V2 = 'plan-dedicated-2';

const configMap = (name: string, labels: Record<string, string>, data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS.provider, labels }, data,
});
const entryLabels = { 'mesitis/kind': 'catalog-entry', 'mesitis/enabled': 'true' };
const templateLabels = (order: number) => ({ 'mesitis/kind': 'wrapped-service', 'mesitis/enabled': 'true', 'mesitis/offering': 'api-service-v2', 'mesitis/order': String(order) });

/** Version 2 of the dedicated API: another image, no Service any more, a ConfigMap of its own. Updatable from version 1. */
function version2(): KubeObject[] {
  const deployment = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api-{{ instance.shortId }}' },
    spec: { replicas: 1, selector: { matchLabels: { app: 'api-{{ instance.shortId }}' } },
      template: { metadata: { labels: { app: 'api-{{ instance.shortId }}' } }, spec: { containers: [{ name: 'app', image: 'example/app:2' }] } } },
  };
  return [
    configMap('entry-dedicated-v2', entryLabels, { 'wrapped-resource': JSON.stringify({
      team: 'api', offering: 'api-service', description: 'A dedicated API per consumer, v2', uuid: V2, version: '2', whitelist: [NS.client],
      updatableFrom: ['1'], provisionkind: 'ProvisionNewClusterObjects',
      provisiondata: { namespace: NS.target, name: 'api-{{ instance.shortId }}', labelSelector: 'mesitis/offering=api-service-v2' },
      credentialkind: 'CredentialNoCredential',
    }) }),
    configMap('api-v2-deployment', templateLabels(1), { 'wrapped-resource': JSON.stringify(deployment) }),
    configMap('api-v2-settings', templateLabels(2), { 'wrapped-resource': JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'api-settings-{{ instance.shortId }}' }, data: { v: '2' } }) }),
  ];
}

const provisionBody = { service_id: SERVICE, plan_id: PLAN.dedicated, ...platformGuids(NS.client), context: kubernetesContext(NS.client) };

async function waitFor(broker: MemoryBroker, path: string, operation: string): Promise<OsbResponse> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const last = await osb(broker.url, 'GET', `${path}/last_operation?operation=${encodeURIComponent(operation)}`);
    if (last.status !== 200 || last.body?.['state'] !== 'in progress') return last;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('update still in progress after 5 s');
}

describe('PATCH moves an instance between versions of its offering', () => {
  let broker: MemoryBroker;
  beforeEach(async () => { broker = await startMemoryBroker({ objects: [...providerFixture(), ...version2()] }); });
  afterEach(async () => { await broker.stop(); });

  const catalogPlans = async (version = '2.17') => {
    const catalog = await osb(broker.url, 'GET', '/v2/catalog', { version });
    const service = (catalog.body?.['services'] as { id: string; plan_updateable?: boolean; plans: Record<string, unknown>[] }[]).find((s) => s.id === SERVICE)!;
    return { service, plans: service.plans };
  };

  it('lists plan_updateable and each plan\'s maintenance_info in the catalog', async () => {
    const { service, plans } = await catalogPlans();
    expect(service.plan_updateable).to.equal(true);
    const v1 = plans.find((p) => p['id'] === PLAN.dedicated)!;
    expect(v1['plan_updateable']).to.equal(true);
    expect(plans.find((p) => p['id'] === V2)!['plan_updateable']).to.equal(false);
    expect((v1['maintenance_info'] as { version: string }).version).to.match(/^1\.0\.0\+[0-9a-f]{12}$/);
    const { plans: old } = await catalogPlans('2.14');
    expect(old[0]).to.not.have.any.keys('maintenance_info', 'plan_updateable');
  });

  it('answers 202, reports the update through last_operation, and fetch shows the new plan with its objects', async () => {
    expect((await provisionAndWait(broker.url, '/v2/service_instances/u-1', provisionBody)).last.body?.['state']).to.equal('succeeded');
    const before = await osb(broker.url, 'GET', '/v2/service_instances/u-1');
    const v1Level = (before.body?.['maintenance_info'] as { version: string }).version;

    const patch = await osb(broker.url, 'PATCH', '/v2/service_instances/u-1?accepts_incomplete=true', { body: { service_id: SERVICE, plan_id: V2 } });
    expect(patch.status).to.equal(202);
    const last = await waitFor(broker, '/v2/service_instances/u-1', String(patch.body?.['operation']));
    expect(last.body).to.include({ state: 'succeeded' });

    const fetched = await osb(broker.url, 'GET', '/v2/service_instances/u-1');
    expect(fetched.status).to.equal(200);
    expect(fetched.body).to.include({ service_id: SERVICE, plan_id: V2 });
    const { plans } = await catalogPlans();
    expect(fetched.body?.['maintenance_info']).to.deep.equal(plans.find((p) => p['id'] === V2)!['maintenance_info']);
    expect((fetched.body?.['maintenance_info'] as { version: string }).version).to.not.equal(v1Level);

    const deployments = broker.cluster.list('Deployment', NS.target);
    expect(deployments).to.have.length(1);
    const image = (deployments[0]!['spec'] as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image;
    expect(image).to.equal('example/app:2');
    expect(broker.cluster.list('Service', NS.target)).to.deep.equal([]);
    expect(broker.cluster.list('ConfigMap', NS.target).map((o) => o.metadata.name)).to.have.length(1);
  });

  it('refuses an update without accepts_incomplete (AsyncRequired), to a level the plan does not have (MaintenanceInfoConflict), leaving the instance as it was', async () => {
    await provisionAndWait(broker.url, '/v2/service_instances/u-2', provisionBody);
    const sync = await osb(broker.url, 'PATCH', '/v2/service_instances/u-2', { body: { service_id: SERVICE, plan_id: V2 } });
    expect(sync.status).to.equal(422);
    expect(sync.body?.['error']).to.equal('AsyncRequired');
    const conflict = await osb(broker.url, 'PATCH', '/v2/service_instances/u-2?accepts_incomplete=true', {
      body: { service_id: SERVICE, maintenance_info: { version: '7.0.0' } },
    });
    expect(conflict.status).to.equal(422);
    expect(conflict.body?.['error']).to.equal('MaintenanceInfoConflict');
    const provisionConflict = await osb(broker.url, 'PUT', '/v2/service_instances/u-3?accepts_incomplete=true', { body: { ...provisionBody, maintenance_info: { version: '7.0.0' } } });
    expect(provisionConflict.status).to.equal(422);
    expect(provisionConflict.body?.['error']).to.equal('MaintenanceInfoConflict');
    const fetched = await osb(broker.url, 'GET', '/v2/service_instances/u-2');
    expect(fetched.body).to.include({ plan_id: PLAN.dedicated });
    expect(broker.cluster.list('Service', NS.target)).to.have.length(1);
  });

  it('gives a 2.14 client no maintenance_info on a fetched instance', async () => {
    await provisionAndWait(broker.url, '/v2/service_instances/u-4', provisionBody);
    const old = await osb(broker.url, 'GET', '/v2/service_instances/u-4', { version: '2.14' });
    expect(old.status).to.equal(200);
    expect(old.body).to.not.have.property('maintenance_info');
    const current = await osb(broker.url, 'GET', '/v2/service_instances/u-4', { version: '2.17' });
    expect(current.body).to.have.property('maintenance_info');
  });
});
