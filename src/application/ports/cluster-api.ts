import type { KubeObject, ObjectRef, SupportedKind } from '../../domain/kube-object.js';
import type { Result } from '../../domain/result.js';

/**
 * The Kubernetes objects Mesitis creates for consumers. Errors come back as
 * domain kinds: ObjectsExist (name taken), Forbidden, ConfigInvalid (the
 * object was rejected as invalid), Unavailable, Infrastructure.
 */
export interface ClusterApi {
  /** Creates the object in its metadata.namespace; ObjectsExist when the name is taken. Returns it as stored. */
  create(object: KubeObject): Promise<Result<KubeObject>>;
  /** Reads one object with its status; undefined when absent. */
  get(ref: ObjectRef): Promise<Result<KubeObject | undefined>>;
  /**
   * Deletes one object; 'absent' when it was already gone (NotFound counts as
   * done). With `ref.uid` only that very object is deleted (a uid
   * precondition): another object now under the name is 'absent' for us.
   */
  delete(ref: ObjectRef): Promise<Result<'deleted' | 'absent'>>;
  /** Lists objects of one kind in one namespace matching a label selector. */
  list(kind: SupportedKind, namespace: string, labelSelector: string): Promise<Result<KubeObject[]>>;
  /** Succeeds when the cluster answers within a few seconds (Unavailable otherwise): the readiness probe. Reads no object. */
  ping(): Promise<Result<void>>;
}
