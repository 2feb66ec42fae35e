/**
 * Bind: synchronous, as Kubernetes platforms expect. Credentials are derived
 * before anything is written, and only a reference is recorded. It runs
 * under the instance lock, so a deprovision either sees the binding (and
 * removes it) or has started first (and the bind is refused): no binding
 * record can outlive its instance.
 *
 * An entry with binding templates gives each binding objects of its own
 * (say a Secret with a generated password and the user that accepts it).
 * Their intent is recorded first (status `binding`, the planned refs), then
 * they are created, then the record is ready with their uids; a bind that
 * fails rolls back, and one interrupted by a crash is rolled back by the
 * binding reconciler (the platform never got its 201 and retries).
 */
import { hasBindingObjects, type CatalogEntry } from '../../domain/catalog-entry.js';
import { bindingCredentialRef, planBindingResources } from '../../domain/binding-plan.js';
import { domainError } from '../../domain/errors.js';
import { refOf, type KubeObject } from '../../domain/kube-object.js';
import { takesTime } from '../../domain/readiness.js';
import { bindingStatus, isProvisioning, RECORD_SCHEMA, sameBinding, type BindingRecord, type InstanceRecord } from '../../domain/records.js';
import { err, ok, type Result } from '../../domain/result.js';
import type { BindingAnswer, BindingCredentials } from '../binding-credentials.js';
import { bindingMetadata, expiryOf, removeBindingObjects } from '../binding-objects.js';
import type { CatalogService } from '../catalog-service.js';
import type { InstanceObjects } from '../instance-objects.js';
import type { InstanceRecords } from '../instance-records.js';
import type { StateStore } from '../ports/state-store.js';
import { checkWhitelisted, consumerNamespace, visibleInView, type BindRequest } from '../requests.js';
import { withInstanceLock, type HeldLock } from '../instance-lock.js';
import type { BrokerSettings, Runtime } from '../settings.js';
import type { TemplateFacts } from '../template-facts.js';

export type BindAnswer = BindingAnswer & { readonly outcome: 'created' | 'exists' };

export class Bind {
  constructor(
    private readonly catalog: CatalogService,
    private readonly store: StateStore,
    private readonly records: InstanceRecords,
    private readonly credentials: BindingCredentials,
    private readonly settings: BrokerSettings,
    private readonly runtime: Runtime,
    private readonly objects: InstanceObjects,
    private readonly templateFacts: TemplateFacts,
  ) {}

  async execute(request: BindRequest): Promise<Result<BindAnswer>> {
    const entry = this.catalog.findPlan(request.serviceId, request.planId);
    if (!entry || !visibleInView(entry, request.caller)) {
      return err(domainError('UnknownPlan', `service ${request.serviceId} has no plan ${request.planId} in this catalog`));
    }
    if (request.predecessorBindingId !== undefined && !hasBindingObjects(entry)) {
      return err(domainError('InvalidRequest', `plan ${request.planId} is not binding_rotatable: predecessor_binding_id is not accepted`));
    }
    // Refuse at once what the lock would only refuse later (an instance not usable now), then bind under the lock.
    const usable = await this.usableInstance(request);
    if (!usable.ok) return usable;
    return withInstanceLock(this.store, this.settings, this.runtime, request.instanceId, (lock) => this.bindLocked(request, entry, lock));
  }

  private async bindLocked(request: BindRequest, entry: CatalogEntry, lock: HeldLock): Promise<Result<BindAnswer>> {
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
    if (hasBindingObjects(entry)) return this.bindWithObjects(request, entry, instance.value, record, lock);
    const answer = await this.credentials.derive(this.catalog.catalog(), entry, instance.value);
    if (!answer.ok) return answer;
    const outcome = await this.remember(record);
    if (!outcome.ok) return outcome;
    return ok({ ...answer.value, ...this.metadataOf(outcome.value.record), outcome: outcome.value.outcome });
  }

  /** A binding with objects of its own: recorded as intent, created, then recorded with their uids. */
  private async bindWithObjects(
    request: BindRequest, entry: CatalogEntry, instance: InstanceRecord, wanted: BindingRecord, lock: HeldLock,
  ): Promise<Result<BindAnswer>> {
    const existing = await this.store.getBinding(wanted.instanceId, wanted.id);
    if (!existing.ok) return existing;
    if (existing.value) return this.answerRepeat(entry, instance, existing.value, wanted);
    const predecessor = await this.checkPredecessor(request);
    if (!predecessor.ok) return predecessor;
    const templates = this.catalog.catalog().templates;
    const facts = await this.templateFacts.ofBinding(entry, templates, instance, wanted.id);
    if (!facts.ok) return facts;
    const plan = planBindingResources(entry, templates, facts.value);
    if (!plan.ok) return plan;
    const slow = plan.value.find((object) => takesTime(object));
    if (slow) {
      // Waiting for readiness needs an asynchronous bind (binding last_operation), which this broker does not offer yet.
      return err(domainError(request.acceptsIncomplete ? 'Unsupported' : 'AsyncRequired', `this plan's bindings create a ${slow.kind}, which needs time to become ready`));
    }
    const ref = instance.pinned ? bindingCredentialRef(instance.pinned.credentials, facts.value) : ok(undefined);
    if (!ref.ok) return ref;
    const intent: BindingRecord = { ...wanted, status: 'binding', objects: plan.value.map(refOf), ...(ref.value ? { credentials: ref.value } : {}) };
    const written = await this.store.putBinding(intent);
    if (!written.ok) return written;
    return this.createObjects(entry, instance, intent, plan.value, lock);
  }

  private async createObjects(
    entry: CatalogEntry, instance: InstanceRecord, intent: BindingRecord, plan: readonly KubeObject[], lock: HeldLock,
  ): Promise<Result<BindAnswer>> {
    const created = await this.objects.create(intent.instanceId, plan, () => lock.held);
    if (!created.ok) {
      // Rolled back: a 4xx/5xx leaves no state. Not rolled back: the intent stays for the reconciler to finish removing.
      if (created.error.rolledBack) await this.store.deleteBinding(intent.instanceId, intent.id);
      return err({ kind: created.error.kind, message: created.error.message });
    }
    const ready: BindingRecord = { ...intent, status: 'ready', objects: created.value };
    const answer = await this.credentials.derive(this.catalog.catalog(), entry, instance, ready);
    if (!answer.ok) {
      const removed = await removeBindingObjects(this.objects, ready);
      if (removed.ok) await this.store.deleteBinding(intent.instanceId, intent.id);
      else await this.store.putBinding({ ...ready, status: 'unbinding' });
      return answer;
    }
    const written = await this.store.putBinding(ready);
    return written.ok ? ok({ ...answer.value, ...this.metadataOf(ready), outcome: 'created' }) : written;
  }

  /** The same binding id again: identical and ready answers as before; anything else is refused. */
  private async answerRepeat(entry: CatalogEntry, instance: InstanceRecord, existing: BindingRecord, wanted: BindingRecord): Promise<Result<BindAnswer>> {
    if (!sameBinding(existing, wanted)) return err(domainError('Conflict', `binding ${wanted.id} already exists with different attributes`));
    const status = bindingStatus(existing);
    if (status === 'revoked') return err(domainError('Conflict', `binding ${wanted.id} expired and was revoked: unbind it and bind again under a new id`));
    if (status !== 'ready') return err(domainError('ConcurrencyError', `binding ${wanted.id} is ${status === 'binding' ? 'being created' : 'being removed'}`));
    const answer = await this.credentials.derive(this.catalog.catalog(), entry, instance, existing);
    return answer.ok ? ok({ ...answer.value, ...this.metadataOf(existing), outcome: 'exists' }) : answer;
  }

  /** A rotation's predecessor must be a live binding of the same instance. */
  private async checkPredecessor(request: BindRequest): Promise<Result<void>> {
    if (request.predecessorBindingId === undefined) return ok(undefined);
    const found = await this.store.getBinding(request.instanceId, request.predecessorBindingId);
    if (!found.ok) return found;
    const status = found.value ? bindingStatus(found.value) : undefined;
    if (status === undefined || status === 'revoked' || status === 'unbinding') {
      return err(domainError('InvalidRequest', `predecessor_binding_id ${request.predecessorBindingId} names no live binding of instance ${request.instanceId}`));
    }
    return ok(undefined);
  }

  private metadataOf(record: BindingRecord): { metadata?: NonNullable<BindingAnswer['metadata']> } {
    const metadata = bindingMetadata(record);
    return metadata ? { metadata } : {};
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
