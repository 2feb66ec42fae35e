/**
 * The part every watching ConfigSource shares: reads come from the documents
 * it keeps (a DocumentConfigSource); subclasses only start and stop the
 * watch that feeds them.
 */
import type { ConfigSource } from '../../application/ports/config-source.js';
import type { ProviderConfig } from '../../domain/catalog.js';
import { DocumentConfigSource } from './document-config-source.js';

export abstract class WatchedConfigSource implements ConfigSource {
  protected readonly documents = new DocumentConfigSource();

  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;

  current(): ProviderConfig {
    return this.documents.current();
  }

  revision(): number {
    return this.documents.revision();
  }

  onChange(listener: () => void): () => void {
    return this.documents.onChange(listener);
  }

  synced(): boolean {
    return this.documents.synced();
  }
}
