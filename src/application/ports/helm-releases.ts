import type { ReleaseRef, ReleaseSpec, ReleaseStatus, ReleaseSummary } from '../../domain/helm-release.js';
import type { KubeObject, ObjectRef } from '../../domain/kube-object.js';
import type { Result } from '../../domain/result.js';

/**
 * Helm releases in the cluster: one per consumer instance of a chart-based
 * offering. Callers hold the instance's lock, so a release found pending-*
 * is the leftover of an interrupted operation, never one still running.
 *
 * Readiness is the caller's business, not Helm's: no method waits for the
 * objects to become ready (no `--wait`). Install and upgrade return once the
 * API server has accepted every object; the caller follows objects() with its
 * readiness rules, asynchronously, like any other plan. A broker replica
 * therefore never sits for minutes inside a helm process that a restart
 * would leave pending.
 *
 * Errors come back as domain kinds. The caller's (the provider's) mistakes:
 * ConfigInvalid (a chart that cannot be fetched or rendered, values the
 * chart refuses, an object the API server refuses), ObjectsExist (an object
 * of the release exists and belongs to no release), NotFound (upgrade or
 * rollback of an absent release). Infrastructure: Unavailable (cluster or
 * chart repository unreachable, time out), Forbidden (the cluster refused the
 * broker's identity), Infrastructure (anything else, helm missing included).
 * Messages never carry a value or a line of helm's output verbatim.
 */
export interface HelmReleases {
  /**
   * Installs the release. Idempotent per namespace and name: a deployed
   * release is left as it is (whatever its chart and values; upgrade changes
   * those). The remains of an install that never completed (failed or
   * pending-install) or of an uninstall cut off are removed first. A failed
   * install leaves nothing behind.
   */
  install(spec: ReleaseSpec): Promise<Result<ReleaseStatus>>;
  /**
   * Upgrades the release to the spec, values replacing the previous ones
   * entirely; each call adds a revision. Rolls back first when the release
   * was left pending. A failed upgrade is rolled back, so the previous
   * revision serves again, and its error is returned. NotFound when absent.
   */
  upgrade(spec: ReleaseSpec): Promise<Result<ReleaseStatus>>;
  /** Makes an earlier revision serve again (as a new revision): what to do when an upgrade never becomes ready. NotFound when absent. */
  rollback(ref: ReleaseRef, revision: number): Promise<Result<ReleaseStatus>>;
  /**
   * Uninstalls the release and its history; the API server then deletes its
   * objects (follow the refs from objects(), taken before, until they are
   * gone). 'absent' when there was no release: that counts as done.
   */
  uninstall(ref: ReleaseRef): Promise<Result<'uninstalled' | 'absent'>>;
  /** The latest revision's state, and which revision serves; { state: 'absent' } when there is no release. */
  status(ref: ReleaseRef): Promise<Result<ReleaseStatus>>;
  /**
   * The objects the latest revision made (hooks excluded), in Helm's install
   * order, namespaced into the release namespace where the chart names none.
   * Empty when absent.
   */
  objects(ref: ReleaseRef): Promise<Result<ObjectRef[]>>;
  /** The releases in a namespace (any state), as `helm list` shows them. */
  list(namespace: string): Promise<Result<ReleaseSummary[]>>;
  /**
   * Renders the chart offline (`helm template`: no cluster, so `lookup`
   * finds nothing) in Helm's install order: to validate an entry before any
   * install. Nothing is created.
   */
  render(spec: ReleaseSpec): Promise<Result<KubeObject[]>>;
}
