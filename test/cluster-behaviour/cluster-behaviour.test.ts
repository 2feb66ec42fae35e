/**
 * The test cluster behaves like a cluster (issue 10): what the other suites
 * now rely on instead of writing statuses themselves, proved through the
 * cluster's own API. Controllers act in the background, so every check
 * polls with a bound rather than timing anything.
 */
import { AuthenticationV1Api, DiscoveryV1Api, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { KubernetesApis } from '../../src/adapters/kubernetes/api-clients.js';
import {
  adminApis,
  deleteNamespace,
  freshNamespace,
  kubeConfigFrom,
  podsOf,
  requireTestClusterOrSkip,
  waitForRollout,
  waitUntil,
  waitUntilGone,
} from '../support/real-cluster.js';
import { READY_AFTER_ANNOTATION, sharedTestCluster, startTestCluster, type TestCluster } from '../support/test-cluster.js';

const deployment = (namespace: string, name: string, replicas: number): V1Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    // No container runs here: kwok plays the kubelet, so the image is never pulled.
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'registry.example.com/web:1.0.0', ports: [{ containerPort: 8080 }] }] } },
  },
});

const condition = (pod: V1Pod, type: string) => pod.status?.conditions?.find((c) => c.type === type)?.status;
const runningAndReady = (pod: V1Pod) => pod.status?.phase === 'Running' && condition(pod, 'Ready') === 'True';

describe('the test cluster behaves like a cluster', function () {
  this.timeout(120_000);
  let cluster: TestCluster;
  let admin: KubernetesApis;
  let namespace: string;

  before(async function () {
    requireTestClusterOrSkip(this, 'the cluster behaviour suite');
    this.timeout(30 * 60_000); // the first run on a machine builds the cluster
    cluster = await sharedTestCluster();
    admin = adminApis(cluster.adminKubeconfig);
  });

  beforeEach(async () => {
    namespace = await freshNamespace(admin, 'behaviour');
  });

  afterEach(async () => {
    await deleteNamespace(admin, namespace);
  });

  it('rolls a 2-replica Deployment out: Available, its Pods Running and Ready on a simulated node, with their ServiceAccount', async () => {
    await admin.apps.createNamespacedDeployment({ namespace, body: deployment(namespace, 'web', 2) });

    const rolledOut = await waitForRollout(admin, namespace, 'web', 30_000);
    expect(rolledOut.status?.conditions?.find((c) => c.type === 'Available')?.status).to.equal('True');
    expect(rolledOut.status?.readyReplicas).to.equal(2);

    const pods = await podsOf(admin, namespace, 'app=web');
    expect(pods).to.have.length(2);
    for (const pod of pods) {
      expect(runningAndReady(pod), `${pod.metadata?.name}: ${JSON.stringify(pod.status)}`).to.equal(true);
      expect(cluster.nodes).to.include(pod.spec?.nodeName); // bound by the scheduler
      expect(pod.status?.podIP).to.be.a('string').and.not.equal('');
      // The ServiceAccount admission plugin is on: the Pod runs as the
      // namespace's default account, whose token is projected into it.
      expect(pod.spec?.serviceAccountName).to.equal('default');
      expect(pod.spec?.volumes?.map((v) => v.name)).to.satisfy((names: string[]) => names.some((n) => n.startsWith('kube-api-access-')));
    }
    const node = await admin.core.readNode({ name: pods[0]!.spec!.nodeName! });
    expect(node.metadata?.annotations?.['kwok.x-k8s.io/node']).to.equal('fake');
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).to.equal('True');
  });

  it(`holds a Pod back for the duration in its ${READY_AFTER_ANNOTATION} annotation, so a rollout can be seen in progress`, async () => {
    const slow = deployment(namespace, 'slow', 1);
    slow.spec!.template.metadata!.annotations = { [READY_AFTER_ANNOTATION]: '3s' };
    await admin.apps.createNamespacedDeployment({ namespace, body: slow });

    await waitForRollout(admin, namespace, 'slow', 30_000);
    const [pod] = await podsOf(admin, namespace, 'app=slow');
    const readySince = pod?.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True')?.lastTransitionTime;
    // Timestamps have whole seconds: 3 s of delay shows as at least 2.
    const heldMs = new Date(readySince!).getTime() - new Date(pod!.metadata!.creationTimestamp!).getTime();
    expect(heldMs).to.be.at.least(2_000);
  });

  it('garbage-collects the ReplicaSets and Pods of a deleted Deployment', async () => {
    await admin.apps.createNamespacedDeployment({ namespace, body: deployment(namespace, 'web', 2) });
    await waitForRollout(admin, namespace, 'web', 30_000);
    const listReplicaSets = async () => (await admin.apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=web' })).items;
    expect(await listReplicaSets()).to.have.length(1);
    expect(await podsOf(admin, namespace, 'app=web')).to.have.length(2);

    await admin.apps.deleteNamespacedDeployment({ namespace, name: 'web' });

    await waitUntil('the ReplicaSets to be collected', listReplicaSets, (items) => items.length === 0);
    await waitUntil('the Pods to be gone', () => podsOf(admin, namespace, 'app=web'), (items) => items.length === 0);
  });

  it('finishes deleting a namespace, and what was in it', async () => {
    const doomed = await freshNamespace(admin, 'behaviour-doomed');
    await admin.apps.createNamespacedDeployment({ namespace: doomed, body: deployment(doomed, 'web', 1) });
    await admin.core.createNamespacedConfigMap({ namespace: doomed, body: { metadata: { name: 'settings' }, data: { a: '1' } } });
    await waitForRollout(admin, doomed, 'web', 30_000);

    await admin.core.deleteNamespace({ name: doomed });

    await waitUntilGone(`namespace ${doomed}`, () => admin.core.readNamespace({ name: doomed }));
    // Gone from etcd too, not merely hidden behind a missing namespace.
    expect((await admin.core.listPodForAllNamespaces({ fieldSelector: `metadata.namespace=${doomed}` })).items).to.deep.equal([]);
  });

  it('publishes EndpointSlices for a Service, with the ready Pods as endpoints', async () => {
    await admin.apps.createNamespacedDeployment({ namespace, body: deployment(namespace, 'web', 2) });
    await admin.core.createNamespacedService({
      namespace,
      body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
    });
    await waitForRollout(admin, namespace, 'web', 30_000);
    const discovery = kubeConfigFrom(cluster.adminKubeconfig).makeApiClient(DiscoveryV1Api);
    const readyAddresses = (slices: Awaited<ReturnType<typeof discovery.listNamespacedEndpointSlice>>) =>
      slices.items.flatMap((slice) => (slice.endpoints ?? []).filter((e) => e.conditions?.ready === true).flatMap((e) => e.addresses)).sort();

    const slices = await waitUntil(
      'EndpointSlices with both Pods ready',
      () => discovery.listNamespacedEndpointSlice({ namespace, labelSelector: 'kubernetes.io/service-name=web' }),
      (list) => readyAddresses(list).length === 2,
    );

    const podIps = (await podsOf(admin, namespace, 'app=web')).map((pod) => pod.status?.podIP).sort();
    expect(readyAddresses(slices)).to.deep.equal(podIps);
    expect(slices.items[0]?.ports?.map((p) => [p.name, p.port])).to.deep.equal([['http', 8080]]);
  });

  it('reports a rollout that cannot progress as failed (ProgressDeadlineExceeded), with no status written by a test', async () => {
    const stuck = deployment(namespace, 'stuck', 1);
    stuck.spec!.progressDeadlineSeconds = 2;
    // No Node has this label: the Pod stays Pending, unschedulable.
    stuck.spec!.template.spec!.nodeSelector = { 'mesitis.test/no-such-node': 'true' };
    await admin.apps.createNamespacedDeployment({ namespace, body: stuck });

    const failed = await waitUntil(
      'the Deployment controller to give up on the rollout',
      () => admin.apps.readNamespacedDeployment({ namespace, name: 'stuck' }),
      (d) => d.status?.conditions?.some((c) => c.type === 'Progressing' && c.status === 'False') === true,
    );
    expect(failed.status?.conditions?.find((c) => c.type === 'Progressing')?.reason).to.equal('ProgressDeadlineExceeded');
    const [pod] = await podsOf(admin, namespace, 'app=stuck');
    expect([pod?.status?.phase, pod?.status?.conditions?.find((c) => c.type === 'PodScheduled')?.reason]).to.deep.equal(['Pending', 'Unschedulable']);
  });

  it('fills a ServiceAccount token Secret, and the token authenticates as the account', async () => {
    await admin.core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'default-token', annotations: { 'kubernetes.io/service-account.name': 'default' } }, type: 'kubernetes.io/service-account-token' },
    });
    const secret = await waitUntil(
      'the token controller to fill the Secret',
      () => admin.core.readNamespacedSecret({ namespace, name: 'default-token' }),
      (s) => s.data?.['token'] !== undefined,
    );
    const token = Buffer.from(secret.data!['token']!, 'base64').toString('utf8');
    const asAccount = kubeConfigFrom(cluster.adminKubeconfig);
    asAccount.loadFromOptions({
      clusters: asAccount.getClusters(),
      users: [{ name: 'default', token }],
      contexts: [{ name: 'default', cluster: asAccount.getCurrentCluster()!.name, user: 'default' }],
      currentContext: 'default',
    });
    const review = await asAccount.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    expect(review.status?.userInfo?.username).to.equal(`system:serviceaccount:${namespace}:default`);
  });

  describe('bare, for a test that must see objects exactly as written', function () {
    let bare: TestCluster;
    let bareAdmin: KubernetesApis;

    before(async function () {
      this.timeout(5 * 60_000);
      bare = await startTestCluster({ bare: true });
      bareAdmin = adminApis(bare.adminKubeconfig);
    });

    after(async () => {
      await bare?.stop();
    });

    it('has no Nodes and admits a Pod in a namespace no ServiceAccount controller has visited', async () => {
      expect(bare.nodes).to.deep.equal([]);
      expect((await bareAdmin.core.listNode()).items).to.deep.equal([]);
      const ns = await freshNamespace(bareAdmin, 'bare', { bare: true });
      // No ServiceAccount controller: the namespace has no 'default' account,
      // and the admission plugin that would insist on one is off.
      expect((await bareAdmin.core.listNamespacedServiceAccount({ namespace: ns })).items).to.deep.equal([]);
      const pod = await bareAdmin.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'example/c:1' }] } } });
      expect(pod.spec?.volumes ?? []).to.deep.equal([]);
    });
  });
});
