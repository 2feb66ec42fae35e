/**
 * The part of Bind for entries whose bindings have objects of their own
 * (say a Secret with a generated password and the user that accepts it).
 * Their intent is recorded first (status `binding`, the planned refs), then
 * they are created, then the record is ready with their uids; a bind that
 * fails rolls back, and a synchronous one interrupted by a crash is rolled
 * back by the binding reconciler (the platform never got its 201 and
 * retries).
 *
 * When those objects need time to become ready (a Job, a custom resource,
 * a credential Secret an operator writes), the bind is asynchronous (OSB
 * 2.14): with accepts_incomplete it answers 202 and a job holding the
 * instance lock creates them, as an async provision does; readiness is
 * judged when the platform polls the binding's last_operation, or by the
 * reconciler (binding-work.ts). Without accepts_incomplete it is refused
 * (422 AsyncRequired) before anything is written.
 */
import { applyBindingEvent, isBinding } from '../domain/binding-lifecycle.js';
import { bindingCredentialRef, bindingWaitsFor, planBindingResources } from '../domain/binding-plan.js';
import type { CatalogEntry } from '../domain/catalog-entry.js';
import { domainError } from '../domain/errors.js';
import { describeRef, refOf, type KubeObject } from '../domain/kube-object.js';
import { bindingStatus, sameBinding, type BindingRecord, type InstanceRecord } from '../domain/records.js';
import { err, ok, type Result } from '../domain/result.js';
import type { BindingAnswer, BindingCredentials } from './binding-credentials.js';
import { bindingMetadata, removeBindingObjects } from './binding-objects.js';
import type { BindingWork } from './binding-work.js';
import type { CatalogService } from './catalog-service.js';
import type { HeldLock } from './instance-lock.js';
import type { InstanceObjects } from './instance-objects.js';
import type { OperationJobs } from './operation-jobs.js';
import type { Logger } from './ports/logger.js';
import type { StateStore } from './ports/state-store.js';
import type { BindRequest } from './requests.js';
import type { Runtime } from './settings.js';
import type { TemplateFacts } from './template-facts.js';

export type BindAnswer =
  | (BindingAnswer & { readonly outcome: 'created' | 'exists' })
  | { readonly outcome: 'accepted'; readonly operation: string };

/** The lock the bind holds, and how to hand it over to a job. */
export interface HeldForBind {
  readonly lock: HeldLock;
  readonly keep: () => void;
}

export class BindWithObjects {
  constructor(
    private readonly catalog: CatalogService,
    private readonly store: StateStore,
    private readonly credentials: BindingCredentials,
    private readonly objects: InstanceObjects,
    private readonly templateFacts: TemplateFacts,
    private readonly work: BindingWork,
    private readonly jobs: OperationJobs,
    private readonly logger: Logger,
    private readonly runtime: Runtime,
  ) {}

  /** Under the instance lock: recorded as intent, created (now or by a job), then recorded with their uids. */
  async bind(request: BindRequest, entry: CatalogEntry, instance: InstanceRecord, wanted: BindingRecord, held: HeldForBind): Promise<Result<BindAnswer>> {
    const existing = await this.store.getBinding(wanted.instanceId, wanted.id);
    if (!existing.ok) return existing;
    // A failed attempt is replaced by a new one, like a failed provision.
    const failed = existing.value && bindingStatus(existing.value) === 'failed' ? existing.value : undefined;
    if (existing.value && !failed) return this.answerRepeat(entry, instance, existing.value, wanted, request.acceptsIncomplete === true);
    const predecessor = await checkPredecessor(this.store, request);
    if (!predecessor.ok) return predecessor;
    const templates = this.catalog.catalog().templates;
    const facts = await this.templateFacts.ofBinding(entry, templates, instance, wanted.id);
    if (!facts.ok) return facts;
    const plan = planBindingResources(entry, templates, facts.value);
    if (!plan.ok) return plan;
    const ref = instance.pinned ? bindingCredentialRef(instance.pinned.credentials, facts.value) : ok(undefined);
    if (!ref.ok) return ref;
    const waits = bindingWaitsFor(plan.value, ref.value);
    if (waits !== undefined && request.acceptsIncomplete !== true) {
      return err(domainError('AsyncRequired', `this plan's bindings wait for ${waits}: send accepts_incomplete=true`));
    }
    if (failed) {
      const cleared = await this.clearFailed(failed);
      if (!cleared.ok) return cleared;
    }
    const operation = waits !== undefined ? { operation: this.work.newOperation('bind') } : {};
    const intent: BindingRecord = { ...wanted, status: 'binding', objects: plan.value.map(refOf), ...(ref.value ? { credentials: ref.value } : {}), ...operation };
    const written = await this.store.putBinding(intent);
    if (!written.ok) return written;
    if (waits === undefined) return this.createNow(entry, instance, intent, plan.value, held.lock);
    held.keep();
    return this.startInBackground(intent, plan.value, held.lock);
  }

  /** Hands the lock to a job that creates the objects; the platform polls last_operation meanwhile. */
  private startInBackground(intent: BindingRecord, plan: readonly KubeObject[], lock: HeldLock): Result<BindAnswer> {
    const { instanceId, id: bindingId } = intent;
    this.logger.info('creating binding objects', { instanceId, bindingId, objects: plan.length, async: true });
    this.jobs.start(`binding/${instanceId}/${bindingId}`, async (signal) => {
      try {
        const done = await this.work.create(intent, plan, () => !signal.aborted && lock.held);
        if (!done.ok) this.logger.warn('bind job incomplete, the reconciler finishes it', { instanceId, bindingId, reason: done.error.message });
      } finally {
        await lock.release();
      }
    }, (crash) => this.logger.error('bind job crashed', { instanceId, bindingId, error: String(crash) }));
    return ok({ outcome: 'accepted', operation: intent.operation!.id });
  }

  /** What a failed attempt could not remove goes before the new attempt is recorded over it. */
  private async clearFailed(failed: BindingRecord): Promise<Result<void>> {
    const left = await removeBindingObjects(this.objects, failed, true);
    if (!left.ok) return left;
    if (left.value.length === 0) return ok(undefined);
    return err(domainError('ConcurrencyError', `binding ${failed.id} failed and ${left.value.map(describeRef).join(', ')} is still being removed`));
  }

  /** A synchronous bind: created within the request, ready with the uids, or rolled back. */
  private async createNow(entry: CatalogEntry, instance: InstanceRecord, intent: BindingRecord, plan: readonly KubeObject[], lock: HeldLock): Promise<Result<BindAnswer>> {
    const created = await this.objects.create(intent.instanceId, plan, () => lock.held);
    if (!created.ok) {
      // Rolled back: a 4xx/5xx leaves no state. Not rolled back: the intent stays for the reconciler to finish removing.
      if (created.error.rolledBack) await this.store.deleteBinding(intent.instanceId, intent.id);
      return err({ kind: created.error.kind, message: created.error.message });
    }
    const now = this.runtime.now().toISOString();
    const ready = applyBindingEvent(intent, { type: 'becameReady', objects: created.value }, now) as BindingRecord;
    const answer = await this.credentials.derive(this.catalog.catalog(), entry, instance, ready);
    if (!answer.ok) {
      const removed = await removeBindingObjects(this.objects, ready);
      if (removed.ok && removed.value.length === 0) await this.store.deleteBinding(intent.instanceId, intent.id);
      else await this.store.putBinding(applyBindingEvent(ready, { type: 'unbindStarted' }, now) as BindingRecord);
      return answer;
    }
    const written = await this.store.putBinding(ready);
    return written.ok ? ok({ ...answer.value, ...metadataOf(ready), outcome: 'created' }) : written;
  }

  /** The same binding id again: identical and ready answers as before, identical and still being made 202; anything else is refused. */
  private async answerRepeat(
    entry: CatalogEntry, instance: InstanceRecord, existing: BindingRecord, wanted: BindingRecord, acceptsIncomplete: boolean,
  ): Promise<Result<BindAnswer>> {
    if (!sameBinding(existing, wanted)) return err(domainError('Conflict', `binding ${wanted.id} already exists with different attributes`));
    const status = bindingStatus(existing);
    if (status === 'revoked') return err(domainError('Conflict', `binding ${wanted.id} expired and was revoked: unbind it and bind again under a new id`));
    if (isBinding(existing) && acceptsIncomplete && existing.operation?.type === 'bind') return ok({ outcome: 'accepted', operation: existing.operation.id });
    if (status !== 'ready') return err(domainError('ConcurrencyError', `binding ${wanted.id} is ${isBinding(existing) ? 'being created' : 'being removed'}`));
    const answer = await this.credentials.derive(this.catalog.catalog(), entry, instance, existing);
    return answer.ok ? ok({ ...answer.value, ...metadataOf(existing), outcome: 'exists' }) : answer;
  }

}

/** A rotation's predecessor must be a live binding of the same instance. */
export async function checkPredecessor(store: StateStore, request: BindRequest): Promise<Result<void>> {
  if (request.predecessorBindingId === undefined) return ok(undefined);
  const found = await store.getBinding(request.instanceId, request.predecessorBindingId);
  if (!found.ok) return found;
  const status = found.value ? bindingStatus(found.value) : undefined;
  if (status === undefined || status === 'revoked' || status === 'unbinding' || status === 'failed') {
    return err(domainError('InvalidRequest', `predecessor_binding_id ${request.predecessorBindingId} names no live binding of instance ${request.instanceId}`));
  }
  return ok(undefined);
}

/** The OSB binding metadata (expires_at, renew_before) of an answer, when the binding has any. */
export function metadataOf(record: BindingRecord): { metadata?: NonNullable<BindingAnswer['metadata']> } {
  const metadata = bindingMetadata(record);
  return metadata ? { metadata } : {};
}
