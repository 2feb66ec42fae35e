/**
 * What scenarios share in one run: the test cluster, redis-server (each
 * started on first use, stopped at the end), the API request counter on the
 * apiserver, which cluster a scenario ran on, and progress output.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AppsV1Api, CoreV1Api, KubeConfig, VersionApi, type V1ConfigMap, type V1Deployment, type V1Secret, type V1Service } from '@kubernetes/client-node';
import type { KubeObject } from '../../src/domain/kube-object.js';
import { startRedisServer, type RedisServer } from '../../test/support/redis-server.js';
import { startTestCluster, type TestCluster } from '../../test/support/test-cluster.js';
import { ApiCounter } from './api-counter.js';
import { inParallel } from './measure.js';

export interface Sizes {
  readonly catalogEntries: number;
  readonly catalogLoad: { readonly connections: number; readonly durationSeconds: number; readonly rounds: number };
  readonly lifecycle: { readonly maxCycles: number; readonly maxMs: number; readonly concurrency: readonly number[] };
  readonly costPlans: readonly number[];
  readonly cost: { readonly iterations: number; readonly maxMs: number };
  readonly scale: { readonly entries: number; readonly levels: readonly number[]; readonly probes: number; readonly catalogSeconds: number };
  readonly rollout: { readonly iterations: number; readonly maxMs: number };
}

export const FULL: Sizes = {
  catalogEntries: 1000,
  catalogLoad: { connections: 10, durationSeconds: 6, rounds: 3 },
  lifecycle: { maxCycles: 5000, maxMs: 6000, concurrency: [1, 8] },
  costPlans: [1, 5, 20],
  cost: { iterations: 30, maxMs: 45_000 },
  scale: { entries: 1000, levels: [100, 1000, 10_000], probes: 200, catalogSeconds: 5 },
  rollout: { iterations: 10, maxMs: 120_000 },
};

export const QUICK: Sizes = {
  catalogEntries: 100,
  catalogLoad: { connections: 10, durationSeconds: 1.5, rounds: 1 },
  lifecycle: { maxCycles: 200, maxMs: 1000, concurrency: [1, 8] },
  costPlans: [1, 5, 20],
  cost: { iterations: 3, maxMs: 10_000 },
  scale: { entries: 100, levels: [50, 500], probes: 20, catalogSeconds: 1 },
  rollout: { iterations: 2, maxMs: 30_000 },
};

export interface RealCluster {
  readonly cluster: TestCluster;
  /** Admin identity: speed, not RBAC, is measured here. */
  readonly config: KubeConfig;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  /** Counts every request this process sends to the apiserver. */
  readonly counter: ApiCounter;
  /** Which cluster this is, for the report: versions and what runs besides the apiserver. */
  readonly description: string;
}

export class Environment {
  private cluster: Promise<RealCluster> | undefined;
  private redis: Promise<RedisServer> | undefined;
  private readonly started = Date.now();
  /** What the run used besides this process, for the report: server versions. */
  readonly facts: string[] = [];
  /** Set when a scenario asks for the test cluster; run.ts clears it before each scenario. */
  realClusterUsed = false;

  constructor(readonly quick: boolean, readonly sizes: Sizes) {}

  progress(line: string): void {
    const seconds = ((Date.now() - this.started) / 1000).toFixed(1).padStart(6);
    process.stderr.write(`[${seconds}s] ${line}\n`);
  }

  realCluster(): Promise<RealCluster> {
    this.realClusterUsed = true;
    this.cluster ??= (async () => {
      this.progress('starting the test cluster ...');
      const cluster = await startTestCluster();
      const config = new KubeConfig();
      config.loadFromFile(cluster.adminKubeconfig);
      const version = await config.makeApiClient(VersionApi).getCode();
      const description = describeCluster(cluster, version.gitVersion);
      this.facts.push(description);
      this.progress(`test cluster ${version.gitVersion} ready at ${cluster.server}`);
      const real = { cluster, config, core: config.makeApiClient(CoreV1Api), apps: config.makeApiClient(AppsV1Api), counter: new ApiCounter(cluster.server), description };
      // The counter must see requests, or "0 API requests" would prove nothing.
      const { counts } = await real.counter.during(() => real.core.readNamespace({ name: 'default' }));
      if (counts.get !== 1 || counts.total !== 1) throw new Error(`the API request counter saw ${JSON.stringify(counts)} for one GET`);
      return real;
    })();
    return this.cluster;
  }

  /** The cluster the Kubernetes rows of a scenario ran on, once one was started. */
  async clusterDescription(): Promise<string | undefined> {
    return (await this.cluster?.catch(() => undefined))?.description;
  }

  redisServer(): Promise<RedisServer> {
    this.redis ??= startRedisServer().then((server) => {
      const version = /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? 'unknown';
      this.facts.push(`redis-server ${version} (no persistence)`);
      return server;
    });
    return this.redis;
  }

  async close(): Promise<void> {
    const cluster = this.cluster;
    const redis = this.redis;
    this.cluster = undefined;
    this.redis = undefined;
    await Promise.allSettled([
      cluster?.then(async (c) => { c.counter.stop(); await c.cluster.stop(); }),
      redis?.then((r) => r.stop()),
    ]);
  }
}

function describeCluster(cluster: TestCluster, version: string | undefined): string {
  const goMod = readFileSync(fileURLToPath(new URL('../../test/cluster/go.mod', import.meta.url)), 'utf8');
  const kwok = /sigs\.k8s\.io\/kwok (v\S+)/.exec(goMod)?.[1] ?? 'unknown';
  return cluster.bare
    ? `test cluster, bare: kube-apiserver ${version} with embedded etcd, no controllers, admin identity`
    : `test cluster: kube-apiserver ${version} with embedded etcd, kube-controller-manager and kube-scheduler ${version}, ` +
        `kwok ${kwok} playing ${cluster.nodes.length} simulated node(s) (Pods become Running and Ready, no containers), admin identity`;
}

/** Creates namespaces (idempotently) and then the objects, `parallel` at a time. */
export async function applyToCluster(real: RealCluster, namespaces: readonly string[], objects: readonly KubeObject[], parallel = 8): Promise<void> {
  for (const name of namespaces) {
    try {
      await real.core.createNamespace({ body: { metadata: { name } } });
    } catch (error) {
      if ((error as { code?: number }).code !== 409) throw error;
    }
  }
  await inParallel(objects, parallel, (object) => createObject(real, object));
}

/** One object through the typed client-node call for its kind, as a program using client-node directly would. */
export async function createObject(real: Pick<RealCluster, 'core' | 'apps'>, object: KubeObject): Promise<void> {
  const namespace = object.metadata.namespace ?? '';
  switch (object.kind) {
    case 'ConfigMap': await real.core.createNamespacedConfigMap({ namespace, body: object as unknown as V1ConfigMap }); return;
    case 'Secret': await real.core.createNamespacedSecret({ namespace, body: object as unknown as V1Secret }); return;
    case 'Service': await real.core.createNamespacedService({ namespace, body: object as unknown as V1Service }); return;
    case 'Deployment': await real.apps.createNamespacedDeployment({ namespace, body: object as unknown as V1Deployment }); return;
    default: throw new Error(`bug: the bench creates no ${object.kind}`);
  }
}

/** Deletes one object the way the broker does (background propagation). */
export async function deleteObject(real: Pick<RealCluster, 'core' | 'apps'>, object: KubeObject): Promise<void> {
  const namespace = object.metadata.namespace ?? '';
  const request = { namespace, name: object.metadata.name, propagationPolicy: 'Background' };
  switch (object.kind) {
    case 'ConfigMap': await real.core.deleteNamespacedConfigMap(request); return;
    case 'Secret': await real.core.deleteNamespacedSecret(request); return;
    case 'Service': await real.core.deleteNamespacedService(request); return;
    case 'Deployment': await real.apps.deleteNamespacedDeployment(request); return;
    default: throw new Error(`bug: the bench deletes no ${object.kind}`);
  }
}
