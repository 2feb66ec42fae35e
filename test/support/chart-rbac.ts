/**
 * Applies the Helm chart's RBAC (ServiceAccount, Roles, RoleBindings) to a
 * test cluster, so tests of the real broker run under exactly the
 * permissions an installation gets, not a hand-written copy of them.
 *
 *   const cluster = await sharedTestCluster();
 *   await applyChartRbac(cluster.adminKubeconfig, cluster.brokerNamespace);
 *   // the broker kubeconfig now has the chart's permissions, and only those
 */
import { CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { helmTemplate, MESITIS_CHART_DIR, type KubernetesManifest } from './helm.js';

const RBAC_KINDS = new Set(['ServiceAccount', 'Role', 'RoleBinding']);
const FIELD_MANAGER = 'mesitis-tests';

export interface AppliedChartRbac {
  /** The ServiceAccount the RoleBindings name (the harness's broker identity when it is `mesitis`). */
  readonly serviceAccount: string;
  /** Every namespace the objects went into: the release namespace first, then the target namespaces. */
  readonly namespaces: readonly string[];
  readonly objects: readonly KubernetesManifest[];
}

/**
 * Renders the chart into `namespace` with `values` (merged over values.yaml)
 * and server-side applies its ServiceAccount, Roles and RoleBindings, creating
 * namespaces that do not exist. Idempotent: safe to call from several suites
 * against one shared cluster. Objects from earlier calls with other values
 * (e.g. other target namespaces) are left in place.
 */
export async function applyChartRbac(
  adminKubeconfigPath: string,
  namespace: string,
  values: Record<string, unknown> = {},
): Promise<AppliedChartRbac> {
  const rendered = await helmTemplate(MESITIS_CHART_DIR, { namespace, values });
  const clusterWide = rendered.filter((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding');
  if (clusterWide.length > 0) {
    throw new Error(`the chart renders cluster-wide RBAC (${clusterWide.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}); the broker must be namespaced`);
  }
  const objects = rendered.filter((o) => RBAC_KINDS.has(o.kind));
  const binding = objects.find((o) => o.kind === 'RoleBinding' && o.metadata.namespace === namespace);
  const subject = (binding?.['subjects'] as { kind: string; name: string }[] | undefined)?.find((s) => s.kind === 'ServiceAccount');
  if (subject === undefined) throw new Error(`the chart renders no RoleBinding to a ServiceAccount in ${namespace}`);

  const namespaces = [...new Set([namespace, ...objects.map((o) => o.metadata.namespace ?? namespace)])];
  const kc = loadKubeconfig(adminKubeconfigPath);
  await ensureNamespaces(kc, namespaces);
  await applyObjects(kc, objects);
  return { serviceAccount: subject.name, namespaces, objects };
}

export function loadKubeconfig(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/** Creates each namespace unless it exists. */
export async function ensureNamespaces(kc: KubeConfig, names: readonly string[]): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  for (const name of names) {
    try {
      await core.createNamespace({ body: { metadata: { name } } });
    } catch (err) {
      if (statusCode(err) !== 409) throw err;
    }
  }
}

/** Server-side apply, in order, forcing ownership of conflicting fields to the tests' field manager. */
export async function applyObjects(kc: KubeConfig, objects: readonly KubernetesObject[]): Promise<void> {
  const client = KubernetesObjectApi.makeApiClient(kc);
  for (const object of objects) {
    await client.patch(object, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
  }
}

/** The HTTP status of a client-node ApiException, or undefined for other errors. */
export function statusCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}
