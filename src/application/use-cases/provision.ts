/**
 * Provision: check everything, record the intent, create the objects (now,
 * or in the background when the platform accepts incomplete operations), and
 * record the outcome. A failed provision leaves no objects behind.
 */
import type { CatalogEntry } from '../../domain/catalog-entry.js';
import { domainError } from '../../domain/errors.js';
import { isProvisioning, RECORD_SCHEMA, sameProvision, type InstanceRecord } from '../../domain/records.js';
import { checkEntryParameters } from '../../domain/helm-plan.js';
import { applyEvent } from '../../domain/instance-lifecycle.js';
import { isEmptyPlan, planInstance, releaseOf, whyAsync, type InstancePlan } from '../../domain/instance-plan.js';
import { maintenanceVersionOf } from '../../domain/maintenance.js';
import { refOf } from '../../domain/kube-object.js';
import { err, ok, type Result } from '../../domain/result.js';
import type { CatalogService } from '../catalog-service.js';
import { withInstanceLock, type HeldLock } from '../instance-lock.js';
import type { InstanceObjects } from '../instance-objects.js';
import type { InstanceRecords } from '../instance-records.js';
import type { OperationJobs } from '../operation-jobs.js';
import type { Logger } from '../ports/logger.js';
import type { StateStore } from '../ports/state-store.js';
import { checkWhitelisted, consumerNamespace, visibleInView, type ProvisionRequest } from '../requests.js';
import type { BrokerSettings, Runtime } from '../settings.js';
import type { TemplateFacts } from '../template-facts.js';

export type ProvisionAnswer =
  | { readonly outcome: 'created' }
  | { readonly outcome: 'exists' }
  | { readonly outcome: 'accepted'; readonly operation: string };

export class Provision {
  constructor(
    private readonly catalog: CatalogService,
    private readonly store: StateStore,
    private readonly records: InstanceRecords,
    private readonly objects: InstanceObjects,
    private readonly jobs: OperationJobs,
    private readonly logger: Logger,
    private readonly settings: BrokerSettings,
    private readonly runtime: Runtime,
    private readonly templateFacts: TemplateFacts,
  ) {}

  async execute(request: ProvisionRequest): Promise<Result<ProvisionAnswer>> {
    const entry = this.catalog.findPlan(request.serviceId, request.planId);
    if (!entry || !visibleInView(entry, request.caller)) {
      return err(domainError('UnknownPlan', `service ${request.serviceId} has no plan ${request.planId} in this catalog`));
    }
    const namespace = consumerNamespace(request.context, request.caller);
    if (!namespace.ok) return namespace;
    const allowed = checkWhitelisted(entry, namespace.value);
    if (!allowed.ok) return allowed;
    const level = maintenanceVersionOf(entry, this.catalog.catalog().templates);
    if (request.maintenanceVersion !== undefined && request.maintenanceVersion !== level) {
      return err(domainError('MaintenanceInfoConflict', `maintenance_info.version "${request.maintenanceVersion}" is not the plan's ("${level}")`));
    }
    // Checked before anything is written or installed: a consumer learns what is wrong from a 400.
    const accepted = checkEntryParameters(entry, request.parameters);
    if (!accepted.ok) return accepted;
    const record = { ...this.newRecord(request, entry, namespace.value), maintenanceVersion: level };
    const facts = await this.templateFacts.of(entry, this.catalog.catalog().templates, record);
    if (!facts.ok) return facts;
    const rendered = planInstance(entry, this.catalog.catalog().templates, facts.value);
    if (!rendered.ok) return rendered;
    const { plan, pinned } = rendered.value;
    // The instance keeps what it was provisioned with: later edits of the entry change no live instance.
    // A release is named before it is installed, so an interrupted install can be finished or removed.
    const release = releaseOf(plan);
    const planned = { ...record, objects: plan.kind === 'objects' ? plan.objects.map(refOf) : [], ...(release ? { release } : {}), pinned };
    // A repeat of a provision that is still running is answered from the record: its job holds the lock.
    const running = await this.records.get(request.instanceId);
    if (!running.ok) return running;
    if (running.value && isProvisioning(running.value.record) && request.acceptsIncomplete && sameProvision(running.value.record, planned)) {
      return ok({ outcome: 'accepted', operation: running.value.record.operation.id });
    }
    return withInstanceLock(this.store, this.settings, this.runtime, request.instanceId, (lock, keep) =>
      this.provisionLocked(request, planned, plan, lock, keep),
    );
  }

  private async provisionLocked(
    request: ProvisionRequest, record: InstanceRecord, plan: InstancePlan, lock: HeldLock, keepLock: () => void,
  ): Promise<Result<ProvisionAnswer>> {
    const existing = await this.records.get(request.instanceId);
    if (!existing.ok) return existing;
    const previous = existing.value;
    if (previous && previous.record.status !== 'gone' && previous.record.status !== 'failed') {
      return this.answerRepeat(previous.record, record, request.acceptsIncomplete);
    }
    const slow = whyAsync(plan);
    if (slow !== undefined && !request.acceptsIncomplete) {
      // A synchronous success must mean a usable instance; a rollout cannot promise that within one request.
      return err(domainError('AsyncRequired', `${slow}: send accepts_incomplete=true`));
    }
    if (previous?.record.status === 'failed' && (previous.record.objects.length > 0 || previous.record.release !== undefined)) {
      // A failed attempt whose rollback could not finish still owns objects: remove them before its record is replaced.
      const cleared = await this.objects.removeInstance(previous.record);
      if (!cleared.ok) return cleared;
    }
    if (isEmptyPlan(plan)) {
      const ready = applyEvent(record, { type: 'becameReady' }, record.createdAt)!;
      const written = await this.records.put(ready, previous);
      return written.ok ? ok({ outcome: 'created' }) : written;
    }
    const written = await this.records.put(record, previous);
    if (!written.ok) return written;
    this.logger.info('provisioning', { instanceId: record.id, ...(plan.kind === 'objects' ? { objects: plan.objects.length } : { release: plan.spec.name }), async: request.acceptsIncomplete });
    if (request.acceptsIncomplete) {
      // The job takes the lock over and holds it until the objects exist: while it is held, no reconciler resumes this work.
      keepLock();
      this.jobs.start(record.id, (signal) => this.provisionInBackground(record, plan, signal, lock), (crash) =>
        this.logger.error('provision job crashed', { instanceId: record.id, error: String(crash) }),
      );
      return ok({ outcome: 'accepted', operation: record.operation.id });
    }
    return this.provisionNow(record, plan, written.value, lock);
  }

  /** Same id again: identical answers as before, different is a conflict. */
  private answerRepeat(existing: InstanceRecord, wanted: InstanceRecord, acceptsIncomplete: boolean): Result<ProvisionAnswer> {
    if (!sameProvision(existing, wanted)) {
      return err(domainError('Conflict', `instance ${existing.id} already exists with different attributes`));
    }
    if (existing.status === 'ready') return ok({ outcome: 'exists' });
    if (isProvisioning(existing) && acceptsIncomplete) return ok({ outcome: 'accepted', operation: existing.operation.id });
    return err(domainError('ConcurrencyError', `instance ${existing.id} is ${isProvisioning(existing) ? 'still being provisioned' : 'being deprovisioned'}`));
  }

  private async provisionNow(record: InstanceRecord, plan: InstancePlan, revision: string, lock: HeldLock): Promise<Result<ProvisionAnswer>> {
    const created = await this.objects.make(record.id, plan, () => lock.held);
    if (!lock.held) {
      // The lock was lost (an outage longer than its TTL): another replica may be finishing this very
      // operation now, so this one writes nothing more. The record says what is intended.
      return err(domainError('Unavailable', `provisioning of instance ${record.id} was interrupted; the broker finishes it on its own`));
    }
    if (!created.ok) {
      if (created.error.rolledBack) {
        // A 4xx or 5xx must leave no state behind: the objects are rolled back, so is the record.
        await this.store.deleteInstance(record.id, revision);
      } else {
        // Something may still exist: the record stays (failed, objects listed) for a DELETE or the reconciler to finish.
        await this.records.apply(record.id, record.operation.id, { type: 'provisionFailed', reason: created.error.message, rolledBack: false });
      }
      return err({ kind: created.error.kind, message: created.error.message });
    }
    const finished = await this.records.apply(record.id, record.operation.id, { type: 'becameReady', objects: created.value.objects });
    return finished.ok ? ok({ outcome: 'created' }) : finished;
  }

  /** Creates the objects, holding the lock; readiness is judged later (last_operation, reconciler). */
  private async provisionInBackground(record: InstanceRecord, plan: InstancePlan, signal: AbortSignal, lock: HeldLock): Promise<void> {
    try {
      const created = await this.objects.make(record.id, plan, () => !signal.aborted && lock.held);
      // Cancelled by a deprovision, or the lock was lost: whoever holds the instance now owns the record.
      if (signal.aborted || !lock.held) return;
      const event = created.ok
        ? ({ type: 'objectsCreated', ...created.value } as const)
        : ({ type: 'provisionFailed', reason: created.error.message, rolledBack: created.error.rolledBack } as const);
      await this.records.apply(record.id, record.operation.id, event);
      if (!created.ok) this.logger.warn('provision failed', { instanceId: record.id, reason: created.error.message });
    } finally {
      await lock.release();
    }
  }

  private newRecord(request: ProvisionRequest, entry: CatalogEntry, namespace: string): InstanceRecord {
    const now = this.runtime.now().toISOString();
    const instanceName = request.context['instance_name'];
    return {
      schema: RECORD_SCHEMA,
      id: request.instanceId,
      serviceId: request.serviceId,
      planId: request.planId,
      entrySource: entry.source,
      consumerNamespace: namespace,
      ...(typeof instanceName === 'string' ? { instanceName } : {}),
      context: request.context,
      parameters: request.parameters,
      ...(request.caller.originatingIdentity ? { originatingIdentity: request.caller.originatingIdentity } : {}),
      objects: [],
      status: 'provisioning',
      operation: this.records.newOperation('provision', request.caller.originatingIdentity),
      createdAt: now,
      updatedAt: now,
    };
  }
}
