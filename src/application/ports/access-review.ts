/**
 * What the broker's own identity may do in the cluster, as far as the
 * catalog needs to know: may it create objects of a resource in a target
 * namespace? Answers are cached and reviewed again in the background, so
 * the catalog can ask for every entry on every assembly without waiting for
 * the network. An answer not yet known refuses nothing: the cluster still
 * decides at provision time, and the review only moves the refusal earlier.
 */
export type Access = 'allowed' | 'denied' | 'unknown';

export interface AccessReview {
  /**
   * Whether the broker may create `resource` of API group `group` ('' for
   * the core group) in `namespace`, as last reviewed. 'unknown' until the
   * first review answers; a question not asked before is reviewed in the
   * background, and onChange tells when its answer is in.
   */
  mayCreate(namespace: string, group: string, resource: string): Access;
  /** Reviews every question asked so far again (a burst of calls shares one pass); resolves when the answers are in. */
  refresh(): Promise<void>;
  /** A number that changes whenever an answer the catalog acts on does: a denial given or withdrawn. */
  revision(): number;
  /** Calls `listener` after such a change; returns the function that stops the calls. */
  onChange(listener: () => void): () => void;
}
