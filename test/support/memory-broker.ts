/**
 * The whole broker in this process on the fake cluster and memory store,
 * wired by the real container: what the HTTP and walkthrough tests drive.
 */
import { Writable } from 'node:stream';
import { ContainerModule } from 'inversify';
import { PinoLogger } from '../../src/adapters/logging/pino-logger.js';
import { applyManifests } from '../../src/adapters/memory/apply-manifests.js';
import { MemoryCluster } from '../../src/adapters/memory/memory-cluster.js';
import { MemoryStateStore } from '../../src/adapters/memory/memory-state-store.js';
import type { AuthSettings } from '../../src/adapters/http/auth.js';
import { DEFAULT_SETTINGS, type BrokerSettings } from '../../src/application/settings.js';
import type { KubeObject } from '../../src/domain/kube-object.js';
import type { Vault } from '../../src/application/ports/vault.js';
import { memoryClusterModule } from '../../src/main/adapter-modules.js';
import { vaultModule } from '../../src/main/vault-options.js';
import { startBroker, type RunningBroker } from '../../src/main/run-broker.js';
import { TOKENS } from '../../src/main/tokens.js';

export const BROKER_NAMESPACE = 'provider-ns';

export interface MemoryBroker {
  readonly url: string;
  readonly cluster: MemoryCluster;
  readonly store: MemoryStateStore;
  readonly broker: RunningBroker;
  /** Every log line written so far. */
  readonly logs: string[];
  stop(): Promise<void>;
}

export interface MemoryBrokerOptions {
  readonly objects?: readonly KubeObject[];
  readonly auth?: AuthSettings;
  readonly settings?: Partial<BrokerSettings>;
  readonly simulateControllers?: boolean;
  /** The request body limit; 64 KiB unless a test needs bigger bodies to reach a check behind it. */
  readonly bodyLimitBytes?: number;
  /** The helm binary Helm-chart offerings render with (test/support/helm.ts buildHelm); default `helm` on PATH. */
  readonly helmBinary?: string;
  /** The Vault CredentialFromVault entries use (a MemoryVault, or HttpVault to a test server); absent: none. */
  readonly vault?: Vault;
}

export async function startMemoryBroker(options: MemoryBrokerOptions = {}): Promise<MemoryBroker> {
  const cluster = new MemoryCluster({ simulateControllers: options.simulateControllers ?? true });
  cluster.ensureNamespace(BROKER_NAMESPACE);
  const applied = applyManifests(cluster, options.objects ?? []);
  if (applied.refused.length > 0) throw new Error(`fixture refused: ${JSON.stringify(applied.refused)}`);
  const store = new MemoryStateStore();
  const logs: string[] = [];
  const capture = new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } });
  const logger = PinoLogger.create('debug', capture);
  const stateModule = new ContainerModule(({ bind }) => { bind(TOKENS.StateStore).toConstantValue(store); });
  const broker = await startBroker(
    {
      host: '127.0.0.1', port: 0, auth: options.auth ?? {}, bodyLimitBytes: options.bodyLimitBytes ?? 64 * 1024, shutdownGraceMs: 2000,
      settings: { ...DEFAULT_SETTINGS, readinessPollMs: 10, lockWaitMs: 2000, ...options.settings },
    },
    [memoryClusterModule(cluster, BROKER_NAMESPACE, undefined, options.helmBinary), stateModule, ...(options.vault ? [vaultModule(() => options.vault!)] : [])],
    logger,
  );
  return { url: broker.url, cluster, store, broker, logs, stop: () => broker.stop() };
}
