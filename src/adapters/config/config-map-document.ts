/**
 * A provider ConfigMap as every configuration source sees it, whatever it was
 * read from (the Kubernetes API, the in-memory cluster, a manifest file).
 */
import type { KubeObject } from '../../domain/kube-object.js';

export interface ConfigMapDocument {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly data: Readonly<Record<string, string>>;
  /** binaryData, decoded from base64: where a packaged Helm chart is kept. Absent when there is none. */
  readonly binaryData?: Readonly<Record<string, Uint8Array>>;
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
/** A ConfigMap holding packaged Helm charts (`.tgz`) in its binaryData, for entries to name. */
export const HELM_CHART_KIND = 'helm-chart';

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
  const binaryData = bytesOnly(object['binaryData']);
  return {
    name: object.metadata.name, labels: stringsOnly(object.metadata.labels), data: stringsOnly(object['data']),
    ...(binaryData !== undefined ? { binaryData } : {}),
    ...(createdAt !== undefined ? { createdAt } : {}),
  };
}

/** binaryData as the API server, client-node and manifests write it (base64 text), or bytes already. */
function bytesOnly(value: unknown): Record<string, Uint8Array> | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const entries = Object.entries(value).flatMap(([key, item]): [string, Uint8Array][] => {
    if (typeof item === 'string') return [[key, new Uint8Array(Buffer.from(item, 'base64'))]];
    return item instanceof Uint8Array ? [[key, item]] : [];
  });
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

/** client-node hands creationTimestamp over as a Date, the memory cluster and JSON as a string. */
function creationTime(value: unknown): string | undefined {
  const date = value instanceof Date ? value : typeof value === 'string' && value !== '' ? new Date(value) : undefined;
  return date === undefined || Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
