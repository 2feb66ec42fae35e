/** The port contracts, run against the in-memory cluster's adapters. */
import type { ConfigMapDocument } from '../../src/adapters/config/config-map-document.js';
import { applyManifests } from '../../src/adapters/memory/apply-manifests.js';
import { MemoryCluster } from '../../src/adapters/memory/memory-cluster.js';
import { MemoryClusterApi } from '../../src/adapters/memory/memory-cluster-api.js';
import { MemoryConfigSource } from '../../src/adapters/memory/memory-config-source.js';
import { MemorySecretSource } from '../../src/adapters/memory/memory-secret-source.js';
import type { KubeObject } from '../../src/domain/kube-object.js';
import { describeClusterApi } from './cluster-api.contract.js';
import { describeConfigSource } from './config-source.contract.js';
import { describeSecretSource, type SecretSpec } from './secret-source.contract.js';

const NAMESPACE = 'contract-ns';
const OTHER_NAMESPACE = 'contract-other-ns';

/** A cluster with the two namespaces every fixture uses; a fresh one per test is the throwaway namespace. */
function freshCluster(): MemoryCluster {
  const cluster = new MemoryCluster();
  cluster.createNamespace(NAMESPACE);
  cluster.createNamespace(OTHER_NAMESPACE);
  return cluster;
}

function orThrow<T>(result: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

const configMapOf = (doc: ConfigMapDocument, namespace: string): KubeObject => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: doc.name, namespace, labels: { ...doc.labels } }, data: { ...doc.data },
});

function put(cluster: MemoryCluster, object: KubeObject): void {
  const key = { kind: object.kind, namespace: object.metadata.namespace ?? '', name: object.metadata.name };
  orThrow(cluster.get(key) === undefined ? cluster.create(object) : cluster.replace(object));
}

const secretOf = (secret: SecretSpec, namespace: string): KubeObject => ({
  apiVersion: 'v1', kind: 'Secret', metadata: { name: secret.name, namespace },
  ...(secret.data ? { data: secret.data } : {}), ...(secret.stringData ? { stringData: secret.stringData } : {}),
});

describeClusterApi('MemoryClusterApi', async () => {
  const cluster = freshCluster();
  return {
    api: new MemoryClusterApi(cluster),
    namespace: NAMESPACE,
    otherNamespace: OTHER_NAMESPACE,
    setStatus: async (ref, status) => void orThrow(cluster.setStatus(ref, status)),
    // As `mesitis dev` does with a CRD among its manifests.
    defineCustomKind: async (crd) => {
      const { refused } = applyManifests(cluster, [crd]);
      if (refused.length > 0) throw new Error(refused.map((r) => r.message).join('; '));
    },
    cleanup: async () => {},
  };
});

describeConfigSource('MemoryConfigSource', async () => {
  const cluster = freshCluster();
  return {
    source: new MemoryConfigSource(cluster, NAMESPACE),
    putConfigMap: async (doc) => put(cluster, configMapOf(doc, NAMESPACE)),
    deleteConfigMap: async (name) => void orThrow(cluster.delete({ kind: 'ConfigMap', namespace: NAMESPACE, name })),
    putForeignConfigMap: async (doc) => put(cluster, configMapOf(doc, OTHER_NAMESPACE)),
    settleMs: 100,
    cleanup: async () => {},
  };
});

describeSecretSource('MemorySecretSource', async () => {
  const cluster = freshCluster();
  return {
    source: new MemorySecretSource(cluster, NAMESPACE),
    putSecret: async (secret) => put(cluster, secretOf(secret, NAMESPACE)),
    putForeignSecret: async (secret) => put(cluster, secretOf(secret, OTHER_NAMESPACE)),
    foreignNamespace: OTHER_NAMESPACE,
    cleanup: async () => {},
  };
});
