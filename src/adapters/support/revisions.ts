/**
 * A revision number with listeners told of every change: what the adapters
 * that follow the cluster (discovery, access reviews, their fakes) share, so
 * the catalog can cache per revision and rebuild when one moves.
 */
export class Revisions {
  private count = 0;
  private readonly listeners = new Set<() => void>();

  get current(): number {
    return this.count;
  }

  /** Calls `listener` after every change; returns the function that stops it. */
  onChange(listener: () => void): () => void {
    const subscribed = () => listener();
    this.listeners.add(subscribed);
    return () => this.listeners.delete(subscribed);
  }

  /** Counts a change and tells every listener. */
  bump(): void {
    this.count += 1;
    for (const listener of [...this.listeners]) listener();
  }
}
