import type { KubeObject, ObjectRef, ObjectType } from '../../domain/kube-object.js';
import type { Result } from '../../domain/result.js';

/**
 * The Kubernetes objects Mesitis creates for consumers: any namespaced kind
 * the cluster serves, named by apiVersion and kind. Errors come back as
 * domain kinds: ObjectsExist (name taken), Forbidden, ConfigInvalid (the
 * object was rejected as invalid, or its kind is not served or not
 * namespaced), Unavailable, Infrastructure.
 */
/**
 * 'deleted': gone now. 'terminating': the delete was accepted but the object
 * may still be there (finalizers, a graceful Pod, a workload waiting for its
 * Pods): look again before counting it gone. 'absent': it was not there (or,
 * with a uid, not ours).
 */
export type DeleteOutcome = 'deleted' | 'terminating' | 'absent';

export interface ClusterApi {
  /** Creates the object in its metadata.namespace; ObjectsExist when the name is taken. Returns it as stored. */
  create(object: KubeObject): Promise<Result<KubeObject>>;
  /**
   * Server-side apply as field manager `mesitis` (forced: the broker's
   * rendering wins over other managers of the same fields): creates the
   * object when absent, else makes the fields it names what it says.
   * Returns it as stored.
   */
  apply(object: KubeObject): Promise<Result<KubeObject>>;
  /** Reads one object with its status; undefined when absent (its kind no longer served included). */
  get(ref: ObjectRef): Promise<Result<KubeObject | undefined>>;
  /**
   * Deletes one object; 'absent' when it was already gone (NotFound counts as
   * done). With `ref.uid` only that very object is deleted (a uid
   * precondition): another object now under the name is 'absent' for us.
   */
  delete(ref: ObjectRef): Promise<Result<DeleteOutcome>>;
  /** Lists objects of one kind in one namespace matching a label selector; none when the kind is not served. */
  list(type: ObjectType, namespace: string, labelSelector: string): Promise<Result<KubeObject[]>>;
  /** Succeeds when the cluster answers within a few seconds (Unavailable otherwise): the readiness probe. Reads no object. */
  ping(): Promise<Result<void>>;
}
