/**
 * What suites on the test cluster share: the require-real rule, admin API
 * clients, throwaway namespaces, and waiting (bounded) for what the
 * cluster's controllers do. No test writes a status any more: the cluster's
 * controllers and kwok own them all (a failed rollout, too, comes from a
 * real progress deadline).
 */
import { randomBytes } from 'node:crypto';
import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { kubernetesApis, type KubernetesApis } from '../../src/adapters/kubernetes/api-clients.js';
import type { ObjectRef } from '../../src/domain/kube-object.js';
import type { Logger } from '../../src/application/ports/logger.js';
import { requireOrSkip } from './prerequisites.js';
import { testClusterPrerequisite } from './test-cluster.js';

/**
 * For a `before` hook of a suite that needs the test cluster: without Go (and
 * no binary built) the suite fails when MESITIS_REQUIRE_REAL=1 and is
 * otherwise skipped with a notice naming what is missing.
 */
export const requireTestClusterOrSkip = (context: Mocha.Context, suite: string): void =>
  requireOrSkip(context, suite, testClusterPrerequisite());

/** A Logger that drops everything. */
export const silentLogger = (): Logger => {
  const logger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, child: () => logger };
  return logger;
};

export function kubeConfigFrom(path: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromFile(path);
  return config;
}

/** The same identity, reaching the server at another address (e.g. through a proxy on 127.0.0.1). */
export function withServer(config: KubeConfig, server: string): KubeConfig {
  const moved = new KubeConfig();
  moved.loadFromOptions({
    clusters: config.getClusters().map((cluster) => ({ ...cluster, server })),
    users: config.getUsers(),
    contexts: config.getContexts(),
    currentContext: config.getCurrentContext(),
  });
  return moved;
}

export const adminApis = (adminKubeconfig: string): KubernetesApis => kubernetesApis(kubeConfigFrom(adminKubeconfig));

/**
 * Polls `probe` every `intervalMs` until `done` accepts its result, and
 * returns that result; throws naming `what` (and the last result or error)
 * after `timeoutMs`. For waiting on controllers without timing them.
 */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = 30_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    try {
      const value = await probe();
      if (done(value)) return value;
      last = JSON.stringify(value)?.slice(0, 500) ?? 'undefined';
    } catch (error) {
      last = `error: ${(error as Error).message}`;
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

const isNotFound = (error: unknown): boolean => (error as { code?: number }).code === 404;

/**
 * A new, empty namespace named `<prefix>-<random>`, once its 'default'
 * ServiceAccount exists: the ServiceAccount admission plugin refuses Pods in
 * a namespace until its controller has created it. On a bare cluster (no
 * controllers) pass `{ bare: true }`.
 */
export async function freshNamespace(admin: KubernetesApis, prefix = 'mesitis-test', { bare = false } = {}): Promise<string> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  await admin.core.createNamespace({ body: { metadata: { name } } });
  if (!bare) {
    await waitUntil(`ServiceAccount ${name}/default`, () => admin.core.readNamespacedServiceAccount({ namespace: name, name: 'default' }), () => true);
  }
  return name;
}

/**
 * Deletes the namespace; the namespace controller then removes what is in
 * it. Returns at once (it is Terminating, refusing anything new) unless
 * `wait` is set, then once it is gone.
 */
export async function deleteNamespace(admin: KubernetesApis, name: string, { wait = false } = {}): Promise<void> {
  try {
    await admin.core.deleteNamespace({ name });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  if (wait) await waitUntilGone(`namespace ${name}`, () => admin.core.readNamespace({ name }));
}

/** Resolves once `read` answers 404. */
export async function waitUntilGone(what: string, read: () => Promise<unknown>, timeoutMs = 60_000): Promise<void> {
  await waitUntil(
    `${what} to be gone`,
    () => read().then(() => 'present', (error: unknown) => { if (isNotFound(error)) return 'gone'; throw error; }),
    (state) => state === 'gone',
    { timeoutMs },
  );
}

/** The Pods of a namespace matching `labelSelector`. */
export const podsOf = async (admin: KubernetesApis, namespace: string, labelSelector: string) =>
  (await admin.core.listNamespacedPod({ namespace, labelSelector })).items;

/**
 * Waits until the Deployment has rolled out as the cluster reports it: its
 * controller has seen the latest spec and every replica is updated and
 * available. Returns the Deployment then.
 */
export async function waitForRollout(admin: KubernetesApis, namespace: string, name: string, timeoutMs = 60_000) {
  return waitUntil(
    `Deployment ${namespace}/${name} to roll out`,
    () => admin.apps.readNamespacedDeployment({ namespace, name }),
    (d) => {
      const want = d.spec?.replicas ?? 1;
      const s = d.status;
      return (s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) && s?.updatedReplicas === want && s?.availableReplicas === want && s?.replicas === want;
    },
    { timeoutMs },
  );
}

/** Reads the status of a Deployment, ReplicaSet or Pod. */
async function readStatus(admin: KubernetesApis, { kind, namespace, name }: ObjectRef): Promise<Record<string, unknown>> {
  switch (kind) {
    case 'Deployment':
      return { ...(await admin.apps.readNamespacedDeployment({ namespace, name })).status };
    case 'ReplicaSet':
      return { ...(await admin.apps.readNamespacedReplicaSet({ namespace, name })).status };
    case 'Pod':
      return { ...(await admin.core.readNamespacedPod({ namespace, name })).status };
    default:
      throw new Error(`readStatus: ${kind} has no controller-owned status`);
  }
}

/** Waits until the object's controller has written a status with every field of `expected` (compared as JSON). */
export async function waitForStatus(admin: KubernetesApis, ref: ObjectRef, expected: Record<string, unknown>, timeoutMs = 30_000): Promise<void> {
  await waitUntil(
    `${ref.kind} ${ref.namespace}/${ref.name} to report ${JSON.stringify(expected)}`,
    () => readStatus(admin, ref),
    (status) => Object.entries(expected).every(([key, value]) => JSON.stringify(status[key]) === JSON.stringify(value)),
    { timeoutMs },
  );
}

/** GETs a path of the apiserver as the given identity and returns the body text (e.g. /metrics). */
export async function getRaw(config: KubeConfig, path: string): Promise<string> {
  const url = new URL(path, config.getCurrentCluster()!.server);
  const options: https.RequestOptions = { hostname: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: 'GET', headers: {} };
  await config.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    https
      .get(options, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => (response.statusCode === 200 ? resolve(text) : reject(new Error(`GET ${path}: HTTP ${response.statusCode}`))));
      })
      .on('error', reject);
  });
}

/** Requests the apiserver has finished for resources (apiserver_request_total), whoever sent them. */
export async function finishedResourceRequests(admin: KubeConfig): Promise<number> {
  return (await getRaw(admin, '/metrics'))
    .split('\n')
    .filter((line) => line.startsWith('apiserver_request_total{') && !line.includes('resource=""'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}
