/**
 * Starts the broker from a set of adapter modules: container, catalog watch,
 * HTTP server; and stops it gracefully (in-flight requests and running
 * operations finish, connections close).
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Container, ContainerModule } from 'inversify';
import { createApp, type Readiness } from '../adapters/http/app.js';
import { countingFailures } from '../adapters/metrics/counting-port.js';
import { PromMetrics } from '../adapters/metrics/prom-metrics.js';
import type { Broker } from '../application/broker.js';
import type { CatalogService } from '../application/catalog-service.js';
import type { OperationJobs } from '../application/operation-jobs.js';
import type { OperationReconciler } from '../application/operation-reconciler.js';
import type { BindingReconciler } from '../application/binding-reconciler.js';
import type { AccessReview } from '../application/ports/access-review.js';
import type { ClusterApi } from '../application/ports/cluster-api.js';
import type { ConfigSource } from '../application/ports/config-source.js';
import type { KindResolver } from '../application/ports/kind-resolver.js';
import type { Logger } from '../application/ports/logger.js';
import type { StateStore } from '../application/ports/state-store.js';
import type { Vault } from '../application/ports/vault.js';
import { usesVault } from '../domain/catalog-entry.js';
import { SYSTEM_RUNTIME, type BrokerSettings } from '../application/settings.js';
import { coreModule } from './core-module.js';
import type { BrokerOptions } from './options.js';
import { TOKENS as T } from './tokens.js';

export interface RunningBroker {
  readonly url: string;
  readonly container: Container;
  /** Stops accepting requests, lets in-flight ones and running operations finish, closes adapters. */
  stop(): Promise<void>;
}

type ListenOptions = Pick<BrokerOptions, 'host' | 'port' | 'auth' | 'bodyLimitBytes' | 'settings' | 'shutdownGraceMs'>;

/** The application wired on the given adapters: what a broker and the doctor both run, so their wiring cannot drift. */
export function composeApplication(settings: BrokerSettings, adapters: readonly ContainerModule[], logger: Logger): Container {
  const container = new Container();
  container.bind(T.Settings).toConstantValue(settings);
  container.bind(T.Runtime).toConstantValue(SYSTEM_RUNTIME);
  container.bind(T.Logger).toConstantValue(logger);
  container.load(coreModule, metricsModule, ...adapters);
  return container;
}

/** The resolver with its lifecycle, where it has one: the Kubernetes one discovers, the fake cluster's is always current. */
export const kindDiscovery = (container: Container) =>
  container.get<KindResolver & { start?: () => Promise<void>; stop?: () => Promise<void> }>(T.KindResolver);

/** The access review with its lifecycle, where it has one: the Kubernetes one asks the apiserver, the memory one allows all. */
export const accessReview = (container: Container) =>
  container.get<AccessReview & { start?: () => Promise<void>; stop?: () => Promise<void> }>(T.AccessReview);

export async function startBroker(options: ListenOptions, adapters: readonly ContainerModule[], logger: Logger): Promise<RunningBroker> {
  const container = composeApplication(options.settings, adapters, logger);
  const metrics = container.get<PromMetrics>(T.Metrics);

  const config = container.get<ConfigSource>(T.ConfigSource);
  const store = container.get<StateStore>(T.StateStore);
  const broker = container.get<Broker>(T.Broker);
  // Both before the first assembly, so no entry is refused for a kind discovery has yet to report.
  await Promise.all([config.start(), kindDiscovery(container).start?.()]);
  broker.catalog.catalog(); // assemble and report problems at start-up, not on the first request
  const unfollow = broker.catalog.followChanges();
  // The first assembly asked what the broker may create; its answers are in (and reassembled) before the first request.
  await accessReview(container).start?.();
  // Interrupted operations are finished by whichever replica finds them first: at start-up, then periodically.
  const reconciler = container.get<OperationReconciler>(T.Reconciler);
  reconciler.start(options.settings.reconcileIntervalMs, (report) => {
    metrics.reconcilePass(report.ok ? report.value : 'error');
    if (!report.ok) logger.warn('reconcile pass failed', { reason: report.error.message });
    else if (report.value.resumed > 0) logger.info('reconcile pass', { ...report.value });
  });

  // Interrupted binds/unbinds and expired bindings: a pass of their own (see binding-reconciler.ts).
  container.get<BindingReconciler>(T.BindingReconciler).start(options.settings.reconcileIntervalMs);

  // The cluster check has its own short deadline: a hung apiserver must fail the probe, not hang it.
  const cluster = container.get<ClusterApi>(T.ClusterApi);
  const vault = container.isBound(T.Vault) ? container.get<Vault>(T.Vault) : undefined;
  const readiness = async (): Promise<Readiness> => {
    // Vault counts only while an entry uses it: an installation that names one but has no such entry serves without it.
    const needsVault = broker.catalog.catalog().offerings.some((offering) => offering.plans.some(usesVault));
    const [reachable, answering, sealed] = await Promise.all([store.ping(), cluster.ping(), needsVault && vault ? vault.health() : undefined]);
    const checks = {
      catalog: config.synced() ? 'synced' : 'not synced',
      stateStore: reachable.ok ? 'reachable' : reachable.error.message,
      cluster: answering.ok ? 'reachable' : answering.error.message,
      ...(needsVault ? { vault: vault === undefined ? 'not configured (--vault-address)' : sealed?.ok !== false ? 'reachable' : sealed.error.message } : {}),
    };
    return { ready: config.synced() && reachable.ok && answering.ok && sealed?.ok !== false, checks };
  };
  const app = createApp(broker, { auth: options.auth, bodyLimitBytes: options.bodyLimitBytes }, readiness, logger, metrics);
  const server = await listen(app.callback(), options.host, options.port);
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${port}`;
  logger.info('broker listening', { url });

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= (unfollow(), shutdown(server, container, options.shutdownGraceMs, logger)));
  return { url, container, stop };
}

/**
 * Prometheus metrics, and the StateStore and ClusterApi counting their
 * failures into them, whichever adapters the other modules bound.
 */
const metricsModule = new ContainerModule(({ bind, onActivation }) => {
  bind<PromMetrics>(T.Metrics)
    .toResolvedValue(
      (jobs: OperationJobs, catalog: CatalogService) =>
        new PromMetrics({ runningOperations: () => jobs.size, catalogProblems: () => catalog.catalog().problems.length }),
      [T.OperationJobs, T.CatalogService],
    )
    .inSingletonScope();
  onActivation<StateStore>(T.StateStore, (context, store) =>
    countingFailures(store, (method, kind) => context.get<PromMetrics>(T.Metrics).storeError(method, kind)));
  onActivation<ClusterApi>(T.ClusterApi, (context, cluster) =>
    countingFailures(cluster, (method, kind) => context.get<PromMetrics>(T.Metrics).clusterError(method, kind)));
});

function listen(handler: RequestListener, host: string, port: number): Promise<Server> {
  return new Promise<Server>((resolve, reject) => {
    const server = createServer(handler);
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

async function shutdown(server: Server, container: Container, graceMs: number, logger: Logger): Promise<void> {
  logger.info('shutting down: finishing in-flight requests');
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const grace = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearTimeout(grace);
  await container.get<OperationReconciler>(T.Reconciler).stop();
  await container.get<BindingReconciler>(T.BindingReconciler).stop();
  await container.get<OperationJobs>(T.OperationJobs).drain();
  await container.get<ConfigSource>(T.ConfigSource).stop();
  await kindDiscovery(container).stop?.();
  await accessReview(container).stop?.();
  await container.get<StateStore>(T.StateStore).close();
  if (container.isBound(T.Vault)) container.get<Vault & { close?: () => void }>(T.Vault).close?.();
  logger.info('stopped');
}
