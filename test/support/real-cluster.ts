/**
 * What suites on the real kube-apiserver share: the require-real rule,
 * admin API clients, throwaway namespaces, and writing status the way a
 * controller would (a bare apiserver runs none).
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

/** A new, empty namespace named `<prefix>-<random>`. */
export async function freshNamespace(admin: KubernetesApis, prefix = 'mesitis-test'): Promise<string> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  await admin.core.createNamespace({ body: { metadata: { name } } });
  return name;
}

/** Deletes the namespace. With no namespace controller it stays Terminating, which refuses anything new in it. */
export async function deleteNamespace(admin: KubernetesApis, name: string): Promise<void> {
  try {
    await admin.core.deleteNamespace({ name });
  } catch (error) {
    if ((error as { code?: number }).code !== 404) throw error;
  }
}

/** Writes `status` through the status subresource, as the object's controller would. */
export async function setStatusAsController(admin: KubernetesApis, ref: ObjectRef, status: Record<string, unknown>): Promise<void> {
  const { namespace, name } = ref;
  switch (ref.kind) {
    case 'Deployment': {
      const body = await admin.apps.readNamespacedDeployment({ namespace, name });
      await admin.apps.replaceNamespacedDeploymentStatus({ namespace, name, body: { ...body, status: status as never } });
      return;
    }
    case 'ReplicaSet': {
      const body = await admin.apps.readNamespacedReplicaSet({ namespace, name });
      await admin.apps.replaceNamespacedReplicaSetStatus({ namespace, name, body: { ...body, status: status as never } });
      return;
    }
    case 'Pod': {
      const body = await admin.core.readNamespacedPod({ namespace, name });
      await admin.core.replaceNamespacedPodStatus({ namespace, name, body: { ...body, status: status as never } });
      return;
    }
    default:
      throw new Error(`setStatusAsController: ${ref.kind} has no controller-owned status worth setting`);
  }
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
