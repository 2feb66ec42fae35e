import type { ProviderConfig } from '../../domain/catalog.js';

/**
 * The provider's ConfigMaps in the broker namespace, decoded. Implementations
 * keep a watched copy in memory: reading it never does I/O.
 */
export interface ConfigSource {
  /** Loads the first full listing and keeps it current; resolves when loaded. Idempotent. */
  start(): Promise<void>;
  /** The latest decoded configuration; EMPTY_CONFIG before start() resolved. */
  current(): ProviderConfig;
  /** A number that changes whenever current() would return something different. */
  revision(): number;
  /** Calls `listener` after each change; returns the function that unsubscribes. */
  onChange(listener: () => void): () => void;
  /** True while the copy is known to be in sync with the source. */
  synced(): boolean;
  /** Stops watching. Idempotent. */
  stop(): Promise<void>;
}
