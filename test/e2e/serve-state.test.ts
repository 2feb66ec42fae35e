/**
 * `mesitis serve` keeps its state in the cluster by default: a broker killed
 * with SIGKILL and started again (a pod restart) still knows every instance
 * and binding, with no Redis anywhere. Runs under exactly the chart's RBAC,
 * so the Role's state rights are proven sufficient too.
 */
import { randomUUID } from 'node:crypto';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { expect } from 'chai';
import { loadManifests } from '../../src/adapters/config/manifest-loader.js';
import type { KubernetesApis } from '../../src/adapters/kubernetes/api-clients.js';
import { REPO_ROOT, startBrokerProcess, type BrokerProcess } from '../support/broker-process.js';
import { applyChartRbac, applyObjects, loadKubeconfig } from '../support/chart-rbac.js';
import { helmPrerequisite } from '../support/helm.js';
import { osb, type OsbRequestOptions } from '../support/osb-client.js';
import { requireOrSkip } from '../support/prerequisites.js';
import { adminApis } from '../support/real-cluster.js';
import { sharedTestCluster, testClusterPrerequisite, type TestCluster } from '../support/test-cluster.js';

const PROVIDER = 'provider-ns';
const AUTH = { username: 'platform', password: `e2e-${randomUUID()}` };
const WEATHER_PLAN = '6c1f5d2e-0b7a-4f3e-9d41-1a2b3c4d5e01';

describe('mesitis serve keeps its state in the cluster (default), across a SIGKILL', function () {
  this.timeout(120_000);
  let cluster: TestCluster;
  let admin: KubernetesApis;
  let broker: BrokerProcess | undefined;

  const start = () => startBrokerProcess(['serve', '--kubeconfig', cluster.brokerKubeconfig, '--namespace', PROVIDER, '--username', AUTH.username, '--password', AUTH.password], { MESITIS_STATE: '', MESITIS_REDIS_URL: '' });
  const call = (method: string, path: string, options: OsbRequestOptions = {}) => osb(broker!.url, method, path, { auth: AUTH, ...options });
  /** The state objects of one instance's records, found by what they hold (names are hashes). */
  const recordsOf = async (instanceId: string) =>
    (await admin.core.listNamespacedConfigMap({ namespace: PROVIDER, labelSelector: 'mesitis/record' })).items
      .map((item) => JSON.parse(item.data?.['record'] ?? '{}') as { id: string; instanceId?: string })
      .filter((record) => record.id === instanceId || record.instanceId === instanceId);

  before(async function () {
    requireOrSkip(this, 'the `mesitis serve` state suite', testClusterPrerequisite() ?? helmPrerequisite());
    this.timeout(30 * 60_000); // first run on a machine builds kube-apiserver and helm
    cluster = await sharedTestCluster();
    admin = adminApis(cluster.adminKubeconfig);
    await applyChartRbac(cluster.adminKubeconfig, PROVIDER);
    const examples = await loadManifests([`${REPO_ROOT}examples`], PROVIDER);
    await applyObjects(loadKubeconfig(cluster.adminKubeconfig), examples.objects);
  });

  afterEach(async () => {
    await broker?.stop();
    broker = undefined;
  });

  it('still knows an instance and its binding after a kill -9 and a restart, and removes every record on deprovision', async () => {
    broker = await start();
    const services = (await call('GET', '/v2/catalog')).body.services as { id: string; name: string }[];
    const serviceId = services.find((s) => s.name === 'weather-forecast-api')!.id;
    const id = randomUUID();
    const bindingId = randomUUID();
    const body = { service_id: serviceId, plan_id: WEATHER_PLAN, context: { platform: 'kubernetes', namespace: 'client-ns' }, organization_guid: 'org', space_guid: 'space' };
    const instance = `/v2/service_instances/${id}`;
    const binding = `${instance}/service_bindings/${bindingId}`;
    const query = `?service_id=${serviceId}&plan_id=${WEATHER_PLAN}`;
    expect((await call('PUT', instance, { body })).status).to.equal(201);
    const bound = await call('PUT', binding, { body });
    expect(bound.status).to.equal(201);
    expect((await recordsOf(id)).map((r) => r.id).sort()).to.deep.equal([bindingId, id].sort());

    broker.child.kill('SIGKILL');
    await broker.stop();
    broker = await start();

    expect((await call('GET', instance)).status).to.equal(200);
    expect((await call('PUT', instance, { body })).status, 'the same provision again: already there').to.equal(200);
    const fetched = await call('GET', binding);
    expect(fetched.status).to.equal(200);
    expect(fetched.body.credentials).to.deep.equal(bound.body.credentials);
    expect((await call('DELETE', `${binding}${query}`)).status).to.equal(200);
    expect((await call('DELETE', `${instance}${query}`)).status).to.equal(200);
    expect((await call('GET', instance)).status).to.equal(404);
    expect(await recordsOf(id)).to.deep.equal([]);
    const leases = await loadKubeconfig(cluster.adminKubeconfig).makeApiClient(CoordinationV1Api).listNamespacedLease({ namespace: PROVIDER });
    expect(leases.items.filter((lease) => lease.metadata?.annotations?.['mesitis/instance-id'] === id)).to.deep.equal([]);
  });
});
