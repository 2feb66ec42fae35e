/**
 * The ClusterApi port over the in-memory cluster, translating its failures
 * the way the Kubernetes adapter translates the real server's:
 * AlreadyExists (409) -> ObjectsExist, Invalid (422) -> ConfigInvalid, and a
 * create into a missing namespace or of an unserved kind (404) ->
 * ConfigInvalid, because both come from the provider's configuration.
 */
import type { ClusterApi, DeleteOutcome } from '../../application/ports/cluster-api.js';
import { domainError, type DomainError } from '../../domain/errors.js';
import { parseLabelSelector } from '../../domain/label-selector.js';
import type { KubeObject, ObjectRef, ObjectType } from '../../domain/kube-object.js';
import { err, ok, type Result } from '../../domain/result.js';
import type { ClusterFailure, MemoryCluster } from './memory-cluster.js';

function translate(failure: ClusterFailure): DomainError {
  switch (failure.reason) {
    case 'AlreadyExists':
      return domainError('ObjectsExist', failure.message);
    case 'Invalid':
    case 'NotFound':
      return domainError('ConfigInvalid', failure.message);
    case 'Conflict':
      return domainError('Infrastructure', failure.message);
  }
}

export class MemoryClusterApi implements ClusterApi {
  constructor(private readonly cluster: MemoryCluster) {}

  async create(object: KubeObject): Promise<Result<KubeObject>> {
    const created = this.cluster.create(object);
    return created.ok ? created : err(translate(created.error));
  }

  async apply(object: KubeObject): Promise<Result<KubeObject>> {
    const written = this.cluster.apply(object);
    return written.ok ? written : err(translate(written.error));
  }

  async get(ref: ObjectRef): Promise<Result<KubeObject | undefined>> {
    return ok(this.cluster.get(ref));
  }

  async delete(ref: ObjectRef): Promise<Result<DeleteOutcome>> {
    // The uid precondition, as the API server checks it: another object under the name is not ours.
    if (ref.uid !== undefined && this.cluster.get(ref)?.metadata['uid'] !== ref.uid) return ok('absent');
    return ok(this.cluster.delete(ref).ok ? 'deleted' : 'absent');
  }

  /** An empty selector lists everything of the kind, as it does against a real server. */
  async list(type: ObjectType, namespace: string, labelSelector: string): Promise<Result<KubeObject[]>> {
    if (labelSelector.trim() === '') return ok(this.cluster.list(type, namespace));
    const selector = parseLabelSelector(labelSelector);
    if (!selector.ok) return err(domainError('ConfigInvalid', `label selector "${labelSelector}": ${selector.error}`));
    return ok(this.cluster.list(type, namespace, selector.value));
  }

  /** The fake cluster lives in this process: it always answers. */
  async ping(): Promise<Result<void>> {
    return ok(undefined);
  }
}
