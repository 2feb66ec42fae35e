/**
 * Bind, synchronous where it can be, as Kubernetes platforms expect.
 * Credentials are derived before anything is written, and only a reference
 * is recorded. It runs under the instance lock, so a deprovision either sees
 * the binding (and removes it) or has started first (and the bind is
 * refused): no binding record can outlive its instance. An entry whose
 * bindings have objects of their own is bound by bind-with-objects.ts,
 * asynchronously when those objects need time to become ready; one whose
 * bindings each take a Vault lease by bind-with-lease.ts.
 */
import { isBinding } from '../../domain/binding-lifecycle.js';
import { hasBindingObjects, hasOwnCredentials, type CatalogEntry } from '../../domain/catalog-entry.js';
import { domainError } from '../../domain/errors.js';
import { bindingStatus, isProvisioning, RECORD_SCHEMA, sameBinding, type BindingRecord, type InstanceRecord } from '../../domain/records.js';
import { err, ok, type Result } from '../../domain/result.js';
import { BindWithLease } from '../bind-with-lease.js';
import { BindWithObjects, metadataOf, type BindAnswer } from '../bind-with-objects.js';
import type { BindingCredentials } from '../binding-credentials.js';
import { expiryOf } from '../binding-objects.js';
import type { BindingWork } from '../binding-work.js';
import type { CatalogService } from '../catalog-service.js';
import type { InstanceObjects } from '../instance-objects.js';
import type { InstanceRecords } from '../instance-records.js';
import type { OperationJobs } from '../operation-jobs.js';
import type { Logger } from '../ports/logger.js';
import type { StateStore } from '../ports/state-store.js';
import { checkWhitelisted, consumerNamespace, visibleInView, type BindRequest } from '../requests.js';
import { withInstanceLock, type HeldLock } from '../instance-lock.js';
import type { BrokerSettings, Runtime } from '../settings.js';
import type { TemplateFacts } from '../template-facts.js';

export type { BindAnswer };

export class Bind {
  private readonly withObjects: BindWithObjects;
  private readonly withLease: BindWithLease;

  constructor(
    private readonly catalog: CatalogService,
    private readonly store: StateStore,
    private readonly records: InstanceRecords,
    private readonly credentials: BindingCredentials,
    private readonly settings: BrokerSettings,
    private readonly runtime: Runtime,
    objects: InstanceObjects,
    templateFacts: TemplateFacts,
    work: BindingWork,
    jobs: OperationJobs,
    logger: Logger,
  ) {
    this.withObjects = new BindWithObjects(catalog, store, credentials, objects, templateFacts, work, jobs, logger, runtime);
    this.withLease = new BindWithLease(catalog, store, credentials, logger, runtime);
  }

  async execute(request: BindRequest): Promise<Result<BindAnswer>> {
    const entry = this.catalog.findPlan(request.serviceId, request.planId);
    if (!entry || !visibleInView(entry, request.caller)) {
      return err(domainError('UnknownPlan', `service ${request.serviceId} has no plan ${request.planId} in this catalog`));
    }
    if (request.predecessorBindingId !== undefined && !hasOwnCredentials(entry)) {
      return err(domainError('InvalidRequest', `plan ${request.planId} is not binding_rotatable: predecessor_binding_id is not accepted`));
    }
    // Refuse at once what the lock would only refuse later (an instance not usable now), then bind under the lock.
    const usable = await this.usableInstance(request);
    if (!usable.ok) return usable;
    // A repeat of an asynchronous bind still running is answered from the record: its job may hold the lock.
    const running = await this.runningRepeat(request, usable.value);
    if (running) return running;
    return withInstanceLock(this.store, this.settings, this.runtime, request.instanceId, (lock, keep) => this.bindLocked(request, entry, lock, keep));
  }

  private async bindLocked(request: BindRequest, entry: CatalogEntry, lock: HeldLock, keep: () => void): Promise<Result<BindAnswer>> {
    const instance = await this.usableInstance(request);
    if (!instance.ok) return instance;
    const namespace = consumerNamespace(request.context, request.caller, instance.value.consumerNamespace);
    if (!namespace.ok) return namespace;
    const allowed = checkWhitelisted(entry, namespace.value);
    if (!allowed.ok) return allowed;
    if (namespace.value !== instance.value.consumerNamespace) {
      return err(domainError('InvalidRequest', `instance ${request.instanceId} belongs to another namespace than "${namespace.value}"`));
    }
    const record = this.newRecord(request, namespace.value, entry);
    if (hasBindingObjects(entry)) return this.withObjects.bind(request, entry, instance.value, record, { lock, keep });
    // The instance's pinned reference decides, as for every credential source: a lease for each binding.
    if (instance.value.pinned?.credentials.kind === 'FromVaultLease') return this.withLease.bind(request, entry, instance.value, record);
    const answer = await this.credentials.derive(this.catalog.catalog(), entry, instance.value);
    if (!answer.ok) return answer;
    const outcome = await this.remember(record);
    if (!outcome.ok) return outcome;
    return ok({ ...answer.value, ...metadataOf(outcome.value.record), outcome: outcome.value.outcome });
  }

  /** An identical asynchronous bind still under way, answered 202 again without waiting for the lock its job holds. */
  private async runningRepeat(request: BindRequest, instance: InstanceRecord): Promise<Result<BindAnswer> | undefined> {
    if (request.acceptsIncomplete !== true) return undefined;
    const found = await this.store.getBinding(request.instanceId, request.bindingId);
    const record = found.ok ? found.value : undefined;
    if (!record || !isBinding(record) || record.operation?.type !== 'bind') return undefined;
    const namespace = consumerNamespace(request.context, request.caller, instance.consumerNamespace);
    if (!namespace.ok) return undefined;
    const wanted = { ...request, consumerNamespace: namespace.value, ...(request.predecessorBindingId !== undefined ? { predecessorId: request.predecessorBindingId } : {}) };
    return sameBinding(record, wanted) ? ok({ outcome: 'accepted', operation: record.operation.id }) : undefined;
  }

  private async usableInstance(request: BindRequest): Promise<Result<InstanceRecord>> {
    const stored = await this.records.get(request.instanceId);
    if (!stored.ok) return stored;
    const instance = stored.value?.record;
    const view = request.caller.viewNamespace;
    // Another namespace's instance reads exactly like one that does not exist.
    if (!instance || instance.status === 'gone' || (view !== undefined && view !== instance.consumerNamespace)) {
      return err(domainError('NotFound', `instance ${request.instanceId} does not exist`));
    }
    if (instance.serviceId !== request.serviceId || instance.planId !== request.planId) {
      return err(domainError('InvalidRequest', `service_id and plan_id do not match instance ${instance.id}`));
    }
    if (instance.status === 'ready') return ok(instance);
    if (instance.status === 'failed') return err(domainError('Unsupported', `instance ${instance.id} failed to provision and cannot be bound`));
    return err(domainError('ConcurrencyError', `instance ${instance.id} is ${isProvisioning(instance) ? 'still being provisioned' : 'being deprovisioned'}`));
  }

  /** Creates the record, or recognises an identical earlier bind (also one that raced us). */
  private async remember(record: BindingRecord): Promise<Result<{ outcome: 'created' | 'exists'; record: BindingRecord }>> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const existing = await this.store.getBinding(record.instanceId, record.id);
      if (!existing.ok) return existing;
      if (existing.value) {
        if (!sameBinding(existing.value, record)) return err(domainError('Conflict', `binding ${record.id} already exists with different attributes`));
        if (bindingStatus(existing.value) === 'revoked') return err(domainError('Conflict', `binding ${record.id} expired and was revoked: unbind it and bind again under a new id`));
        return ok({ outcome: 'exists', record: existing.value });
      }
      const created = await this.store.createBinding(record);
      if (created.ok) return ok({ outcome: 'created', record });
      if (created.error.kind !== 'ConcurrencyError') return created;
    }
    return err(domainError('ConcurrencyError', `binding ${record.id} is being created by another request`));
  }

  private newRecord(request: BindRequest, namespace: string, entry: CatalogEntry): BindingRecord {
    const now = this.runtime.now();
    return {
      schema: RECORD_SCHEMA,
      id: request.bindingId,
      instanceId: request.instanceId,
      serviceId: request.serviceId,
      planId: request.planId,
      consumerNamespace: namespace,
      context: request.context ?? {},
      parameters: request.parameters,
      ...(request.appGuid !== undefined ? { appGuid: request.appGuid } : {}),
      ...(request.caller.originatingIdentity ? { originatingIdentity: request.caller.originatingIdentity } : {}),
      ...(request.predecessorBindingId !== undefined ? { predecessorId: request.predecessorBindingId } : {}),
      ...expiryOf(entry.bindingLifetime, now.getTime()),
      createdAt: now.toISOString(),
    };
  }
}
