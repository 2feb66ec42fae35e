/**
 * Fetch binding: the credentials derived again from what the instance pinned
 * (or the binding's own Secret), values read from their source now. A
 * binding still being made or removed, or revoked at expiry, is not
 * fetchable: 404, as OSB says for a binding not (or no longer) there.
 */
import { domainError } from '../../domain/errors.js';
import { bindingStatus } from '../../domain/records.js';
import { err, ok, type Result } from '../../domain/result.js';
import { bindingMetadata } from '../binding-objects.js';
import type { BindingAnswer, BindingCredentials } from '../binding-credentials.js';
import type { CatalogService } from '../catalog-service.js';
import type { InstanceRecords } from '../instance-records.js';
import type { StateStore } from '../ports/state-store.js';
import type { Caller } from '../requests.js';

export interface FetchBindingRequest {
  readonly instanceId: string;
  readonly bindingId: string;
  readonly caller: Caller;
}

export type FetchedBinding = BindingAnswer & { readonly parameters: Readonly<Record<string, unknown>> };

export class FetchBinding {
  constructor(
    private readonly catalog: CatalogService,
    private readonly store: StateStore,
    private readonly records: InstanceRecords,
    private readonly credentials: BindingCredentials,
  ) {}

  async execute(request: FetchBindingRequest): Promise<Result<FetchedBinding>> {
    const notFound = err(domainError('NotFound', `binding ${request.bindingId} does not exist`));
    const binding = await this.store.getBinding(request.instanceId, request.bindingId);
    if (!binding.ok) return binding;
    const view = request.caller.viewNamespace;
    if (!binding.value || (view !== undefined && binding.value.consumerNamespace !== view)) return notFound;
    if (bindingStatus(binding.value) !== 'ready') return notFound;
    const instance = await this.records.get(request.instanceId);
    if (!instance.ok) return instance;
    if (!instance.value || instance.value.record.status === 'gone') return notFound;
    // The entry may be gone: the instance's pinned coordinates and credential reference still answer.
    const entry = this.catalog.findPlan(binding.value.serviceId, binding.value.planId);
    const answer = await this.credentials.derive(this.catalog.catalog(), entry, instance.value.record, binding.value);
    const metadata = bindingMetadata(binding.value);
    return answer.ok ? ok({ ...answer.value, ...(metadata ? { metadata } : {}), parameters: binding.value.parameters }) : answer;
  }
}
