/**
 * What the fault suites (test/e2e/faults) share: a broker namespace and a
 * target namespace of their own on the test cluster, the chart's RBAC for a
 * ServiceAccount there with a kubeconfig of its own (optionally reaching the
 * apiserver through a TCP proxy the test can cut or stall), catalog entries
 * built in code, `mesitis serve` as a process, and the drift check every
 * fault test ends with: no object labelled as ours that no record owns, no
 * live record whose objects are missing, no operation nobody finishes.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { KubernetesApis } from '../../src/adapters/kubernetes/api-clients.js';
import { instanceLabelValue } from '../../src/domain/resource-plan.js';
import { REPO_ROOT, startBrokerProcess, type BrokerProcess } from './broker-process.js';
import { applyChartRbac } from './chart-rbac.js';
import { osb, type OsbRequestOptions, type OsbResponse } from './osb-client.js';
import { adminApis, deleteNamespace, freshNamespace, kubeConfigFrom, waitUntil } from './real-cluster.js';
import type { TestCluster } from './test-cluster.js';

export const AUTH = { username: 'platform', password: `faults-${randomUUID()}` };
export const MANAGED = 'app.kubernetes.io/managed-by=mesitis';

export interface FaultNamespaces {
  readonly cluster: TestCluster;
  readonly admin: KubernetesApis;
  /** The provider namespace: entries, templates, Secrets, and the state (ConfigMaps + Leases). */
  readonly brokerNs: string;
  /** Where the entries' dedicated objects go. */
  readonly targetNs: string;
  /** A kubeconfig for the broker's ServiceAccount (the chart's RBAC, nothing more) reaching `server`. */
  brokerKubeconfig(server?: string): string;
  /** Deletes both namespaces. */
  remove(): Promise<void>;
}

/**
 * Two fresh namespaces, the chart's RBAC for a broker in the first that
 * creates objects in the second, and a token for its ServiceAccount.
 */
export async function faultNamespaces(cluster: TestCluster, prefix: string): Promise<FaultNamespaces> {
  const admin = adminApis(cluster.adminKubeconfig);
  const brokerNs = await freshNamespace(admin, prefix);
  const targetNs = await freshNamespace(admin, `${prefix}-target`);
  const rbac = await applyChartRbac(cluster.adminKubeconfig, brokerNs, { targetNamespaces: [targetNs] });
  const token = await admin.core.createNamespacedServiceAccountToken({
    namespace: brokerNs, name: rbac.serviceAccount, body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const adminConfig = kubeConfigFrom(cluster.adminKubeconfig);
  const caData = adminConfig.getCurrentCluster()!.caData;
  let written = 0;
  return {
    cluster, admin, brokerNs, targetNs,
    brokerKubeconfig: (server = cluster.server) => {
      const file = join(cluster.dir, `${brokerNs}-${written++}.kubeconfig`);
      writeFileSync(file, JSON.stringify({
        apiVersion: 'v1', kind: 'Config', 'current-context': 'broker',
        clusters: [{ name: 'test', cluster: { server, 'certificate-authority-data': caData } }],
        users: [{ name: 'broker', user: { token: token.status!.token } }],
        contexts: [{ name: 'broker', context: { cluster: 'test', user: 'broker', namespace: brokerNs } }],
      }), { mode: 0o600 });
      return file;
    },
    remove: async () => {
      for (const ns of [brokerNs, targetNs]) await deleteNamespace(admin, ns);
    },
  };
}

// ------------------------------------------------------------------ catalog

export interface TestOffering {
  readonly offering: string;
  readonly serviceId: string;
  readonly planId: string;
  readonly entryName: string;
  /** The body of a provision (and bind) request from `namespace`. */
  body(namespace?: string): Record<string, unknown>;
  /** `?service_id=..&plan_id=..` for DELETE. */
  readonly query: string;
}

const templateConfigMap = (brokerNs: string, name: string, offering: string, order: number, object: Record<string, unknown>) => ({
  apiVersion: 'v1', kind: 'ConfigMap',
  metadata: { name, namespace: brokerNs, labels: { 'mesitis/kind': 'wrapped-resource', 'mesitis/enabled': 'true', 'mesitis/offering': offering, 'mesitis/order': String(order) } },
  data: { 'wrapped-resource': JSON.stringify(object) },
});

export const configMapTemplate = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { made: 'for a fault test' } });
export const serviceTemplate = (name: string, port = 80) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name },
  spec: { selector: { app: name }, ports: [{ protocol: 'TCP', port, targetPort: 9000 }] },
});
export const deploymentTemplate = (name: string) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
  spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'example/app:1' }] } } },
});

export interface OfferingSpec {
  readonly offering: string;
  /** Rendered object templates, in order (names may use {{ instance.shortId }}). */
  readonly objects: readonly Record<string, unknown>[];
  /** The coordinates' name (default: the first object's name). */
  readonly name?: string;
  readonly whitelist?: readonly string[];
  readonly credentials?: Record<string, unknown>;
}

/** Writes a catalog entry and its templates into the broker namespace. */
export async function createOffering(ns: FaultNamespaces, spec: OfferingSpec): Promise<TestOffering> {
  const serviceId = randomUUID();
  const planId = randomUUID();
  const entryName = `entry-${spec.offering}`;
  const firstName = (spec.objects[0]!['metadata'] as { name: string }).name;
  const entry = {
    team: 'faults', offering: spec.offering, description: `fault test ${spec.offering}`, uuid: planId, serviceuuid: serviceId, version: '1',
    whitelist: spec.whitelist ?? ['client-ns', 'other-ns'],
    provisionkind: 'ProvisionNewClusterObjects',
    provisiondata: { namespace: ns.targetNs, name: spec.name ?? firstName, labelSelector: `mesitis/offering=${spec.offering}` },
    ...(spec.credentials ?? { credentialkind: 'CredentialNoCredential' }),
  };
  await ns.admin.core.createNamespacedConfigMap({ namespace: ns.brokerNs, body: {
    metadata: { name: entryName, labels: { 'mesitis/kind': 'catalog-entry', 'mesitis/enabled': 'true' } },
    data: { 'wrapped-resource': JSON.stringify(entry) },
  } });
  for (const [i, object] of spec.objects.entries()) {
    await ns.admin.core.createNamespacedConfigMap({ namespace: ns.brokerNs, body: templateConfigMap(ns.brokerNs, `${spec.offering}-t${String(i).padStart(2, '0')}`, spec.offering, i + 1, object) as never });
  }
  return {
    offering: spec.offering, serviceId, planId, entryName,
    body: (namespace = 'client-ns') => ({
      service_id: serviceId, plan_id: planId, organization_guid: 'faults-org', space_guid: `space-${namespace}`,
      context: { platform: 'kubernetes', namespace },
    }),
    query: `service_id=${serviceId}&plan_id=${planId}`,
  };
}

// ------------------------------------------------------------------- broker

export interface ServeOptions {
  readonly kubeconfig: string;
  readonly namespace: string;
  /** e.g. ['--redis-url', url, '--redis-prefix', prefix] */
  readonly extraArgs?: readonly string[];
}

/** `mesitis serve` as a process, with the suites' basic auth; waits until the catalog lists `planId` (the watch has caught up). */
export async function startServe(options: ServeOptions, planIds: readonly string[] = []): Promise<BrokerProcess> {
  const broker = await startBrokerProcess(
    ['serve', '--kubeconfig', options.kubeconfig, '--namespace', options.namespace, '--username', AUTH.username, '--password', AUTH.password, '--log-level', 'info', ...(options.extraArgs ?? [])],
    { MESITIS_STATE: '', MESITIS_REDIS_URL: '', POD_NAMESPACE: '' },
  );
  for (const planId of planIds) await waitForPlan(broker.url, planId);
  return broker;
}

export const call = (url: string, method: string, path: string, options: OsbRequestOptions = {}): Promise<OsbResponse> =>
  osb(url, method, path, { auth: AUTH, ...options });

export async function waitForPlan(url: string, planId: string, present = true): Promise<void> {
  await waitUntil(`plan ${planId} ${present ? 'in' : 'out of'} the catalog`, () => call(url, 'GET', '/v2/catalog'),
    (r) => r.status === 200 && (r.body.services as { plans: { id: string }[] }[]).some((s) => s.plans.some((p) => p.id === planId)) === present,
    { timeoutMs: 20_000, intervalMs: 200 });
}

/** Kills the process with SIGKILL (no shutdown of any kind) and waits for it to be gone. */
export async function killHard(broker: BrokerProcess): Promise<void> {
  broker.child.kill('SIGKILL');
  await broker.stop();
}

// -------------------------------------------------------------- inspection

export interface StoredRecord {
  readonly id: string;
  readonly instanceId?: string;
  readonly status?: string;
  readonly objects?: readonly { kind: string; name: string; uid?: string }[];
  readonly operation?: { type: string; state: string };
}

/** The records the Kubernetes state store holds in the broker namespace (ConfigMaps labelled mesitis/record). */
export async function kubernetesRecords(ns: FaultNamespaces): Promise<StoredRecord[]> {
  return (await ns.admin.core.listNamespacedConfigMap({ namespace: ns.brokerNs, labelSelector: 'mesitis/record' })).items
    .map((item) => JSON.parse(item.data?.['record'] ?? '{}') as StoredRecord);
}

/** Every object in the target namespace labelled managed-by=mesitis, of the kinds the suites create. */
export async function managedObjects(ns: FaultNamespaces, instanceId?: string) {
  const labelSelector = instanceId === undefined ? MANAGED : `${MANAGED},mesitis/instance=${instanceLabelValue(instanceId)}`;
  const [configMaps, services, deployments, replicaSets, pods] = await Promise.all([
    ns.admin.core.listNamespacedConfigMap({ namespace: ns.targetNs, labelSelector }),
    ns.admin.core.listNamespacedService({ namespace: ns.targetNs, labelSelector }),
    ns.admin.apps.listNamespacedDeployment({ namespace: ns.targetNs, labelSelector }),
    ns.admin.apps.listNamespacedReplicaSet({ namespace: ns.targetNs, labelSelector }),
    ns.admin.core.listNamespacedPod({ namespace: ns.targetNs, labelSelector }),
  ]);
  return [
    ...configMaps.items.map((o) => ({ kind: 'ConfigMap', o })), ...services.items.map((o) => ({ kind: 'Service', o })),
    ...deployments.items.map((o) => ({ kind: 'Deployment', o })), ...replicaSets.items.map((o) => ({ kind: 'ReplicaSet', o })),
    ...pods.items.map((o) => ({ kind: 'Pod', o })),
  ].map(({ kind, o }) => ({ kind, name: o.metadata!.name!, uid: o.metadata!.uid!, instance: o.metadata!.labels?.['mesitis/instance'] ?? '' }));
}

export interface DoctorJson {
  clean: boolean;
  orphans: { kind: string; namespace: string; name: string; removable: boolean }[];
  missing: { instanceId: string; objects: { name: string }[] }[];
  stuck: { instanceId: string; operation: string }[];
}

export interface DoctorRun { readonly code: number; readonly stdout: string; readonly stderr: string }

/** `mesitis doctor` with the provider's (admin) credentials against the broker namespace and the given state flags. */
export function runDoctor(ns: FaultNamespaces, ...args: string[]): Promise<DoctorRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/main/cli.ts', 'doctor', '--kubeconfig', ns.cluster.adminKubeconfig, '--namespace', ns.brokerNs, ...args],
      { cwd: REPO_ROOT, env: { ...process.env, MESITIS_STATE: '', MESITIS_REDIS_URL: '', POD_NAMESPACE: '' } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

/**
 * The check after every fault test, once operations have settled: waits
 * (bounded) until `mesitis doctor -o json` reports no drift at all, so a
 * reconciler pass still finishing is not mistaken for a leak, then checks
 * the same independently for the Kubernetes store: every object labelled
 * managed-by=mesitis in the target namespace belongs to a live record.
 */
export async function expectNoDrift(ns: FaultNamespaces, stateArgs: readonly string[] = [], timeoutMs = 30_000): Promise<void> {
  let last: DoctorRun | undefined;
  const settled = await waitUntil('doctor to report no drift', async () => (last = await runDoctor(ns, '-o', 'json', ...stateArgs)),
    (run) => run.code === 0, { timeoutMs, intervalMs: 1_000 }).catch(() => undefined);
  expect(settled, `doctor still reports drift:\n${last?.stdout}\n${last?.stderr}`).to.not.equal(undefined);
  const report = JSON.parse(settled!.stdout) as DoctorJson;
  expect([report.orphans, report.missing, report.stuck]).to.deep.equal([[], [], []]);
  if (stateArgs.length === 0) {
    const live = new Set((await kubernetesRecords(ns)).filter((r) => r.instanceId === undefined && r.status !== 'gone').map((r) => instanceLabelValue(r.id)));
    const unowned = (await managedObjects(ns)).filter((o) => !live.has(o.instance));
    expect(unowned, 'objects labelled managed-by=mesitis that no live record owns').to.deep.equal([]);
  }
}

/**
 * Polls last_operation every `intervalMs` until `done`, and remembers every
 * state it saw (to assert that "failed" never showed). Returns the time it
 * took and the answers.
 */
export async function pollLastOperation(
  url: () => string, path: string, done: (r: OsbResponse) => boolean, timeoutMs: number, intervalMs = 250,
): Promise<{ last: OsbResponse; seen: string[]; ms: number }> {
  const started = Date.now();
  const seen: string[] = [];
  const last = await waitUntil(`last_operation of ${path}`, async () => {
    const r = await call(url(), 'GET', `${path}/last_operation`);
    const state = r.status === 200 ? String(r.body?.state) : `HTTP ${r.status}`;
    if (seen[seen.length - 1] !== state) seen.push(state);
    return r;
  }, done, { timeoutMs, intervalMs });
  return { last, seen, ms: Date.now() - started };
}

/** Lines of the measured recovery times, printed once per suite for the note. */
export const measured: string[] = [];
export function report(line: string): void {
  measured.push(line);
  console.log(`      [measured] ${line}`);
}
