import type { KindScope } from '../../domain/built-in-kinds.js';

export type { KindScope };

/**
 * Which kinds the cluster serves, and whether namespaced: the apiserver's
 * discovery, cached. Reads never wait for the network, so the catalog can
 * ask for every template on every assembly.
 */
export interface KindResolver {
  /**
   * The kind's scope as last discovered; 'unknown' when the cluster does not
   * serve it. A miss asks for a fresh discovery in the background (rate
   * limited), whose outcome onChange reports.
   */
  lookup(apiVersion: string, kind: string): KindScope;
  /** The kind's resource as RBAC names it (`statefulsets`), as last discovered; undefined when not served. */
  resourceOf(apiVersion: string, kind: string): string | undefined;
  /** A number that changes whenever the served kinds do (it never goes back). */
  revision(): number;
  /** Calls `listener` after the served kinds changed; returns the function that stops the calls. */
  onChange(listener: () => void): () => void;
}
