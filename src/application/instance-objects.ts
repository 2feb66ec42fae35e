/**
 * Creating and removing a dedicated instance's objects so that nothing is
 * ever left half-made: creation rolls back in reverse order on any failure;
 * removal deletes in reverse order, treats NotFound as done, and also takes
 * anything else still carrying the instance's label.
 *
 * Removal only ever deletes objects that carry this instance's labels: a
 * planned name may belong to someone else (that is why a provision failed),
 * and a record's refs say what was planned, not what is ours. One labelled
 * list per kind finds what is ours, so removal costs N deletes plus one list
 * per kind, and no GET per object.
 *
 * Creation does not GET each object first: the apiserver's AlreadyExists on
 * create is the atomic form of that check (a pre-check would race and double
 * the API requests). On AlreadyExists we look once: an object already ours
 * is adopted, anyone else's makes the whole plan fail and roll back.
 */
import { domainError, type DomainError } from '../domain/errors.js';
import { describeRef, refOf, type KubeObject, type ObjectRef, type SupportedKind } from '../domain/kube-object.js';
import { instanceSelector, ownedBy } from '../domain/resource-plan.js';
import { err, ok, type Result } from '../domain/result.js';
import type { ClusterApi } from './ports/cluster-api.js';
import type { Logger } from './ports/logger.js';

export class InstanceObjects {
  constructor(
    private readonly cluster: ClusterApi,
    private readonly logger: Logger,
  ) {}

  /** Creates the plan in order; `stillWanted` lets an async job stop when the instance is being deleted. */
  async create(instanceId: string, plan: readonly KubeObject[], stillWanted: () => boolean = () => true): Promise<Result<ObjectRef[]>> {
    const created: ObjectRef[] = [];
    for (const object of plan) {
      const outcome = stillWanted()
        ? await this.createOne(instanceId, object)
        : err(domainError('ConcurrencyError', 'provisioning was cancelled by a deprovision'));
      if (!outcome.ok) {
        await this.rollback(instanceId, created, outcome.error);
        return outcome;
      }
      if (outcome.value === 'created') created.push(refOf(object));
    }
    return ok(plan.map(refOf));
  }

  /** Deletes this instance's objects: the planned ones in reverse order, then any other labelled leftover. */
  async remove(instanceId: string, refs: readonly ObjectRef[]): Promise<Result<void>> {
    const owned = await this.listOwned(instanceId, refs);
    if (!owned.ok) return owned;
    const planned = [...refs].reverse().filter((ref) => owned.value.delete(keyOf(ref)));
    for (const ref of [...planned, ...owned.value.values()]) {
      const deleted = await this.cluster.delete(ref);
      if (!deleted.ok) return deleted;
    }
    return ok(undefined);
  }

  private async createOne(instanceId: string, object: KubeObject): Promise<Result<'created' | 'adopted'>> {
    const created = await this.cluster.create(object);
    if (created.ok) return ok('created');
    if (created.error.kind !== 'ObjectsExist') return created;
    const existing = await this.cluster.get(refOf(object));
    if (existing.ok && existing.value && ownedBy(existing.value, instanceId)) return ok('adopted');
    return err(domainError('ObjectsExist', `${describeRef(refOf(object))} already exists and does not belong to this instance`));
  }

  private async rollback(instanceId: string, created: readonly ObjectRef[], cause: DomainError): Promise<void> {
    this.logger.warn('provision failed, rolling back', { instanceId, reason: cause.message, created: created.length });
    const removed = await this.remove(instanceId, created);
    if (!removed.ok) this.logger.error('rollback incomplete', { instanceId, reason: removed.error.message });
  }

  /** Everything labelled as this instance's, in the namespaces and kinds the refs name. */
  private async listOwned(instanceId: string, refs: readonly ObjectRef[]): Promise<Result<Map<string, ObjectRef>>> {
    const places = new Map<string, { kind: SupportedKind; namespace: string }>();
    for (const ref of refs) places.set(`${ref.kind}/${ref.namespace}`, { kind: ref.kind, namespace: ref.namespace });
    const owned = new Map<string, ObjectRef>();
    for (const { kind, namespace } of places.values()) {
      const listed = await this.cluster.list(kind, namespace, instanceSelector(instanceId));
      if (!listed.ok) return listed;
      for (const object of listed.value) owned.set(keyOf(refOf(object)), refOf(object));
    }
    return ok(owned);
  }
}

const keyOf = (ref: ObjectRef): string => `${ref.kind}/${ref.namespace}/${ref.name}`;
