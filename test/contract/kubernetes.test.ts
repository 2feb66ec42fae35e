/**
 * The port contracts, run against the Kubernetes adapters on the test
 * cluster (test/cluster: real controllers and simulated nodes): a fresh
 * namespace per test, deleted after.
 * The adapters run as the cluster admin here; least privilege is the e2e
 * suite's business (test/e2e/serve.test.ts).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthenticationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { brokerKubeConfig } from '../../src/adapters/kubernetes/kube-config.js';
import { EVENT_REASON, KubernetesEventReporter } from '../../src/adapters/kubernetes/kubernetes-event-reporter.js';
import { CatalogService } from '../../src/application/catalog-service.js';
import { describeProblem } from '../../src/domain/catalog-entry.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import type { ConfigMapDocument } from '../../src/adapters/config/config-map-document.js';
import type { KubernetesApis } from '../../src/adapters/kubernetes/api-clients.js';
import { kubernetesApis } from '../../src/adapters/kubernetes/api-clients.js';
import { KubernetesClusterApi } from '../../src/adapters/kubernetes/kubernetes-cluster-api.js';
import { informerConfigSource } from '../../src/adapters/kubernetes/kubernetes-config-source.js';
import { KubernetesSecretSource } from '../../src/adapters/kubernetes/kubernetes-secret-source.js';
import { adminApis, deleteNamespace, freshNamespace, kubeConfigFrom, requireTestClusterOrSkip, silentLogger, waitForStatus, withServer } from '../support/real-cluster.js';
import { defineCrd, deleteCrd } from '../support/custom-resources.js';
import { sharedTestCluster } from '../support/test-cluster.js';
import { describeClusterApi } from './cluster-api.contract.js';
import { describeConfigSource, entryDoc, eventually } from './config-source.contract.js';
import { describeSecretSource, type SecretSpec } from './secret-source.contract.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Creates or replaces a ConfigMap, as `kubectl apply` would. */
export async function putConfigMap(admin: KubernetesApis, namespace: string, doc: ConfigMapDocument): Promise<void> {
  const body = { metadata: { name: doc.name, namespace, labels: { ...doc.labels } }, data: { ...doc.data } };
  try {
    await admin.core.createNamespacedConfigMap({ namespace, body });
  } catch (error) {
    if ((error as { code?: number }).code !== 409) throw error;
    await admin.core.replaceNamespacedConfigMap({ namespace, name: doc.name, body });
  }
}

const putSecret = (admin: KubernetesApis, namespace: string, secret: SecretSpec) =>
  admin.core.createNamespacedSecret({
    namespace,
    body: { metadata: { name: secret.name, namespace }, ...(secret.data ? { data: secret.data } : {}), ...(secret.stringData ? { stringData: secret.stringData } : {}) },
  });

describe('Kubernetes adapters on a real kube-apiserver', function () {
  let admin: KubernetesApis;
  let adminConfig: KubeConfig;

  before(async function () {
    requireTestClusterOrSkip(this, 'the Kubernetes adapter contracts');
    this.timeout(20 * 60_000); // the first run on a machine builds kube-apiserver
    const cluster = await sharedTestCluster();
    adminConfig = kubeConfigFrom(cluster.adminKubeconfig);
    admin = adminApis(cluster.adminKubeconfig);
  });

  /** Two fresh namespaces per test, both deleted after it. */
  async function namespaces(): Promise<{ namespace: string; otherNamespace: string; cleanup: () => Promise<void> }> {
    const [namespace, otherNamespace] = await Promise.all([freshNamespace(admin, 'contract'), freshNamespace(admin, 'contract-other')]);
    return { namespace, otherNamespace, cleanup: async () => void (await Promise.all([deleteNamespace(admin, namespace), deleteNamespace(admin, otherNamespace)])) };
  }

  describeClusterApi('KubernetesClusterApi', async () => {
    const spaces = await namespaces();
    const crds: string[] = [];
    return {
      ...spaces,
      api: new KubernetesClusterApi(kubernetesApis(adminConfig), silentLogger()),
      // The cluster's own controllers write the status: wait until they
      // report what the contract expects, rather than writing it for them.
      setStatus: (ref, status) => waitForStatus(admin, ref, status),
      defineCustomKind: async (crd) => {
        crds.push(crd.metadata.name);
        await defineCrd(adminConfig, admin, crd);
      },
      cleanup: async () => {
        await Promise.all([spaces.cleanup(), ...crds.map((name) => deleteCrd(admin, name))]);
      },
    };
  });

  describeConfigSource('KubernetesConfigSource', async () => {
    const { namespace, otherNamespace, cleanup } = await namespaces();
    return {
      source: informerConfigSource(adminConfig, kubernetesApis(adminConfig).core, namespace, silentLogger()),
      putConfigMap: (doc) => putConfigMap(admin, namespace, doc),
      deleteConfigMap: async (name) => void (await admin.core.deleteNamespacedConfigMap({ namespace, name })),
      putForeignConfigMap: (doc) => putConfigMap(admin, otherNamespace, doc),
      settleMs: 5_000,
      cleanup,
    };
  });

  describe('beyond the contracts', function () {
    this.timeout(60_000);
    let namespace: string;

    beforeEach(async () => {
      namespace = await freshNamespace(admin, 'beyond');
    });

    afterEach(async () => {
      await deleteNamespace(admin, namespace);
    });

    it('serves the configuration from memory: no API request per read, a change seen within a second', async () => {
      await putConfigMap(admin, namespace, entryDoc('alpha'));
      const requests: string[] = [];
      const apis = kubernetesApis(adminConfig, { onRequest: (method, path) => requests.push(`${method} ${path}`) });
      const source = informerConfigSource(adminConfig, apis.core, namespace, silentLogger());
      try {
        await source.start();
        expect(requests).to.deep.equal([`GET /api/v1/namespaces/${namespace}/configmaps`]);
        const catalog = new CatalogService(source, silentLogger(), { report: async () => {} });
        for (let i = 0; i < 1000; i++) expect(catalog.catalog().offerings).to.have.length(1);
        expect(requests).to.have.length(1);

        const changed = Date.now();
        await putConfigMap(admin, namespace, entryDoc('alpha', { description: 'changed' }));
        await eventually(() => expect(catalog.catalog().offerings[0]?.description).to.equal('changed'), 5_000);
        const latencyMs = Date.now() - changed;
        console.log(`      (ConfigMap change visible in the catalog after ${latencyMs} ms; ${requests.length - 1} API requests for 1000 catalog reads and a change)`);
        expect(requests).to.have.length(1);
        expect(latencyMs).to.be.lessThan(1_000);
      } finally {
        await source.stop();
      }
    });

    it('keeps serving through a dropped watch, then catches up by re-listing', async () => {
      await putConfigMap(admin, namespace, entryDoc('alpha'));
      await putConfigMap(admin, namespace, entryDoc('beta'));
      const proxy = await startTcpProxy('127.0.0.1', Number(new URL(adminConfig.getCurrentCluster()!.server).port));
      const viaProxy = withServer(adminConfig, `https://127.0.0.1:${proxy.port}`);
      const source = informerConfigSource(viaProxy, kubernetesApis(viaProxy).core, namespace, silentLogger(), { initialRetryMs: 50, maxRetryMs: 200 });
      const entries = () => source.current().entries.map((e) => e.source).sort();
      const seen = new Set<string>();
      let sampler: NodeJS.Timeout | undefined;
      try {
        await source.start();
        sampler = setInterval(() => seen.add(entries().join(',')), 5);
        await proxy.cut();
        await eventually(() => expect(source.synced()).to.equal(false), 5_000);
        await admin.core.deleteNamespacedConfigMap({ namespace, name: 'alpha' });
        await putConfigMap(admin, namespace, entryDoc('gamma'));
        await new Promise((resolve) => setTimeout(resolve, 500)); // a few failed reconnects
        expect(entries()).to.deep.equal(['alpha', 'beta']);
        await proxy.restore();
        await eventually(() => expect(source.synced()).to.equal(true), 5_000);
        expect(entries()).to.deep.equal(['beta', 'gamma']);
        // It went from the old set to the new one in one step: never empty, never a mix.
        expect([...seen].sort()).to.deep.equal(['alpha,beta', 'beta,gamma']);
        await putConfigMap(admin, namespace, entryDoc('delta'));
        await eventually(() => expect(entries()).to.deep.equal(['beta', 'delta', 'gamma']), 5_000);
      } finally {
        clearInterval(sampler);
        await source.stop();
        await proxy.close();
      }
    });

    it('runs in a pod from the service account token and CA files alone', async () => {
      const cluster = await sharedTestCluster();
      const broker = kubeConfigFrom(cluster.brokerKubeconfig);
      const dir = await mkdtemp(join(tmpdir(), 'mesitis-serviceaccount-'));
      try {
        await writeFile(join(dir, 'token'), broker.getCurrentUser()!.token!);
        await writeFile(join(dir, 'ca.crt'), Buffer.from(broker.getCurrentCluster()!.caData!, 'base64'));
        const { hostname, port } = new URL(cluster.server);
        const outcome = brokerKubeConfig(undefined, { HOME: dir, KUBERNETES_SERVICE_HOST: hostname, KUBERNETES_SERVICE_PORT: port }, dir);
        if (!outcome.ok) throw new Error(outcome.problem);
        const review = await outcome.value.config.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
        expect(review.status?.userInfo?.username).to.equal(`system:serviceaccount:${cluster.brokerNamespace}:${cluster.brokerServiceAccount}`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('puts one Event per problem on the refused ConfigMap, where kubectl describe finds it', async () => {
      await putConfigMap(admin, namespace, { name: 'broken', labels: { 'mesitis/kind': 'catalog-entry', 'mesitis/enabled': 'true' }, data: { 'wrapped-resource': '{ "team": ' } });
      const source = informerConfigSource(adminConfig, admin.core, namespace, silentLogger());
      await source.start();
      try {
        const reporter = new KubernetesEventReporter(admin.core, namespace, silentLogger(), { uidOf: (name) => source.uidOf(name) });
        const catalog = new CatalogService(source, silentLogger(), reporter);
        const { problems } = catalog.catalog();
        expect(problems.map((p) => p.source)).to.deep.equal(['broken']);
        // catalog() has started a report already; these repeats must not add Events.
        await reporter.report(problems);
        await reporter.report(problems);
        const uid = source.uidOf('broken');
        const fieldSelector = `involvedObject.kind=ConfigMap,involvedObject.name=broken,involvedObject.namespace=${namespace},involvedObject.uid=${uid}`;
        const listed = async () => (await admin.core.listNamespacedEvent({ namespace, fieldSelector })).items.map((e) => [e.reason, e.type, e.message]);
        let events = await listed();
        for (let i = 0; i < 50 && events.length === 0; i++) events = (await sleep(100), await listed());
        await sleep(300);
        expect(await listed()).to.deep.equal([[EVENT_REASON, 'Warning', describeProblem(problems[0]!)]]);
      } finally {
        await source.stop();
      }
    });
  });

  describeSecretSource('KubernetesSecretSource', async () => {
    const { namespace, otherNamespace, cleanup } = await namespaces();
    return {
      source: new KubernetesSecretSource(kubernetesApis(adminConfig).core, namespace, silentLogger()),
      putSecret: async (secret) => void (await putSecret(admin, namespace, secret)),
      putForeignSecret: async (secret) => void (await putSecret(admin, otherNamespace, secret)),
      foreignNamespace: otherNamespace,
      cleanup,
    };
  });
});
