/**
 * Kubernetes objects as the domain sees them: plain data with a kind, a name
 * and labels. The six kinds Mesitis may create for a consumer are listed here.
 */
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

export const SUPPORTED_KINDS = ['Deployment', 'ReplicaSet', 'Service', 'Pod', 'ConfigMap', 'Secret'] as const;
export type SupportedKind = (typeof SUPPORTED_KINDS)[number];

/** The API version Mesitis creates each kind with. */
export const API_VERSION: Readonly<Record<SupportedKind, string>> = {
  Deployment: 'apps/v1',
  ReplicaSet: 'apps/v1',
  Service: 'v1',
  Pod: 'v1',
  ConfigMap: 'v1',
  Secret: 'v1',
};

/** Enough to find one object again: what the state store remembers per created object. */
export interface ObjectRef {
  readonly kind: SupportedKind;
  readonly namespace: string;
  readonly name: string;
  /**
   * The uid the API server gave the object when the broker created it (or
   * adopted it): the proof that it is ours. Absent while only planned, or
   * when a crash came between the create and recording its answer.
   */
  readonly uid?: string;
}

export const isSupportedKind = (kind: string): kind is SupportedKind =>
  (SUPPORTED_KINDS as readonly string[]).includes(kind);

export function refOf(object: KubeObject): ObjectRef {
  if (!isSupportedKind(object.kind)) throw new Error(`bug: refOf unsupported kind ${object.kind}`);
  return { kind: object.kind, namespace: object.metadata.namespace ?? '', name: object.metadata.name };
}

/** The ref with the uid the server stored the object under. */
export function ownedRefOf(object: KubeObject): ObjectRef {
  const uid = object.metadata['uid'];
  return { ...refOf(object), ...(typeof uid === 'string' && uid !== '' ? { uid } : {}) };
}

export const describeRef = (ref: ObjectRef): string => `${ref.kind} ${ref.namespace}/${ref.name}`;

export const sameRef = (a: ObjectRef, b: ObjectRef): boolean =>
  a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;
