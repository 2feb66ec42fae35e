/**
 * `mesitis serve` with state in Redis, on the test cluster under the chart's
 * RBAC: a restarted broker still knows an instance it rolled out and cleans
 * up fully, and two brokers sharing one Redis create exactly one set of
 * objects for the same provision request sent to both at once.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { loadManifests } from '../../src/adapters/config/manifest-loader.js';
import type { KubernetesApis } from '../../src/adapters/kubernetes/api-clients.js';
import { REPO_ROOT, startBrokerProcess, type BrokerProcess } from '../support/broker-process.js';
import { applyChartRbac, applyObjects, loadKubeconfig } from '../support/chart-rbac.js';
import { helmPrerequisite } from '../support/helm.js';
import { osb } from '../support/osb-client.js';
import { requireOrSkip } from '../support/prerequisites.js';
import { adminApis, podsOf, waitUntil } from '../support/real-cluster.js';
import { redisServerPrerequisite, sharedRedisServer, type RedisServer } from '../support/redis-server.js';
import { sharedTestCluster, testClusterPrerequisite, type TestCluster } from '../support/test-cluster.js';
import { instanceLabelValue } from '../../src/domain/resource-plan.js';

const PROVIDER = 'provider-ns';
const TARGET = 'api-ns';
const AUTH = { username: 'platform', password: `redis-e2e-${randomUUID()}` };
const API_SERVICE = { service: '0e4d7c1a-8b3f-4a52-9c6d-2f1e0a9b8c07', plan: '6c1f5d2e-0b7a-4f3e-9d41-1a2b3c4d5e04' };
// organization_guid and space_guid: OSB 2.17 requires them on provision.
const body = { service_id: API_SERVICE.service, plan_id: API_SERVICE.plan, organization_guid: 'e2e-org', space_guid: 'e2e-space', context: { platform: 'kubernetes', namespace: 'client-ns' } };
const deleteQuery = `service_id=${API_SERVICE.service}&plan_id=${API_SERVICE.plan}`;

describe('mesitis serve with Redis state, on the test cluster', function () {
  this.timeout(120_000);
  let cluster: TestCluster;
  let redis: RedisServer;
  let admin: KubernetesApis;
  const brokers: BrokerProcess[] = [];
  const prefix = `mesitis-e2e-${randomUUID()}:`;

  const startBroker = async () => {
    const broker = await startBrokerProcess([
      'serve', '--kubeconfig', cluster.brokerKubeconfig, '--namespace', PROVIDER,
      '--username', AUTH.username, '--password', AUTH.password, '--redis-url', redis.url, '--redis-prefix', prefix, '--log-level', 'warn',
    ]);
    brokers.push(broker);
    return broker;
  };
  const objectsOf = async (instanceId: string) => {
    const labelSelector = `mesitis/instance=${instanceLabelValue(instanceId)}`;
    const [deployments, services, configMaps] = await Promise.all([
      admin.apps.listNamespacedDeployment({ namespace: TARGET, labelSelector }),
      admin.core.listNamespacedService({ namespace: TARGET, labelSelector }),
      admin.core.listNamespacedConfigMap({ namespace: TARGET, labelSelector }),
    ]);
    return [...deployments.items, ...services.items, ...configMaps.items];
  };

  before(async function () {
    requireOrSkip(this, 'the Redis-mode serve suite', testClusterPrerequisite() ?? helmPrerequisite() ?? redisServerPrerequisite());
    this.timeout(30 * 60_000); // first run on a machine builds the test cluster and helm
    [cluster, redis] = await Promise.all([sharedTestCluster(), sharedRedisServer()]);
    admin = adminApis(cluster.adminKubeconfig);
    await applyChartRbac(cluster.adminKubeconfig, PROVIDER);
    const examples = await loadManifests([`${REPO_ROOT}examples`], PROVIDER);
    await applyObjects(loadKubeconfig(cluster.adminKubeconfig), examples.objects);
  });

  after(async () => {
    await Promise.all(brokers.map((broker) => broker.stop()));
  });

  it('a broker restarted between provision and deprovision still knows the instance and removes everything', async () => {
    const id = randomUUID();
    const lastOperation = (url: string) => osb(url, 'GET', `/v2/service_instances/${id}/last_operation`, { auth: AUTH });
    const first = await startBroker();
    expect((await osb(first.url, 'PUT', `/v2/service_instances/${id}?accepts_incomplete=true`, { auth: AUTH, body })).status).to.equal(202);
    // The real rollout, on a simulated node.
    await waitUntil('provisioned', () => lastOperation(first.url), (r) => r.body?.state === 'succeeded');
    expect(await objectsOf(id)).to.have.length(3);
    const [deployment] = (await admin.apps.listNamespacedDeployment({ namespace: TARGET, labelSelector: `mesitis/instance=${instanceLabelValue(id)}` })).items;
    const podSelector = `app=${deployment!.spec!.selector.matchLabels!['app']}`;
    expect((await podsOf(admin, TARGET, podSelector)).map((pod) => pod.status?.phase)).to.deep.equal(['Running']);
    expect(await first.stop()).to.equal(0);

    const second = await startBroker();
    const fetched = await osb(second.url, 'GET', `/v2/service_instances/${id}`, { auth: AUTH });
    expect(fetched.status).to.equal(200);
    expect(fetched.body.plan_id).to.equal(API_SERVICE.plan);
    expect((await osb(second.url, 'DELETE', `/v2/service_instances/${id}?${deleteQuery}&accepts_incomplete=true`, { auth: AUTH })).status).to.equal(202);
    await waitUntil('deprovisioned', () => lastOperation(second.url), (r) => r.status === 410);
    expect(await objectsOf(id)).to.deep.equal([]);
    // Deprovision finishes only once the Pods are gone (foreground deletion).
    expect(await podsOf(admin, TARGET, podSelector)).to.deep.equal([]);
    expect((await osb(second.url, 'DELETE', `/v2/service_instances/${id}?${deleteQuery}`, { auth: AUTH })).status).to.equal(410);
  });

  it('two brokers sharing Redis, sent the same provision at the same moment, create one set of objects and both answer per spec', async () => {
    const [a, b] = await Promise.all([startBroker(), startBroker()]);
    for (let round = 0; round < 3; round++) {
      const id = randomUUID();
      const answers = await Promise.all([a, b].map((broker) => osb(broker.url, 'PUT', `/v2/service_instances/${id}?accepts_incomplete=true`, { auth: AUTH, body })));
      // One starts the provision (202); the other waits for the lock, then
      // finds the identical instance: still rolling out (202) or, if the
      // real rollout has finished by then, provisioned (200).
      const statuses = answers.map((r) => r.status).sort();
      expect([[200, 202], [202, 202]], JSON.stringify(answers.map((r) => r.body))).to.deep.include(statuses);
      await waitUntil('provisioned', () => osb(b.url, 'GET', `/v2/service_instances/${id}/last_operation`, { auth: AUTH }), (r) => r.body?.state === 'succeeded');
      const objects = await objectsOf(id);
      expect(objects).to.have.length(3);
      expect(new Set(objects.map((o) => o.metadata?.uid)).size).to.equal(3);
      expect((await osb(b.url, 'DELETE', `/v2/service_instances/${id}?${deleteQuery}&accepts_incomplete=true`, { auth: AUTH })).status).to.equal(202);
      await waitUntil('deprovisioned', () => osb(a.url, 'GET', `/v2/service_instances/${id}/last_operation`, { auth: AUTH }), (r) => r.status === 410);
      expect(await objectsOf(id)).to.deep.equal([]);
    }
  });
});
