/**
 * The ConfigSource port over the in-memory cluster: the ConfigMaps labelled
 * `mesitis/kind` in the broker namespace, kept current from the cluster's
 * change events. Decoding and caching are the DocumentConfigSource's.
 */
import { WatchedConfigSource } from '../config/watched-config-source.js';
import { isProviderConfigMap, toConfigMapDocument } from '../config/config-map-document.js';
import type { ClusterEvent, MemoryCluster } from './memory-cluster.js';

export class MemoryConfigSource extends WatchedConfigSource {
  private unwatch: (() => void) | undefined;

  constructor(
    private readonly cluster: MemoryCluster,
    private readonly namespace: string,
  ) {
    super();
  }

  async start(): Promise<void> {
    if (this.unwatch !== undefined) return;
    // Watch before listing, so no change can fall between the two (both are synchronous here anyway).
    this.unwatch = this.cluster.watch((event) => this.apply(event));
    const configMaps = this.cluster.list('ConfigMap', this.namespace).filter((c) => isProviderConfigMap(c.metadata.labels));
    this.documents.replaceAll(configMaps.map(toConfigMapDocument));
    this.documents.markSynced(true);
  }

  async stop(): Promise<void> {
    this.unwatch?.();
    this.unwatch = undefined;
    this.documents.markSynced(false);
  }

  private apply(event: ClusterEvent): void {
    const { kind, metadata } = event.object;
    if (kind !== 'ConfigMap' || metadata.namespace !== this.namespace) return;
    // A ConfigMap that loses its kind label leaves the configuration, like one deleted.
    if (event.type === 'DELETED' || !isProviderConfigMap(metadata.labels)) this.documents.remove(metadata.name);
    else this.documents.upsert(toConfigMapDocument(event.object));
  }
}
