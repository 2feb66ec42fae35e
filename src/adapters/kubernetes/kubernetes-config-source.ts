/**
 * The ConfigSource port on the Kubernetes API: an informer (list, then watch)
 * on the ConfigMaps labelled `mesitis/kind` in the broker namespace, feeding a
 * DocumentConfigSource. Reading the configuration is a memory read.
 *
 * client-node's informer re-watches by itself when the server ends a watch
 * normally, and re-lists when its resourceVersion has expired; on any other
 * failure it reports an error and stops for good. Then this source:
 *   - keeps serving the last configuration it had (never an empty one),
 *   - says synced() false,
 *   - starts a fresh informer after a growing delay, whose full listing
 *     replaces the documents in one step (replaceAll), so a reader sees the
 *     old configuration or the new one, never a mix or a partial one.
 * Every listing, the informer's own re-lists included, goes through the
 * same replaceAll.
 */
import { WatchedConfigSource } from '../config/watched-config-source.js';
import { makeInformer, type CoreV1Api, type KubeConfig, type KubernetesObject, type V1ConfigMap, type V1ConfigMapList } from '@kubernetes/client-node';
import type { Logger } from '../../application/ports/logger.js';
import type { KubeObject } from '../../domain/kube-object.js';
import { isProviderConfigMap, KIND_LABEL, toConfigMapDocument } from '../config/config-map-document.js';
import { logFieldsOf, translateApiError, type ApiAction } from './api-errors.js';

/** The part of client-node's Informer this source uses. */
export interface ConfigMapInformer {
  on(verb: 'add' | 'update' | 'delete', callback: (object: V1ConfigMap) => void): void;
  on(verb: 'error', callback: (error?: unknown) => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Makes an informer that lists through `list` (client-node's makeInformer, or a fake in tests). */
export type ConfigMapInformerFactory = (list: () => Promise<V1ConfigMapList>) => ConfigMapInformer;

export interface KubernetesConfigSourceOptions {
  readonly namespace: string;
  /** Lists the namespace's ConfigMaps labelled mesitis/kind. */
  readonly list: () => Promise<V1ConfigMapList>;
  readonly makeInformer: ConfigMapInformerFactory;
  readonly logger: Logger;
  /** Delay before the first restart after a failure; doubles up to maxRetryMs. */
  readonly initialRetryMs?: number;
  readonly maxRetryMs?: number;
  /** How long a (re)connection may take before it counts as failed. */
  readonly connectTimeoutMs?: number;
  /** How long start() keeps retrying an unreachable cluster before it gives up. */
  readonly startTimeoutMs?: number;
}

class ConnectFailure {
  constructor(readonly cause: unknown) {}
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const nameOf = (object: KubernetesObject): string => object.metadata?.name ?? '';

export class KubernetesConfigSource extends WatchedConfigSource {
  private readonly uids = new Map<string, string>();
  private readonly action: ApiAction;
  private informer: ConfigMapInformer | undefined;
  /** Bumped for every informer made and on stop(): callbacks of an older one are ignored. */
  private generation = 0;
  /** The generation whose informer delivered the listing now held. */
  private listedGeneration = 0;
  private starting: Promise<void> | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs: number;

  constructor(private readonly options: KubernetesConfigSourceOptions) {
    super();
    this.retryMs = options.initialRetryMs ?? 500;
    this.action = { verb: 'watch', what: `ConfigMaps in namespace "${options.namespace}"` };
  }

  /** Resolves once the first listing is loaded and watched; rejects when the cluster refuses, or stays unreachable for startTimeoutMs. */
  start(): Promise<void> {
    this.stopped = false;
    this.starting ??= this.firstLoad().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.generation += 1;
    clearTimeout(this.retryTimer);
    this.starting = undefined;
    this.documents.markSynced(false);
    const informer = this.informer;
    this.informer = undefined;
    await informer?.stop();
  }

  /** The uid of a watched ConfigMap, for Events that `kubectl describe` can find. */
  uidOf(name: string): string | undefined {
    return this.uids.get(name);
  }

  private async firstLoad(): Promise<void> {
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 30_000);
    const stopped = () => new Error('cannot load the configuration: stopped before it was loaded');
    for (;;) {
      if (this.stopped) throw stopped();
      const failure = await this.connect();
      if (failure === undefined) return;
      if (this.stopped) throw stopped();
      const error = translateApiError(failure.cause, this.action);
      if (error.kind !== 'Unavailable' || Date.now() + this.retryMs > deadline) {
        throw new Error(`cannot load the configuration: ${error.message}`);
      }
      this.options.logger.warn('configuration not loaded yet, retrying', { retryInMs: this.retryMs, ...logFieldsOf(failure.cause) });
      await sleep(this.nextDelay());
    }
  }

  /** Makes and starts a fresh informer; undefined once it has listed and is watching. */
  private async connect(): Promise<ConnectFailure | undefined> {
    const generation = ++this.generation;
    const current = () => generation === this.generation;
    let failure: ConnectFailure | undefined;
    let connected = false;
    const informer = this.options.makeInformer(async () => {
      const list = await this.options.list();
      if (current()) this.replaceAll(list.items);
      return list;
    });
    informer.on('add', (object) => current() && this.apply(object));
    informer.on('update', (object) => current() && this.apply(object));
    informer.on('delete', (object) => current() && this.remove(nameOf(object)));
    informer.on('error', (error) => {
      if (!current()) return;
      if (connected) this.lost(error);
      else failure ??= new ConnectFailure(error);
    });
    this.informer = informer;
    const timeoutMs = this.options.connectTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([informer.start().catch((error: unknown) => void (failure ??= new ConnectFailure(error))), timedOut]);
    clearTimeout(timer);
    if (!current()) return new ConnectFailure(Object.assign(new Error('stopped'), { name: 'AbortError' }));
    failure ??= this.listedGeneration === generation ? undefined : new ConnectFailure(Object.assign(new Error('connect timed out'), { name: 'TimeoutError' }));
    if (failure !== undefined) {
      void informer.stop();
      return failure;
    }
    connected = true;
    this.retryMs = this.options.initialRetryMs ?? 500;
    this.documents.markSynced(true);
    return undefined;
  }

  /** The informer's watch failed for good: keep what we have, say so, and start over later. */
  private lost(error: unknown): void {
    this.documents.markSynced(false);
    this.generation += 1;
    void this.informer?.stop();
    this.options.logger.warn('configuration watch lost; serving the last configuration until it is back', { retryInMs: this.retryMs, ...logFieldsOf(error) });
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.reconnect(), this.nextDelay());
    this.retryTimer.unref();
  }

  private async reconnect(): Promise<void> {
    if (this.stopped) return;
    const failure = await this.connect();
    if (this.stopped) return;
    if (failure === undefined) {
      this.options.logger.info('configuration watch restored', { configMaps: this.uids.size });
      return;
    }
    this.options.logger.warn('configuration watch still down', { retryInMs: this.retryMs, ...logFieldsOf(failure.cause) });
    this.scheduleReconnect();
  }

  private nextDelay(): number {
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, this.options.maxRetryMs ?? 30_000);
    return delay;
  }

  private replaceAll(items: readonly V1ConfigMap[]): void {
    const provider = items.filter((item) => isProviderConfigMap(item.metadata?.labels));
    this.uids.clear();
    for (const item of provider) if (item.metadata?.uid) this.uids.set(nameOf(item), item.metadata.uid);
    this.documents.replaceAll(provider.map((item) => toConfigMapDocument(item as KubeObject)));
    this.listedGeneration = this.generation;
  }

  private apply(object: V1ConfigMap): void {
    // A ConfigMap that lost its kind label leaves the configuration, like one deleted.
    if (!isProviderConfigMap(object.metadata?.labels)) return this.remove(nameOf(object));
    if (object.metadata?.uid) this.uids.set(nameOf(object), object.metadata.uid);
    this.documents.upsert(toConfigMapDocument(object as KubeObject));
  }

  private remove(name: string): void {
    this.uids.delete(name);
    this.documents.remove(name);
  }
}

export type RetryTuning = Pick<KubernetesConfigSourceOptions, 'initialRetryMs' | 'maxRetryMs' | 'connectTimeoutMs' | 'startTimeoutMs'>;

/** The source as `mesitis serve` runs it: client-node's informer over the API. */
export function informerConfigSource(config: KubeConfig, core: CoreV1Api, namespace: string, logger: Logger, tuning: RetryTuning = {}): KubernetesConfigSource {
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`;
  return new KubernetesConfigSource({
    ...tuning,
    namespace,
    logger,
    list: () => core.listNamespacedConfigMap({ namespace, labelSelector: KIND_LABEL }),
    makeInformer: (list) => makeInformer(config, path, list, KIND_LABEL),
  });
}
