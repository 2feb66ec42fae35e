/**
 * Creating and removing a dedicated instance's objects so that nothing is
 * ever left half-made: creation rolls back in reverse order on any failure;
 * removal deletes in reverse order and treats NotFound as done. An instance
 * of a Helm entry owns a release instead, whose objects helm makes and
 * removes (instance-release.ts): make() and removeInstance() take either.
 *
 * Ownership is the uid the API server gave an object when we created it.
 * Removal deletes a recorded object only with that uid as a precondition,
 * so an object someone else made under the same name is never touched, and
 * it costs one request per object. Labels only help find what a crash left
 * unrecorded: for planned refs without a uid (the create's answer was never
 * recorded), one labelled list per kind finds the objects that carry this
 * instance's labels, and those are deleted by their uid.
 *
 * Creation does not GET each object first: the apiserver's AlreadyExists on
 * create is the atomic form of that check (a pre-check would race and double
 * the API requests). On AlreadyExists we look once: an object already
 * labelled as ours is adopted (a resumed operation made it), anyone else's
 * makes the whole plan fail and roll back.
 */
import { domainError, type DomainError } from '../domain/errors.js';
import { describeRef, ownedRefOf, refOf, type KubeObject, type ObjectRef, type ObjectType } from '../domain/kube-object.js';
import { instanceSelector, ownedBy } from '../domain/resource-plan.js';
import { err, ok, type Result } from '../domain/result.js';
import type { InstancePlan } from '../domain/instance-plan.js';
import type { InstanceRecord, ReleaseRecord } from '../domain/records.js';
import { InstanceRelease } from './instance-release.js';
import type { ClusterApi } from './ports/cluster-api.js';
import type { HelmReleases } from './ports/helm-releases.js';
import type { Logger } from './ports/logger.js';

export type CreateFailure = DomainError & { readonly rolledBack: boolean };

export class InstanceObjects {
  /** The helm side: an instance of a Helm entry owns a release, whose objects Helm makes. */
  readonly release: InstanceRelease;

  /** Without `releases` (no helm), Helm entries fail to provision with an Infrastructure error. */
  constructor(
    private readonly cluster: ClusterApi,
    private readonly logger: Logger,
    releases?: HelmReleases,
  ) {
    this.release = new InstanceRelease(releases, cluster, logger);
  }

  /**
   * Makes an instance's plan: its objects created in order, or its release
   * installed; either way the objects with their uids. A failure says
   * whether everything made is gone again (`rolledBack`).
   */
  async make(instanceId: string, plan: InstancePlan, stillWanted: () => boolean = () => true): Promise<Result<{ objects: ObjectRef[]; release?: ReleaseRecord }, CreateFailure>> {
    if (plan.kind === 'objects') {
      const created = await this.create(instanceId, plan.objects, stillWanted);
      return created.ok ? ok({ objects: created.value }) : created;
    }
    if (!stillWanted()) return err({ ...domainError('ConcurrencyError', 'provisioning stopped: a deprovision cancelled it, or the instance lock was lost'), rolledBack: false });
    return this.release.install(plan.spec);
  }

  /**
   * Removes everything an instance owns: its release uninstalled first
   * (Helm deletes the release's objects and its history), then its
   * objects as remove() does. Answers the objects still terminating.
   */
  async removeInstance(instance: Pick<InstanceRecord, 'id' | 'objects' | 'release'>): Promise<Result<ObjectRef[]>> {
    if (instance.release !== undefined) {
      const uninstalled = await this.release.uninstall(instance.release);
      if (!uninstalled.ok) return uninstalled;
    }
    return this.remove(instance.id, instance.objects);
  }

  /**
   * Creates the plan in order and answers the refs with their uids;
   * `stillWanted` lets a job stop when the instance is being deleted or its
   * lock was lost. On failure the error says whether the rollback removed
   * everything (`rolledBack`): when it did not, objects may remain and the
   * record must keep listing them.
   */
  async create(instanceId: string, plan: readonly KubeObject[], stillWanted: () => boolean = () => true): Promise<Result<ObjectRef[], CreateFailure>> {
    const made: ObjectRef[] = [];
    for (const object of plan) {
      const outcome = stillWanted()
        ? await this.createOne(instanceId, object)
        : err(domainError('ConcurrencyError', 'provisioning stopped: a deprovision cancelled it, or the instance lock was lost'));
      if (!outcome.ok) {
        // Cancelled: the canceller removes what exists; rolling back here would race it.
        const rolledBack = stillWanted() ? await this.rollback(instanceId, made, outcome.error) : false;
        return err({ ...outcome.error, rolledBack });
      }
      made.push(outcome.value);
    }
    return ok(made);
  }

  /** Deletes this instance's objects in reverse order: recorded ones by uid, unrecorded ones found by label. */
  /** Answers the objects still terminating (a finalizer, a graceful Pod, a workload waiting for its Pods). */
  async remove(instanceId: string, refs: readonly ObjectRef[]): Promise<Result<ObjectRef[]>> {
    const unrecorded = refs.filter((ref) => ref.uid === undefined);
    const found = unrecorded.length > 0 ? await this.findLabelled(instanceId, unrecorded) : ok(new Map<string, ObjectRef>());
    if (!found.ok) return found;
    const targets = [...refs].reverse().flatMap((ref) => {
      if (ref.uid !== undefined) return [ref];
      const labelled = found.value.get(keyOf(ref));
      found.value.delete(keyOf(ref));
      return labelled ? [labelled] : [];
    });
    // Labelled leftovers of the same kinds that no ref names (a plan that changed under a crash).
    const terminating: ObjectRef[] = [];
    for (const ref of [...targets, ...found.value.values()]) {
      const deleted = await this.cluster.delete(ref);
      if (!deleted.ok) return deleted;
      if (deleted.value === 'terminating') terminating.push(ref);
    }
    return ok(terminating);
  }

  /**
   * Those of `refs` that still exist as objects this instance made: the
   * recorded uid, or (no uid recorded) the instance's labels. Another object
   * under the name does not count and is never touched.
   */
  async remaining(instanceId: string, refs: readonly ObjectRef[]): Promise<Result<(ObjectRef & { readonly terminating: boolean })[]>> {
    const left: (ObjectRef & { readonly terminating: boolean })[] = [];
    for (const ref of refs) {
      const found = await this.cluster.get(ref);
      if (!found.ok) return found;
      const object = found.value;
      const ours = object !== undefined && (ref.uid !== undefined ? object.metadata['uid'] === ref.uid : ownedBy(object, instanceId));
      if (ours) left.push({ ...ownedRefOf(object), terminating: object.metadata['deletionTimestamp'] !== undefined });
    }
    return ok(left);
  }

  /** Deletes those of `found` not already being deleted (their worker died before it got to them). */
  async deleteUnlessTerminating(found: readonly (ObjectRef & { readonly terminating: boolean })[]): Promise<Result<void>> {
    for (const { terminating, ...ref } of [...found].reverse()) {
      if (terminating) continue;
      const deleted = await this.cluster.delete(ref);
      if (!deleted.ok) return deleted;
    }
    return ok(undefined);
  }

  private async createOne(instanceId: string, object: KubeObject): Promise<Result<ObjectRef>> {
    const created = await this.cluster.create(object);
    if (created.ok) return ok(ownedRefOf(created.value));
    if (created.error.kind !== 'ObjectsExist') return created;
    const existing = await this.cluster.get(refOf(object));
    if (existing.ok && existing.value && ownedBy(existing.value, instanceId)) return ok(ownedRefOf(existing.value));
    return err(domainError('ObjectsExist', `${describeRef(refOf(object))} already exists and does not belong to this instance`));
  }

  /** True when everything made is gone again. */
  private async rollback(instanceId: string, made: readonly ObjectRef[], cause: DomainError): Promise<boolean> {
    this.logger.warn('provision failed, rolling back', { instanceId, reason: cause.message, created: made.length });
    const removed = await this.remove(instanceId, made);
    if (!removed.ok) this.logger.error('rollback incomplete', { instanceId, reason: removed.error.message });
    return removed.ok;
  }

  /** Objects labelled as this instance's, in the namespaces and kinds of `refs`, with their uids. */
  private async findLabelled(instanceId: string, refs: readonly ObjectRef[]): Promise<Result<Map<string, ObjectRef>>> {
    const places = new Map<string, { type: ObjectType; namespace: string }>();
    for (const ref of refs) places.set(keyOf({ ...ref, name: '' }), { type: { apiVersion: ref.apiVersion, kind: ref.kind }, namespace: ref.namespace });
    const owned = new Map<string, ObjectRef>();
    for (const { type, namespace } of places.values()) {
      const listed = await this.cluster.list(type, namespace, instanceSelector(instanceId));
      if (!listed.ok) return listed;
      for (const object of listed.value) if (ownedBy(object, instanceId)) owned.set(keyOf(refOf(object)), ownedRefOf(object));
    }
    return ok(owned);
  }
}

/** One object whatever version it is read at: the group, not the apiVersion, is part of its identity. */
const keyOf = (ref: ObjectRef): string => `${ref.apiVersion.split('/').slice(0, -1).join('/')}/${ref.kind}/${ref.namespace}/${ref.name}`;
