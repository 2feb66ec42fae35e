/**
 * What the chart must grant, written out independently of the chart, and
 * small lookups over rendered objects shared by the deploy tests.
 */
import type { KubernetesManifest } from '../support/helm.js';

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

const READ_CONFIGURATION: readonly PolicyRule[] = [
  { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create'] },
];

/** Provider namespace with state in Redis: read catalog, templates and credentials; report broken ConfigMaps as Events. */
export const PROVIDER_NAMESPACE_PERMISSIONS_WITH_REDIS = expand(READ_CONFIGURATION);

/** Provider namespace by default: the above, and state there (records as ConfigMaps, locks as Leases). */
export const PROVIDER_NAMESPACE_PERMISSIONS = expand([
  ...READ_CONFIGURATION,
  { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'update', 'delete'] },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update', 'delete'] },
]);

export interface TargetKind {
  apiGroup: string;
  resources: string[];
}

/** The chart's default targetKinds: what examples/ creates. */
export const DEFAULT_TARGET_KINDS: readonly TargetKind[] = [
  { apiGroup: '', resources: ['configmaps', 'secrets', 'services'] },
  { apiGroup: 'apps', resources: ['deployments', 'statefulsets'] },
];

/**
 * Each target namespace: the dedicated objects of ProvisionNewClusterObjects,
 * of the listed kinds only, with the verbs the broker uses on them: create,
 * get, list (the labelled deprovision sweep, drift), delete, patch
 * (server-side apply on upgrades); and get on Secrets whatever is listed
 * (CredentialFromInstanceSecret).
 */
export function targetNamespacePermissions(kinds: readonly TargetKind[], options: { helmReleases?: boolean } = {}): string[] {
  return expand([
    ...kinds.map((k) => ({ apiGroups: [k.apiGroup], resources: k.resources, verbs: ['create', 'get', 'list', 'delete', 'patch'] })),
    { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
    ...(options.helmReleases === true ? [HELM_RELEASE_STORAGE] : []),
  ]);
}

/** helmReleases: helm keeps each release's history in Secrets of its namespace, and writes them as it goes (`update` included). */
const HELM_RELEASE_STORAGE: PolicyRule = { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'get', 'list', 'update', 'patch', 'delete'] };

export const TARGET_NAMESPACE_PERMISSIONS = targetNamespacePermissions(DEFAULT_TARGET_KINDS);

/** Each of rbac.instanceSecretNamespaces outside the target namespaces: an instance's Secret, read by name. */
export const INSTANCE_SECRET_NAMESPACE_PERMISSIONS = expand([
  { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
]);

/** Every (group, resource) a Role above names, and some it must not: the least-privilege matrix. */
export const PROBED_RESOURCES: readonly { group: string; resource: string }[] = [
  ...['configmaps', 'secrets', 'services', 'pods', 'events', 'serviceaccounts', 'persistentvolumeclaims', 'endpoints'].map((resource) => ({ group: '', resource })),
  { group: 'events.k8s.io', resource: 'events' },
  ...['deployments', 'replicasets', 'statefulsets', 'daemonsets'].map((resource) => ({ group: 'apps', resource })),
  { group: 'batch', resource: 'jobs' },
  { group: 'networking.k8s.io', resource: 'networkpolicies' },
  { group: 'postgresql.cnpg.io', resource: 'clusters' },
  { group: 'coordination.k8s.io', resource: 'leases' },
  ...['roles', 'rolebindings'].map((resource) => ({ group: 'rbac.authorization.k8s.io', resource })),
];
export const PROBED_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'] as const;

/** Rules as a sorted list of "group/resource:verb" (no wildcards, names or URLs expected). */
export function expand(rules: readonly PolicyRule[]): string[] {
  const permissions = new Set<string>();
  for (const rule of rules) {
    if (rule.resourceNames !== undefined || rule.nonResourceURLs !== undefined) throw new Error(`unexpected rule ${JSON.stringify(rule)}`);
    for (const group of rule.apiGroups ?? []) {
      for (const resource of rule.resources ?? []) {
        for (const verb of rule.verbs ?? []) permissions.add(`${group}/${resource}:${verb}`);
      }
    }
  }
  return [...permissions].sort();
}

export function only(objects: readonly KubernetesManifest[], kind: string, namespace?: string): KubernetesManifest[] {
  return objects.filter((o) => o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace));
}

export function one(objects: readonly KubernetesManifest[], kind: string, namespace?: string): KubernetesManifest {
  const found = only(objects, kind, namespace);
  if (found.length !== 1) throw new Error(`expected one ${kind}${namespace ? ` in ${namespace}` : ''}, found ${found.length}`);
  return found[0]!;
}

/** Where `expected` (what was sent) is not contained in `actual` (what the server stored): dropped or changed fields. */
export function missingFields(expected: unknown, actual: unknown, path = ''): string[] {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return [`${path}: ${JSON.stringify(expected)} became ${JSON.stringify(actual)}`];
    return expected.flatMap((item, i) => missingFields(item, actual[i], `${path}[${i}]`));
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object') return [`${path}: missing`];
    return Object.entries(expected).flatMap(([key, value]) => missingFields(value, (actual as Record<string, unknown>)[key], `${path}.${key}`));
  }
  return expected === actual ? [] : [`${path}: ${JSON.stringify(expected)} became ${JSON.stringify(actual)}`];
}
