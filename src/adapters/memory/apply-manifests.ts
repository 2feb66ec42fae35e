/**
 * `kubectl apply` for the in-memory cluster: what `mesitis dev` does with the
 * manifests it is given (examples/ by default).
 */
import type { KubeObject } from '../../domain/kube-object.js';
import { keyOf, type MemoryCluster, type ObjectKey } from './memory-cluster.js';

const isCrd = (object: KubeObject): boolean => object.kind === 'CustomResourceDefinition' && object.apiVersion === 'apiextensions.k8s.io/v1';
const describeKey = (key: ObjectKey): string => `${key.kind} "${key.name}"`;

export interface ApplyOutcome {
  readonly applied: readonly ObjectKey[];
  /** Objects the cluster refused, with its reason. */
  readonly refused: readonly { readonly key: ObjectKey; readonly message: string }[];
}

/**
 * Creates or replaces each object in order, creating namespaces as needed
 * (Namespace objects included). A CustomResourceDefinition makes the cluster
 * serve its kinds; CRDs are applied first, so their custom resources may come
 * in any order.
 */
export function applyManifests(cluster: MemoryCluster, objects: readonly KubeObject[]): ApplyOutcome {
  const applied: ObjectKey[] = [];
  const refused: { key: ObjectKey; message: string }[] = [];
  const crdsFirst = [...objects].sort((a, b) => Number(isCrd(b)) - Number(isCrd(a)));
  for (const object of crdsFirst) {
    const key = keyOf(object);
    if (isCrd(object)) {
      const problem = cluster.kinds.define(object);
      if (problem === undefined) applied.push(key);
      else refused.push({ key, message: `${describeKey(key)} is invalid: ${problem}` });
      continue;
    }
    const namespace = object.kind === 'Namespace' ? object.metadata.name : key.namespace;
    const ready = cluster.ensureNamespace(namespace);
    if (!ready.ok) {
      refused.push({ key, message: ready.error.message });
      continue;
    }
    if (object.kind === 'Namespace') {
      applied.push(key);
      continue;
    }
    // Apply wins over whatever is stored, as `kubectl apply` does for fields it manages.
    const { resourceVersion: _ignored, ...metadata } = object.metadata;
    const unversioned = { ...object, metadata };
    const written = cluster.get(key) === undefined ? cluster.create(unversioned) : cluster.replace(unversioned);
    if (written.ok) applied.push(key);
    else refused.push({ key, message: written.error.message });
  }
  return { applied, refused };
}
