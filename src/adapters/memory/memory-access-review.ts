/**
 * The AccessReview port without a cluster to ask: everything is allowed
 * (`mesitis dev`, and any broker on the fake cluster), unless a test denies
 * a resource in a namespace to see the catalog refuse what uses it.
 */
import type { Access, AccessReview } from '../../application/ports/access-review.js';
import { Revisions } from '../support/revisions.js';

const keyOf = (namespace: string, group: string, resource: string) => `${namespace}\n${group}\n${resource}`;

export class MemoryAccessReview implements AccessReview {
  private readonly denied = new Set<string>();
  private readonly changes = new Revisions();

  mayCreate(namespace: string, group: string, resource: string): Access {
    return this.denied.has(keyOf(namespace, group, resource)) ? 'denied' : 'allowed';
  }

  async refresh(): Promise<void> {}

  revision(): number {
    return this.changes.current;
  }

  onChange(listener: () => void): () => void {
    return this.changes.onChange(listener);
  }

  /** From now on the broker may not create `resource` in `namespace`. */
  deny(namespace: string, group: string, resource: string): void {
    if (this.denied.has(keyOf(namespace, group, resource))) return;
    this.denied.add(keyOf(namespace, group, resource));
    this.changed();
  }

  /** Withdraws a denial. */
  allow(namespace: string, group: string, resource: string): void {
    if (this.denied.delete(keyOf(namespace, group, resource))) this.changed();
  }

  private changed(): void {
    this.changes.bump();
  }
}
