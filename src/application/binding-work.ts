/**
 * The work of a binding that outlives one request, shared by the bind job,
 * binding last_operation polls and the binding reconciler, so whoever holds
 * the instance's lock next simply runs it again: create an asynchronous
 * bind's objects, judge when they are ready (or failed, removed again), and
 * remove what an unbind left. Like an instance's readiness
 * (instance-readiness.ts), no process has to stay alive to watch objects:
 * a poll or a reconciler pass looks at them.
 */
import { applyBindingEvent, pendingBindingWork, type BindingEvent } from '../domain/binding-lifecycle.js';
import { planBindingResources } from '../domain/binding-plan.js';
import { domainError } from '../domain/errors.js';
import { describeRef, refOf, sameRef, type KubeObject, type ObjectRef } from '../domain/kube-object.js';
import { readinessOf, takesTime } from '../domain/readiness.js';
import { bindingStatus, type BindingOperation, type BindingRecord, type InstanceRecord } from '../domain/records.js';
import { err, ok, type Result } from '../domain/result.js';
import type { BindingCredentials } from './binding-credentials.js';
import { releaseBinding, removeBindingObjects } from './binding-objects.js';
import type { CatalogService } from './catalog-service.js';
import { tryInstanceLock } from './instance-lock.js';
import type { InstanceObjects } from './instance-objects.js';
import type { InstanceRecords } from './instance-records.js';
import type { ClusterApi } from './ports/cluster-api.js';
import type { Logger } from './ports/logger.js';
import type { StateStore } from './ports/state-store.js';
import type { BrokerSettings, Runtime } from './settings.js';
import type { TemplateFacts } from './template-facts.js';

/** What a transition came to: the record as written, forgotten, or not applied (another operation has the binding). */
export type Transition = BindingRecord | 'gone' | 'superseded';

export class BindingWork {
  constructor(
    private readonly store: StateStore,
    private readonly cluster: ClusterApi,
    private readonly objects: InstanceObjects,
    private readonly records: InstanceRecords,
    private readonly credentials: BindingCredentials,
    private readonly catalog: CatalogService,
    private readonly templateFacts: TemplateFacts,
    private readonly logger: Logger,
    private readonly settings: BrokerSettings,
    private readonly runtime: Runtime,
  ) {}

  newOperation(type: BindingOperation['type']): BindingOperation {
    return { id: this.runtime.newId(), type, state: 'in progress', startedAt: this.runtime.now().toISOString() };
  }

  /**
   * Moves the binding through a lifecycle transition on behalf of the
   * operation `seen` carried (none for synchronous work), reading it again
   * first. The caller holds the instance's lock.
   */
  async transition(seen: BindingRecord, event: BindingEvent): Promise<Result<Transition>> {
    const stored = await this.store.getBinding(seen.instanceId, seen.id);
    if (!stored.ok) return stored;
    const current = stored.value;
    if (!current || current.operation?.id !== seen.operation?.id) return ok('superseded');
    const next = applyBindingEvent(current, event, this.runtime.now().toISOString());
    if (next === undefined) return ok('superseded');
    const written = next === 'gone' ? await this.store.deleteBinding(current.instanceId, current.id) : await this.store.putBinding(next);
    return written.ok ? ok(next) : written;
  }

  /** The bind job: creates the planned objects, then judges them once (ready at once when nothing needs waiting). */
  async create(intent: BindingRecord, plan: readonly KubeObject[], stillWanted: () => boolean): Promise<Result<void>> {
    const created = await this.objects.create(intent.instanceId, plan, stillWanted);
    // The lock was lost: whoever holds the instance now finds the intent and finishes it.
    if (!stillWanted()) return ok(undefined);
    if (!created.ok) {
      this.logger.warn('bind failed', { instanceId: intent.instanceId, bindingId: intent.id, reason: created.error.message });
      const failed = await this.transition(intent, { type: 'bindFailed', reason: created.error.message, objects: created.error.rolledBack ? [] : intent.objects ?? [] });
      return failed.ok ? ok(undefined) : failed;
    }
    const started = await this.transition(intent, { type: 'objectsCreated', objects: created.value });
    if (!started.ok || typeof started.value === 'string') return started.ok ? ok(undefined) : started;
    return this.settleLocked(started.value);
  }

  /**
   * For a poll: when nobody holds the instance's lock, takes it once and
   * moves the binding on if it is still where `seen` was. A held lock means
   * someone is working on it: the poll changes nothing.
   */
  async settle(seen: BindingRecord): Promise<Result<void>> {
    const lock = await tryInstanceLock(this.store, this.settings, seen.instanceId);
    if (!lock.ok || !lock.value) return lock.ok ? ok(undefined) : lock;
    try {
      const current = await this.store.getBinding(seen.instanceId, seen.id);
      if (!current.ok) return current;
      const now = current.value;
      const same = now !== undefined && bindingStatus(now) === bindingStatus(seen) && now.operation?.id === seen.operation?.id;
      return same ? await this.settleLocked(now) : ok(undefined);
    } finally {
      await lock.value.release();
    }
  }

  /** What a starting or unbinding binding owes, under the caller's lock. */
  async settleLocked(binding: BindingRecord): Promise<Result<void>> {
    switch (bindingStatus(binding)) {
      case 'starting': return this.judge(binding);
      case 'unbinding': return this.removeRest(binding);
      default: return ok(undefined);
    }
  }

  /** Finishes what an unattended binding owes (its worker died), under the caller's lock `held`. */
  async resumeLocked(binding: BindingRecord, held: () => boolean): Promise<Result<void>> {
    switch (pendingBindingWork(binding)) {
      case 'create': return this.resumeCreate(binding, held);
      case 'rollback': return this.rollBack(binding);
      case 'settle':
      case 'remove': return this.settleLocked(binding);
      case 'cleanup': return this.cleanUp(binding);
      case undefined: return ok(undefined);
    }
  }

  /** Ready once every slow object is and the credentials can be read; failed (and removed) when one fails or past the timeout. */
  private async judge(binding: BindingRecord): Promise<Result<void>> {
    const instance = await this.records.read(binding.instanceId);
    if (!instance.ok) return instance;
    if (!instance.value || instance.value.status === 'gone') return this.fail(binding, 'the instance is gone');
    const pending = await this.notReady((binding.objects ?? []).filter((ref) => takesTime(ref)));
    if (!pending.ok) return pending;
    if (typeof pending.value === 'string') return this.fail(binding, pending.value);
    const waiting = pending.value.length > 0 ? ok(pending.value.map(describeRef)) : await this.credentialsPending(instance.value, binding);
    if (!waiting.ok) return waiting;
    if (waiting.value.length === 0) {
      const done = await this.transition(binding, { type: 'becameReady', description: 'all objects are ready' });
      if (done.ok) this.logger.info('bind succeeded', { instanceId: binding.instanceId, bindingId: binding.id });
      return done.ok ? ok(undefined) : done;
    }
    const age = this.runtime.now().getTime() - Date.parse(binding.operation?.startedAt ?? binding.createdAt);
    if (age <= this.settings.readinessTimeoutMs) return ok(undefined);
    return this.fail(binding, `not ready within ${this.settings.readinessTimeoutMs / 1000}s: ${waiting.value.join(', ')}`);
  }

  private async credentialsPending(instance: InstanceRecord, binding: BindingRecord): Promise<Result<string[]>> {
    const pending = await this.credentials.pending(instance, binding);
    return pending.ok ? ok(pending.value === undefined ? [] : [pending.value]) : pending;
  }

  /** The slow objects not ready yet, or why one never will be (gone, or failed by its controller's own account). */
  private async notReady(refs: readonly ObjectRef[]): Promise<Result<ObjectRef[] | string>> {
    const pending: ObjectRef[] = [];
    for (const ref of refs) {
      const object = await this.cluster.get(ref);
      if (!object.ok) return object;
      if (!object.value) return ok(`${describeRef(ref)} was deleted while binding`);
      const readiness = readinessOf(object.value);
      if (readiness.state === 'failed') return ok(`${describeRef(ref)}: ${readiness.reason}`);
      if (readiness.state !== 'ready') pending.push(ref);
    }
    return ok(pending);
  }

  /** A failed bind leaves nothing behind: remove what it made, then record why (and what is left, if anything). */
  private async fail(binding: BindingRecord, reason: string): Promise<Result<void>> {
    const removed = await removeBindingObjects(this.objects, binding);
    const left = removed.ok ? removed.value : binding.objects ?? [];
    const failed = await this.transition(binding, { type: 'bindFailed', reason, objects: left });
    this.logger.warn('bind failed', { instanceId: binding.instanceId, bindingId: binding.id, reason });
    return failed.ok ? ok(undefined) : failed;
  }

  /** Removes what is left of an unbinding binding and forgets it once nothing is. */
  private async removeRest(binding: BindingRecord): Promise<Result<void>> {
    const left = await this.release(binding, true);
    if (!left.ok) {
      await this.transition(binding, { type: 'stillRemoving', reason: `retrying: ${left.error.message}` });
      return left;
    }
    const event: BindingEvent = left.value.length > 0
      ? { type: 'stillRemoving', reason: `waiting until ${left.value.map(describeRef).join(', ')} are gone` }
      : { type: 'removed' };
    const done = await this.transition(binding, event);
    if (done.ok && done.value === 'gone') this.logger.info('binding removed', { instanceId: binding.instanceId, bindingId: binding.id });
    return done.ok ? ok(undefined) : done;
  }

  /**
   * Creates what an interrupted asynchronous bind had not created yet (its
   * generated values derive from the ids: the same render again), if the
   * entry still renders exactly the recorded plan; otherwise the bind fails
   * and what exists is removed.
   */
  private async resumeCreate(binding: BindingRecord, held: () => boolean): Promise<Result<void>> {
    const instance = await this.records.read(binding.instanceId);
    if (!instance.ok) return instance;
    const entry = this.catalog.findPlan(binding.serviceId, binding.planId);
    const templates = this.catalog.catalog().templates;
    const facts = entry && instance.value ? await this.templateFacts.ofBinding(entry, templates, instance.value, binding.id) : undefined;
    if (facts?.ok === false) return facts; // the generation key cannot be read now: retry rather than give up
    const plan = entry && facts?.ok ? planBindingResources(entry, templates, facts.value) : undefined;
    const recorded = binding.objects ?? [];
    const same = plan?.ok === true && plan.value.length === recorded.length && plan.value.every((object, i) => sameRef(refOf(object), recorded[i]!));
    if (!plan?.ok || !same) return this.fail(binding, 'binding was interrupted and its plan has changed since; bind again');
    return this.create(binding, plan.value, held);
  }

  /** Revokes the binding's lease and removes its objects (releaseBinding); answers the objects still there. */
  release(binding: BindingRecord, everything = false): Promise<Result<ObjectRef[]>> {
    return releaseBinding(this.objects, this.credentials, binding, everything);
  }

  /** An expired binding: its lease revoked and objects removed, the record kept as revoked (retried while any is left). */
  async revokeLocked(binding: BindingRecord): Promise<Result<void>> {
    const left = await this.release(binding, true);
    if (!left.ok) return left;
    if (left.value.length > 0) return err(domainError('Unavailable', `${left.value.map(describeRef).join(', ')} still terminating`));
    const done = await this.transition(binding, { type: 'expired' });
    if (done.ok && typeof done.value !== 'string') this.logger.info('binding expired, revoked', { instanceId: binding.instanceId, bindingId: binding.id, expiresAt: binding.expiresAt });
    return done.ok ? ok(undefined) : done;
  }

  /** A synchronous bind interrupted before it answered: the platform never got its 201, so undo it. */
  private async rollBack(binding: BindingRecord): Promise<Result<void>> {
    const left = await this.release(binding, true);
    if (!left.ok) return left;
    if (left.value.length === 0) return this.store.deleteBinding(binding.instanceId, binding.id);
    const removing = await this.transition(binding, { type: 'unbindStarted' });
    return removing.ok ? ok(undefined) : removing;
  }

  private async cleanUp(binding: BindingRecord): Promise<Result<void>> {
    const left = await removeBindingObjects(this.objects, binding, true);
    if (!left.ok) return left;
    if (left.value.length > 0) return err(domainError('Unavailable', `${left.value.map(describeRef).join(', ')} still terminating`));
    const done = await this.transition(binding, { type: 'leftoversRemoved' });
    return done.ok ? ok(undefined) : done;
  }
}
