/**
 * Provision: check everything, record the intent, create the objects (now,
 * or in the background when the platform accepts incomplete operations), and
 * record the outcome. A failed provision leaves no objects behind.
 */
import type { CatalogEntry } from '../../domain/catalog-entry.js';
import { domainError } from '../../domain/errors.js';
import type { KubeObject } from '../../domain/kube-object.js';
import { isProvisioning, RECORD_SCHEMA, sameProvision, type InstanceRecord } from '../../domain/records.js';
import { planResources } from '../../domain/resource-plan.js';
import { refOf } from '../../domain/kube-object.js';
import { err, ok, type Result } from '../../domain/result.js';
import type { CatalogService } from '../catalog-service.js';
import { withInstanceLock } from '../instance-lock.js';
import type { InstanceObjects } from '../instance-objects.js';
import type { InstanceRecords } from '../instance-records.js';
import type { OperationJobs } from '../operation-jobs.js';
import type { Logger } from '../ports/logger.js';
import type { StateStore } from '../ports/state-store.js';
import { checkWhitelisted, consumerNamespace, instanceFacts, visibleInView, type ProvisionRequest } from '../requests.js';
import type { BrokerSettings, Runtime } from '../settings.js';

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
    const record = this.newRecord(request, entry, namespace.value);
    const plan = planResources(entry, this.catalog.catalog().templates, instanceFacts(entry, record));
    if (!plan.ok) return plan;
    const planned = { ...record, objects: plan.value.map(refOf) };
    return withInstanceLock(this.store, this.settings, this.runtime, request.instanceId, () =>
      this.provisionLocked(request, planned, plan.value),
    );
  }

  private async provisionLocked(request: ProvisionRequest, record: InstanceRecord, plan: KubeObject[]): Promise<Result<ProvisionAnswer>> {
    const existing = await this.records.get(request.instanceId);
    if (!existing.ok) return existing;
    const previous = existing.value;
    if (previous && previous.record.status !== 'gone' && previous.record.status !== 'failed') {
      return this.answerRepeat(previous.record, record, request.acceptsIncomplete);
    }
    if (plan.length === 0) {
      const ready = { ...record, status: 'ready' as const, operation: { ...record.operation, state: 'succeeded' as const } };
      const written = await this.records.put(ready, previous);
      return written.ok ? ok({ outcome: 'created' }) : written;
    }
    const written = await this.records.put(record, previous);
    if (!written.ok) return written;
    this.logger.info('provisioning objects', { instanceId: record.id, objects: plan.length, async: request.acceptsIncomplete });
    if (request.acceptsIncomplete) {
      this.jobs.start(record.id, (signal) => this.provisionInBackground(record, plan, signal), (crash) =>
        this.logger.error('provision job crashed', { instanceId: record.id, error: String(crash) }),
      );
      return ok({ outcome: 'accepted', operation: record.operation.id });
    }
    return this.provisionNow(record, plan, written.value);
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

  private async provisionNow(record: InstanceRecord, plan: KubeObject[], revision: string): Promise<Result<ProvisionAnswer>> {
    const created = await this.objects.create(record.id, plan);
    if (!created.ok) {
      // A 4xx or 5xx must leave no state behind: the objects are rolled back, so is the record.
      await this.store.deleteInstance(record.id, revision);
      return created;
    }
    const finished = await this.records.finish(record.id, record.operation.id, 'succeeded', 'ready');
    return finished.ok ? ok({ outcome: 'created' }) : finished;
  }

  /** Creates the objects; readiness is judged later, when the platform polls last_operation. */
  private async provisionInBackground(record: InstanceRecord, plan: KubeObject[], signal: AbortSignal): Promise<void> {
    const created = await this.objects.create(record.id, plan, () => !signal.aborted);
    if (signal.aborted) return; // the deprovision that cancelled us owns the record now
    const outcome = created.ok
      ? await this.records.finish(record.id, record.operation.id, 'in progress', 'starting', 'objects created, waiting until they are ready')
      : await this.records.finish(record.id, record.operation.id, 'failed', 'failed', created.error.message);
    if (outcome.ok && outcome.value === 'superseded' && created.ok) {
      // Another replica deprovisioned meanwhile; what we created after its sweep is ours to remove.
      await this.objects.remove(record.id, created.value);
    }
    if (!created.ok) this.logger.warn('provision failed', { instanceId: record.id, reason: created.error.message });
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
      operation: this.records.newOperation('provision'),
      createdAt: now,
      updatedAt: now,
    };
  }
}
