/**
 * A ConfigSource over a set of ConfigMap documents that its owner keeps
 * current: the Kubernetes adapter feeds it from an informer, the memory
 * cluster from its change events, tests by hand.
 *
 * An owner holds one (WatchedConfigSource is the base class that does), calls
 * replaceAll() with the first full listing, upsert()/remove() per change and
 * markSynced() as its watch connects and drops, and delegates current(),
 * revision(), onChange() and synced() to it. start() and stop() here do
 * nothing: watching is the owner's job.
 *
 * Decoding is lazy and cached twice: the whole configuration once per
 * revision, and each document until it changes, so one edited ConfigMap among
 * a thousand costs one decode.
 */
import { EMPTY_CONFIG, type ProviderConfig } from '../../domain/catalog.js';
import { deepEqual } from '../../domain/records.js';
import type { ConfigSource } from '../../application/ports/config-source.js';
import type { ConfigMapDocument } from './config-map-document.js';
import { combineDecoded, decodeDocument, type DecodedDocument } from './decode-provider-config.js';

interface Held {
  readonly doc: ConfigMapDocument;
  decoded?: DecodedDocument;
}

/** A ConfigMap deleted and created again under the same name is a change: its creation time decides clashes. */
const sameDocument = (a: ConfigMapDocument, b: ConfigMapDocument): boolean =>
  a.createdAt === b.createdAt && deepEqual(a.labels, b.labels) && deepEqual(a.data, b.data) && sameBinary(a.binaryData ?? {}, b.binaryData ?? {});

function sameBinary(a: Readonly<Record<string, Uint8Array>>, b: Readonly<Record<string, Uint8Array>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => b[key] !== undefined && Buffer.from(a[key]!).equals(b[key]!));
}

export class DocumentConfigSource implements ConfigSource {
  private documents = new Map<string, Held>();
  private readonly listeners = new Set<() => void>();
  private loaded = false;
  private inSync = false;
  private currentRevision = 0;
  private decoded: { readonly revision: number; readonly config: ProviderConfig } | undefined;

  /** Nothing to load: the owner feeds documents in. */
  async start(): Promise<void> {}

  /** Nothing to stop: the owner stops its own watch. */
  async stop(): Promise<void> {}

  /** EMPTY_CONFIG until the first replaceAll(): a partial listing must never look like the whole. */
  current(): ProviderConfig {
    if (!this.loaded) return EMPTY_CONFIG;
    if (this.decoded?.revision !== this.currentRevision) {
      const names = [...this.documents.keys()].sort();
      const config = combineDecoded(names.map((name) => this.decodeHeld(this.documents.get(name)!)));
      this.decoded = { revision: this.currentRevision, config };
    }
    return this.decoded.config;
  }

  revision(): number {
    return this.currentRevision;
  }

  onChange(listener: () => void): () => void {
    const subscribed = () => listener();
    this.listeners.add(subscribed);
    return () => this.listeners.delete(subscribed);
  }

  synced(): boolean {
    return this.inSync;
  }

  /** Replaces every document: the first listing, or a relist after the watch was lost. */
  replaceAll(docs: Iterable<ConfigMapDocument>): void {
    const next = new Map<string, Held>();
    for (const doc of docs) {
      const held = this.documents.get(doc.name);
      next.set(doc.name, held !== undefined && sameDocument(held.doc, doc) ? held : { doc });
    }
    const changed = !this.loaded || next.size !== this.documents.size || [...next].some(([name, held]) => this.documents.get(name) !== held);
    this.documents = next;
    this.loaded = true;
    if (changed) this.changed();
  }

  /** Adds or replaces one document; a document equal to the one held changes nothing (informer resyncs). */
  upsert(doc: ConfigMapDocument): void {
    const held = this.documents.get(doc.name);
    if (held !== undefined && sameDocument(held.doc, doc)) return;
    this.documents.set(doc.name, { doc });
    this.changed();
  }

  /** Removes one document by ConfigMap name; removing an absent one changes nothing. */
  remove(name: string): void {
    if (this.documents.delete(name)) this.changed();
  }

  /** Whether the owner's copy is known to match the source (watch connected, listing loaded). */
  markSynced(inSync: boolean): void {
    this.inSync = inSync;
  }

  private decodeHeld(held: Held): DecodedDocument {
    held.decoded ??= decodeDocument(held.doc);
    return held.decoded;
  }

  private changed(): void {
    this.currentRevision += 1;
    if (!this.loaded) return;
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch (error) {
        // A throwing listener is a bug; surface it without robbing the others of their call.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
