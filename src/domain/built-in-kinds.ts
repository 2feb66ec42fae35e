/**
 * The kinds a Kubernetes apiserver serves without any CRD, with their scope.
 * Discovery is the authority on a real cluster; this table is what the fake
 * cluster serves, what a broker assumes before its first discovery answers,
 * and how readiness tells a built-in kind from a custom resource.
 */
export type KindScope = 'namespaced' | 'cluster' | 'unknown';

export interface KindInfo {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** The resource RBAC names it by (the plural, `statefulsets`), where known. */
  readonly resource?: string;
}

/**
 * The plural resource of a built-in kind, spelt as Kubernetes spells them
 * (its UnsafeGuessKindToResource rule, right for every built-in kind).
 * Custom resources name theirs in the CRD: discovery is the authority.
 */
export function guessResource(kind: string): string {
  const lower = kind.toLowerCase();
  if (lower === 'endpoints') return lower;
  if (lower.endsWith('s')) return `${lower}es`;
  if (lower.endsWith('y')) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

const served = (apiVersion: string, namespaced: readonly string[], cluster: readonly string[] = []): KindInfo[] => [
  ...namespaced.map((kind) => ({ apiVersion, kind, namespaced: true, resource: guessResource(kind) })),
  ...cluster.map((kind) => ({ apiVersion, kind, namespaced: false, resource: guessResource(kind) })),
];

/** Kubernetes 1.36, stable versions only (what a provider should write). */
export const BUILT_IN_KINDS: readonly KindInfo[] = [
  ...served('v1', [
    'Pod', 'Service', 'ConfigMap', 'Secret', 'ServiceAccount', 'PersistentVolumeClaim', 'Endpoints', 'Event',
    'LimitRange', 'ResourceQuota', 'ReplicationController', 'PodTemplate',
  ], ['Namespace', 'Node', 'PersistentVolume']),
  ...served('apps/v1', ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'ControllerRevision']),
  ...served('batch/v1', ['Job', 'CronJob']),
  ...served('autoscaling/v1', ['HorizontalPodAutoscaler']),
  ...served('autoscaling/v2', ['HorizontalPodAutoscaler']),
  ...served('networking.k8s.io/v1', ['NetworkPolicy', 'Ingress'], ['IngressClass', 'IPAddress', 'ServiceCIDR']),
  ...served('policy/v1', ['PodDisruptionBudget']),
  ...served('rbac.authorization.k8s.io/v1', ['Role', 'RoleBinding'], ['ClusterRole', 'ClusterRoleBinding']),
  ...served('coordination.k8s.io/v1', ['Lease']),
  ...served('discovery.k8s.io/v1', ['EndpointSlice']),
  ...served('events.k8s.io/v1', ['Event']),
  ...served('storage.k8s.io/v1', ['CSIStorageCapacity'], ['StorageClass', 'CSIDriver', 'CSINode', 'VolumeAttachment']),
  ...served('scheduling.k8s.io/v1', [], ['PriorityClass']),
  ...served('node.k8s.io/v1', [], ['RuntimeClass']),
  ...served('apiextensions.k8s.io/v1', [], ['CustomResourceDefinition']),
  ...served('admissionregistration.k8s.io/v1', [], [
    'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
  ]),
  ...served('certificates.k8s.io/v1', [], ['CertificateSigningRequest']),
  ...served('flowcontrol.apiserver.k8s.io/v1', [], ['FlowSchema', 'PriorityLevelConfiguration']),
  ...served('apiregistration.k8s.io/v1', [], ['APIService']),
];

/** The group of an apiVersion: '' for the core group (`v1`), `apps` for `apps/v1`. */
export const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '');

const BUILT_IN_GROUPS = new Set([
  ...BUILT_IN_KINDS.map((k) => groupOf(k.apiVersion)),
  'authentication.k8s.io', 'authorization.k8s.io', 'resource.k8s.io', 'internal.apiserver.k8s.io', 'storagemigration.k8s.io',
]);

/** True for the groups Kubernetes itself serves; anything else comes from a CRD or an aggregated apiserver. */
export const isBuiltInGroup = (apiVersion: string): boolean => BUILT_IN_GROUPS.has(groupOf(apiVersion));

/** The resource (plural) of each kind, keyed by apiVersion and kind; undefined when not served or not known. */
export function resourceTable(kinds: readonly KindInfo[]): (apiVersion: string, kind: string) => string | undefined {
  const table = new Map(kinds.flatMap((k) => (k.resource === undefined ? [] : [[`${k.apiVersion}\n${k.kind}`, k.resource] as const])));
  return (apiVersion, kind) => table.get(`${apiVersion}\n${kind}`);
}

/** A lookup table keyed by apiVersion and kind. */
export function scopeTable(kinds: readonly KindInfo[]): (apiVersion: string, kind: string) => KindScope {
  const table = new Map(kinds.map((k) => [`${k.apiVersion}\n${k.kind}`, k.namespaced ? 'namespaced' : 'cluster'] as const));
  return (apiVersion, kind) => table.get(`${apiVersion}\n${kind}`) ?? 'unknown';
}
