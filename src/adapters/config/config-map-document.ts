/**
 * A provider ConfigMap as every configuration source sees it, whatever it was
 * read from (the Kubernetes API, the in-memory cluster, a manifest file).
 */
import type { KubeObject } from '../../domain/kube-object.js';

export interface ConfigMapDocument {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly data: Readonly<Record<string, string>>;
  /**
   * metadata.creationTimestamp in RFC 3339: the oldest of two clashing
   * entries keeps serving. Absent for objects never stored by an API server
   * (manifest files).
   */
  readonly createdAt?: string;
}

/** Marks a ConfigMap as Mesitis configuration; its value says which kind. */
export const KIND_LABEL = 'mesitis/kind';
export const CATALOG_ENTRY_KIND = 'catalog-entry';

/** The data keys holding the payload: `wrapped-resource`, or `embedded-resource` as the first versions wrote. */
export const PAYLOAD_KEYS = ['wrapped-resource', 'embedded-resource'] as const;

/** True for ConfigMaps a ConfigSource must watch: anything carrying the kind label. */
export const isProviderConfigMap = (labels: Readonly<Record<string, string>> | undefined): boolean =>
  labels?.[KIND_LABEL] !== undefined;

const stringsOnly = (value: unknown): Record<string, string> => {
  if (value === null || typeof value !== 'object') return {};
  return Object.fromEntries(Object.entries(value).filter((pair): pair is [string, string] => typeof pair[1] === 'string'));
};

/**
 * The document view of a ConfigMap object. Non-string data values cannot come
 * from the API server; from a hand-written manifest they are dropped here and
 * reported by validateConfig.
 */
export function toConfigMapDocument(object: KubeObject): ConfigMapDocument {
  const createdAt = creationTime(object.metadata['creationTimestamp']);
  return {
    name: object.metadata.name, labels: stringsOnly(object.metadata.labels), data: stringsOnly(object['data']),
    ...(createdAt !== undefined ? { createdAt } : {}),
  };
}

/** client-node hands creationTimestamp over as a Date, the memory cluster and JSON as a string. */
function creationTime(value: unknown): string | undefined {
  const date = value instanceof Date ? value : typeof value === 'string' && value !== '' ? new Date(value) : undefined;
  return date === undefined || Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
