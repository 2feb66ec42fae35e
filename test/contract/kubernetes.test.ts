/**
 * The port contracts, run against the Kubernetes adapters on a real
 * kube-apiserver (test/cluster): a fresh namespace per test, deleted after.
 * The adapters run as the cluster admin here; least privilege is the e2e
 * suite's business (test/e2e/serve.test.ts).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { ConfigMapDocument } from '../../src/adapters/config/config-map-document.js';
import type { KubernetesApis } from '../../src/adapters/kubernetes/api-clients.js';
import { kubernetesApis } from '../../src/adapters/kubernetes/api-clients.js';
import { KubernetesClusterApi } from '../../src/adapters/kubernetes/kubernetes-cluster-api.js';
import { informerConfigSource } from '../../src/adapters/kubernetes/kubernetes-config-source.js';
import { KubernetesSecretSource } from '../../src/adapters/kubernetes/kubernetes-secret-source.js';
import { adminApis, deleteNamespace, freshNamespace, kubeConfigFrom, requireTestClusterOrSkip, setStatusAsController, silentLogger } from '../support/real-cluster.js';
import { sharedTestCluster } from '../support/test-cluster.js';
import { describeClusterApi } from './cluster-api.contract.js';
import { describeConfigSource } from './config-source.contract.js';
import { describeSecretSource, type SecretSpec } from './secret-source.contract.js';

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
    return {
      ...spaces,
      api: new KubernetesClusterApi(kubernetesApis(adminConfig), silentLogger()),
      setStatus: (ref, status) => setStatusAsController(admin, ref, status),
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

  describeSecretSource('KubernetesSecretSource', async () => {
    const { namespace, otherNamespace, cleanup } = await namespaces();
    return {
      source: new KubernetesSecretSource(kubernetesApis(adminConfig).core, namespace, silentLogger()),
      putSecret: async (secret) => void (await putSecret(admin, namespace, secret)),
      putForeignSecret: async (secret) => void (await putSecret(admin, otherNamespace, secret)),
      cleanup,
    };
  });
});
