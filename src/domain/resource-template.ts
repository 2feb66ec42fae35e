/**
 * Resource templates: the provider's ConfigMaps holding one Kubernetes object
 * each, picked by a catalog entry's label selector, filtered and ordered.
 */
import type { ConfigProblem } from './catalog-entry.js';
import { domainError, type DomainError } from './errors.js';
import type { KubeObject } from './kube-object.js';
import { matchesSelector, type LabelSelector } from './label-selector.js';
import { err, ok, type Result } from './result.js';

export const ENABLED_LABEL = 'mesitis/enabled';
export const ORDER_LABEL = 'mesitis/order';

export interface ResourceTemplate {
  /** Name of the ConfigMap holding the object. */
  readonly source: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The parsed object, or the reason it could not be read. */
  readonly object: KubeObject | ConfigProblem;
}

export const isProblem = (object: KubeObject | ConfigProblem): object is ConfigProblem => 'message' in object && !('kind' in object);

const orderOf = (template: ResourceTemplate): number => {
  const text = template.labels[ORDER_LABEL];
  return text !== undefined && /^-?\d+$/.test(text.trim()) ? Number(text) : Number.POSITIVE_INFINITY;
};

/** Enabled templates matching the selector, by numeric order (missing last), ties by name. */
export function selectTemplates(templates: readonly ResourceTemplate[], selector: LabelSelector): ResourceTemplate[] {
  return templates
    .filter((t) => t.labels[ENABLED_LABEL] === 'true' && matchesSelector(t.labels, selector))
    .sort((a, b) => orderOf(a) - orderOf(b) || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
}

const LEGACY_API_VERSIONS = ['extensions/v1beta1', 'apps/v1beta1', 'apps/v1beta2'];
/** The workloads those versions served, each of which apps/v1 serves with the same schema bar the required selector. */
const LEGACY_WORKLOADS = ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet'];

/** Upgrades legacy workload API versions to apps/v1, deriving the selector apps/v1 requires. */
function upgradeLegacy(object: KubeObject): Result<KubeObject, string> {
  if (!LEGACY_API_VERSIONS.includes(object.apiVersion)) return ok(object);
  if (!LEGACY_WORKLOADS.includes(object.kind)) {
    return err(`${object.apiVersion} ${object.kind} is no longer served by Kubernetes: write it for a current API version`);
  }
  const spec = (object['spec'] ?? {}) as Record<string, unknown>;
  if (spec['selector'] !== undefined) return ok({ ...object, apiVersion: 'apps/v1' });
  const template = spec['template'] as { metadata?: { labels?: Record<string, string> } } | undefined;
  const labels = template?.metadata?.labels;
  if (!labels || Object.keys(labels).length === 0) {
    return err(`${object.apiVersion} ${object.kind} has no spec.selector and no pod template labels to derive one from`);
  }
  return ok({ ...object, apiVersion: 'apps/v1', spec: { ...spec, selector: { matchLabels: { ...labels } } } });
}

/** Fields the API server sets: a template copied from `kubectl get -o yaml` carries them, and a create must not. */
const SERVER_METADATA = ['resourceVersion', 'uid', 'creationTimestamp', 'generation', 'managedFields', 'selfLink', 'deletionTimestamp'];

function withoutServerFields(object: KubeObject): KubeObject {
  const { status: _status, ...rest } = object;
  const metadata = Object.fromEntries(Object.entries(object.metadata).filter(([key]) => !SERVER_METADATA.includes(key)));
  return { ...rest, metadata: metadata as KubeObject['metadata'] };
}

/**
 * Checks one template's object is something Mesitis may create, in the form
 * it will create it. Whether the cluster serves its kind, and namespaced, is
 * discovery's call (the catalog asks a KindResolver).
 */
export function normaliseTemplate(template: ResourceTemplate): Result<KubeObject, DomainError> {
  const object = template.object;
  const fail = (message: string) => err(domainError('ConfigInvalid', `resource ConfigMap ${template.source}: ${message}`));
  if (isProblem(object)) return fail(`${object.field ? `${object.field}: ` : ''}${object.message}`);
  if (typeof object.metadata?.name !== 'string' || object.metadata.name === '') return fail('metadata.name is required');
  const upgraded = upgradeLegacy(withoutServerFields(object));
  if (!upgraded.ok) return fail(upgraded.error);
  return ok(upgraded.value);
}
