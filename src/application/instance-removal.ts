/**
 * The work of a deprovisioning instance, shared by the deprovision job, the
 * reconciler and last_operation: delete every object, wait until the ones
 * that take time (a Deployment and its Pods) are really gone, forget the
 * bindings, then leave a tombstone. Every step is idempotent, so whoever
 * holds the instance's lock next simply runs it again. A failure leaves the
 * record deprovisioning, to be retried: an accepted delete is finished,
 * never given up.
 */
import { describeRef, type ObjectRef } from '../domain/kube-object.js';
import { bindingStatus, type BindingRecord, type InstanceRecord } from '../domain/records.js';
import { ok, type Result } from '../domain/result.js';
import type { BindingCredentials } from './binding-credentials.js';
import { releaseBinding } from './binding-objects.js';
import { ifStillUnlocked } from './instance-lock.js';
import type { InstanceObjects } from './instance-objects.js';
import type { InstanceRecords } from './instance-records.js';
import type { Logger } from './ports/logger.js';
import type { StateStore } from './ports/state-store.js';
import type { BrokerSettings } from './settings.js';

export class InstanceRemoval {
  constructor(
    private readonly store: StateStore,
    private readonly records: InstanceRecords,
    private readonly objects: InstanceObjects,
    private readonly logger: Logger,
    private readonly settings: BrokerSettings,
    /** Revokes the Vault leases of bindings it forgets. */
    private readonly leases?: Pick<BindingCredentials, 'revokeLease'>,
  ) {}

  /**
   * Deletes everything, then finishes if nothing is left. The caller holds
   * the instance's lock. A first pass watches what the server said is still
   * terminating (finalizers, Pods); a resumed pass (`resumed`) looks at every
   * object, because a repeated delete of a terminating object answers as if
   * it were gone. So does a release's removal: helm uninstall has deleted
   * its objects (in the background) before the broker's own deletes repeat it.
   */
  async removeEverything(record: InstanceRecord, resumed = false): Promise<Result<void>> {
    const removed = await this.objects.removeInstance(record);
    if (!removed.ok) return this.retryLater(record, removed.error.message, removed);
    return this.finishWhenGone(record, resumed || record.release !== undefined ? record.objects : removed.value);
  }

  /**
   * For a poll of a deprovisioning instance: when nobody is working on it,
   * finish it if its objects are gone by now. Tried once; a held lock means
   * someone is.
   */
  async settle(record: InstanceRecord): Promise<Result<void>> {
    // Its worker may have died before deleting anything: look at every object, not just the slow ones,
    // and uninstall its release (idempotent) so that no release storage outlives the instance.
    return ifStillUnlocked(this.store, this.settings, this.records.read, record, async (current) => {
      const uninstalled = current.release !== undefined ? await this.objects.release.uninstall(current.release) : ok(undefined);
      if (!uninstalled.ok) return this.retryLater(current, uninstalled.error.message, uninstalled);
      return this.finishWhenGone(current, current.objects);
    });
  }

  /** Finishes when none of `watched` is left; deletes again any of them not yet terminating. */
  private async finishWhenGone(record: InstanceRecord, watched: readonly ObjectRef[]): Promise<Result<void>> {
    const remaining = await this.objects.remaining(record.id, watched);
    if (!remaining.ok) return this.retryLater(record, remaining.error.message, remaining);
    const undeleted = await this.objects.deleteUnlessTerminating(remaining.value);
    if (!undeleted.ok) return this.retryLater(record, undeleted.error.message, undeleted);
    if (remaining.value.length > 0) {
      const waiting = `waiting until ${remaining.value.map(describeRef).join(', ')} and what belongs to it are gone`;
      await this.records.apply(record.id, record.operation.id, { type: 'stillRemoving', reason: waiting });
      return ok(undefined);
    }
    const forgotten = await this.forgetBindings(record.id);
    if (!forgotten.ok) return this.retryLater(record, forgotten.error.message, forgotten);
    if (forgotten.value.length > 0) {
      const waiting = `waiting until ${forgotten.value.map(describeRef).join(', ')} of its bindings are gone`;
      await this.records.apply(record.id, record.operation.id, { type: 'stillRemoving', reason: waiting });
      return ok(undefined);
    }
    // The record stays as a tombstone so late polls of last_operation get 410 Gone.
    const done = await this.records.apply(record.id, record.operation.id, { type: 'removed' });
    if (done.ok) this.logger.info('instance deprovisioned', { instanceId: record.id, objects: record.objects.length });
    return done.ok ? ok(undefined) : done;
  }

  private async retryLater<T>(record: InstanceRecord, reason: string, failure: Result<T>): Promise<Result<T>> {
    await this.records.apply(record.id, record.operation.id, { type: 'stillRemoving', reason: `retrying: ${reason}` });
    this.logger.warn('deprovision incomplete, will retry', { instanceId: record.id, reason });
    return failure;
  }

  /**
   * Removes every binding's own objects and forgets the binding; used by the
   * synchronous path too. A binding whose objects are still terminating is
   * kept (unbinding) and its objects answered: the caller waits for them.
   */
  async forgetBindings(instanceId: string): Promise<Result<ObjectRef[]>> {
    const bindings = await this.store.listBindings(instanceId);
    if (!bindings.ok) return bindings;
    const left: ObjectRef[] = [];
    for (const binding of bindings.value) {
      const removed = await releaseBinding(this.objects, this.leases, binding, bindingStatus(binding) === 'unbinding');
      if (!removed.ok) return removed;
      const kept = removed.value.length > 0 ? await this.store.putBinding(unbinding(binding)) : await this.store.deleteBinding(instanceId, binding.id);
      if (!kept.ok) return kept;
      left.push(...removed.value);
    }
    return ok(left);
  }
}

/** The binding as one being removed: an operation it had is over with the instance's delete. */
function unbinding(binding: BindingRecord): BindingRecord {
  const { operation: _over, ...rest } = binding;
  return { ...rest, status: 'unbinding' };
}
