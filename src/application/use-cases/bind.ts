/**
 * Bind: synchronous, as Kubernetes platforms expect. Credentials are derived
 * before anything is written, and only a reference is recorded. It runs
 * under the instance lock, so a deprovision either sees the binding (and
 * removes it) or has started first (and the bind is refused): no binding
 * record can outlive its instance.
 */
import type { CatalogEntry } from '../../domain/catalog-entry.js';
import { domainError } from '../../domain/errors.js';
import { isProvisioning, RECORD_SCHEMA, sameBinding, type BindingRecord, type InstanceRecord } from '../../domain/records.js';
import { err, ok, type Result } from '../../domain/result.js';
import type { BindingAnswer, BindingCredentials } from '../binding-credentials.js';
import type { CatalogService } from '../catalog-service.js';
import type { InstanceRecords } from '../instance-records.js';
import type { StateStore } from '../ports/state-store.js';
import { checkWhitelisted, consumerNamespace, visibleInView, type BindRequest } from '../requests.js';
import { withInstanceLock } from '../instance-lock.js';
import type { BrokerSettings, Runtime } from '../settings.js';

export type BindAnswer = BindingAnswer & { readonly outcome: 'created' | 'exists' };

export class Bind {
  constructor(
    private readonly catalog: CatalogService,
    private readonly store: StateStore,
    private readonly records: InstanceRecords,
    private readonly credentials: BindingCredentials,
    private readonly settings: BrokerSettings,
    private readonly runtime: Runtime,
  ) {}

  async execute(request: BindRequest): Promise<Result<BindAnswer>> {
    const entry = this.catalog.findPlan(request.serviceId, request.planId);
    if (!entry || !visibleInView(entry, request.caller)) {
      return err(domainError('UnknownPlan', `service ${request.serviceId} has no plan ${request.planId} in this catalog`));
    }
    // Refuse at once what the lock would only refuse later (an instance not usable now), then bind under the lock.
    const usable = await this.usableInstance(request);
    if (!usable.ok) return usable;
    return withInstanceLock(this.store, this.settings, this.runtime, request.instanceId, () => this.bindLocked(request, entry));
  }

  private async bindLocked(request: BindRequest, entry: CatalogEntry): Promise<Result<BindAnswer>> {
    const instance = await this.usableInstance(request);
    if (!instance.ok) return instance;
    const namespace = consumerNamespace(request.context, request.caller, instance.value.consumerNamespace);
    if (!namespace.ok) return namespace;
    const allowed = checkWhitelisted(entry, namespace.value);
    if (!allowed.ok) return allowed;
    if (namespace.value !== instance.value.consumerNamespace) {
      return err(domainError('InvalidRequest', `instance ${request.instanceId} belongs to another namespace than "${namespace.value}"`));
    }
    const answer = await this.credentials.derive(this.catalog.catalog(), entry, instance.value);
    if (!answer.ok) return answer;
    const record = this.newRecord(request, namespace.value);
    const outcome = await this.remember(record);
    return outcome.ok ? ok({ ...answer.value, outcome: outcome.value }) : outcome;
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
  private async remember(record: BindingRecord): Promise<Result<'created' | 'exists'>> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const existing = await this.store.getBinding(record.instanceId, record.id);
      if (!existing.ok) return existing;
      if (existing.value) {
        return sameBinding(existing.value, record)
          ? ok('exists')
          : err(domainError('Conflict', `binding ${record.id} already exists with different attributes`));
      }
      const created = await this.store.createBinding(record);
      if (created.ok) return ok('created');
      if (created.error.kind !== 'ConcurrencyError') return created;
    }
    return err(domainError('ConcurrencyError', `binding ${record.id} is being created by another request`));
  }

  private newRecord(request: BindRequest, namespace: string): BindingRecord {
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
      createdAt: this.runtime.now().toISOString(),
    };
  }
}
