/** The KindResolver port over the fake cluster's served kinds: always current, nothing to discover. */
import type { KindResolver, KindScope } from '../../application/ports/kind-resolver.js';
import type { MemoryCluster } from './memory-cluster.js';

export class MemoryKindResolver implements KindResolver {
  constructor(private readonly cluster: MemoryCluster) {}

  lookup(apiVersion: string, kind: string): KindScope {
    return this.cluster.kinds.scopeOf(apiVersion, kind);
  }

  resourceOf(apiVersion: string, kind: string): string | undefined {
    return this.cluster.kinds.resourceOf(apiVersion, kind);
  }

  revision(): number {
    return this.cluster.kinds.revision();
  }

  onChange(listener: () => void): () => void {
    return this.cluster.kinds.onChange(listener);
  }
}
