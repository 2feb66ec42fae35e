/**
 * The broker in this process, wired by the real container as `mesitis dev`
 * and `mesitis serve` wire it (see test/support/memory-broker.ts), on the
 * fake cluster or a real apiserver, with the memory store, Redis or (on the
 * apiserver) the Kubernetes store. It logs
 * at info, as in production, into a sink that only tallies warnings and
 * errors: the bench fails on broker errors, not on speed.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';
import { PinoLogger } from '../../src/adapters/logging/pino-logger.js';
import { applyManifests } from '../../src/adapters/memory/apply-manifests.js';
import { MemoryCluster } from '../../src/adapters/memory/memory-cluster.js';
import { DEFAULT_SETTINGS } from '../../src/application/settings.js';
import type { KubeObject } from '../../src/domain/kube-object.js';
import { memoryClusterModule, stateModule } from '../../src/main/adapter-modules.js';
import { kubernetesModule, kubernetesStateModule } from '../../src/main/kubernetes-module.js';
import type { StateOptions } from '../../src/main/options.js';
import { startBroker } from '../../src/main/run-broker.js';

export type ClusterChoice =
  | { readonly kind: 'memory'; readonly objects: readonly KubeObject[] }
  | { readonly kind: 'kubernetes'; readonly config: KubeConfig };

/** Warnings and errors the broker logged; everything else is dropped unread. */
export class LogTally {
  warnings = 0;
  errors = 0;
  readonly samples: string[] = [];

  readonly stream = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      // pino levels: 40 warn, 50 error, 60 fatal. The check is a substring test so the sink stays cheap.
      const line = chunk.toString();
      if (line.includes('"level":40')) this.warnings += 1;
      else if (line.includes('"level":50') || line.includes('"level":60')) this.errors += 1;
      else return done();
      if (this.samples.length < 5) this.samples.push(line.trim().slice(0, 400));
      done();
    },
  });
}

export interface BenchBroker {
  readonly url: string;
  /** The headers every OSB request needs: API version and basic auth. */
  readonly headers: Readonly<Record<string, string>>;
  /** The fake cluster, when the broker runs on it. */
  readonly memoryCluster?: MemoryCluster;
  readonly logs: LogTally;
  stop(): Promise<void>;
}

export async function startBenchBroker(brokerNamespace: string, cluster: ClusterChoice, state: StateOptions): Promise<BenchBroker> {
  const logs = new LogTally();
  const logger = PinoLogger.create('info', logs.stream);
  const password = randomBytes(12).toString('hex');
  let memoryCluster: MemoryCluster | undefined;
  let clusterModule;
  if (state.kind === 'kubernetes' && cluster.kind !== 'kubernetes') throw new Error('bug: the Kubernetes state store needs the apiserver');
  if (cluster.kind === 'memory') {
    memoryCluster = new MemoryCluster({ simulateControllers: false });
    memoryCluster.ensureNamespace(brokerNamespace);
    const applied = applyManifests(memoryCluster, cluster.objects);
    if (applied.refused.length > 0) throw new Error(`fixture refused by the fake cluster: ${JSON.stringify(applied.refused.slice(0, 3))}`);
    clusterModule = memoryClusterModule(memoryCluster, brokerNamespace);
  } else {
    clusterModule = kubernetesModule({ config: cluster.config, namespace: brokerNamespace });
  }
  const broker = await startBroker(
    {
      host: '127.0.0.1', port: 0, auth: { username: 'bench', password }, bodyLimitBytes: 1024 * 1024, shutdownGraceMs: 2000,
      settings: DEFAULT_SETTINGS,
    },
    [clusterModule, state.kind === 'kubernetes' ? kubernetesStateModule(brokerNamespace) : stateModule(state)],
    logger,
  );
  return {
    url: broker.url,
    headers: {
      'X-Broker-API-Version': '2.17',
      Authorization: `Basic ${Buffer.from(`bench:${password}`).toString('base64')}`,
    },
    ...(memoryCluster !== undefined ? { memoryCluster } : {}),
    logs,
    stop: () => broker.stop(),
  };
}

export const redisState = (url: string, prefix: string): StateOptions => ({ kind: 'redis', url, tls: false, prefix });
export const MEMORY_STATE: StateOptions = { kind: 'memory' };
export const KUBERNETES_STATE: StateOptions = { kind: 'kubernetes' };
