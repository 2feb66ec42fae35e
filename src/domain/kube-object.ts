/**
 * Kubernetes objects as the domain sees them: plain data with a kind, a name
 * and labels. Any namespaced kind the cluster serves may be created for a
 * consumer; a ref names an object by apiVersion, kind, namespace and name.
 */
import { groupOf } from './built-in-kinds.js';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
  [field: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** What a kind is called across versions: enough to list or look up a resource. */
export interface ObjectType {
  readonly apiVersion: string;
  readonly kind: string;
}

/**
 * The six kinds of the first versions, each with the one API version it was
 * created with: records written then name a ref's kind only, and this fills
 * in its apiVersion.
 */
export const ORIGINAL_KINDS: readonly ObjectType[] = [
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'v1', kind: 'Pod' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'Secret' },
];

export const originalApiVersion = (kind: string): string | undefined => ORIGINAL_KINDS.find((k) => k.kind === kind)?.apiVersion;

/** Enough to find one object again: what the state store remembers per created object. */
export interface ObjectRef extends ObjectType {
  readonly namespace: string;
  readonly name: string;
  /**
   * The uid the API server gave the object when the broker created it (or
   * adopted it): the proof that it is ours. Absent while only planned, or
   * when a crash came between the create and recording its answer.
   */
  readonly uid?: string;
}

export function refOf(object: KubeObject): ObjectRef {
  return { apiVersion: object.apiVersion, kind: object.kind, namespace: object.metadata.namespace ?? '', name: object.metadata.name };
}

/** The ref with the uid the server stored the object under. */
export function ownedRefOf(object: KubeObject): ObjectRef {
  const uid = object.metadata['uid'];
  return { ...refOf(object), ...(typeof uid === 'string' && uid !== '' ? { uid } : {}) };
}

/** `Deployment ns/web`; a kind outside the core and apps groups names its group: `Cluster.postgresql.cnpg.io ns/db`. */
export function describeRef(ref: ObjectRef): string {
  const group = groupOf(ref.apiVersion);
  const kind = group === '' || !group.includes('.') ? ref.kind : `${ref.kind}.${group}`;
  return `${kind} ${ref.namespace}/${ref.name}`;
}

/** The same object: one kind of one group (whatever version it is read at), one namespace, one name. */
export const sameRef = (a: ObjectRef, b: ObjectRef): boolean =>
  a.kind === b.kind && groupOf(a.apiVersion) === groupOf(b.apiVersion) && a.namespace === b.namespace && a.name === b.name;
