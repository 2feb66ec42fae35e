/** Fetch instance: what it was provisioned with, once it exists. */
import { domainError } from '../../domain/errors.js';
import { isProvisioning } from '../../domain/records.js';
import { err, ok, type Result } from '../../domain/result.js';
import type { InstanceRecords } from '../instance-records.js';
import type { Caller } from '../requests.js';

export interface FetchedInstance {
  readonly serviceId: string;
  readonly planId: string;
  readonly parameters: Readonly<Record<string, unknown>>;
}

export class FetchInstance {
  constructor(private readonly records: InstanceRecords) {}

  async execute(request: { instanceId: string; caller: Caller }): Promise<Result<FetchedInstance>> {
    const stored = await this.records.get(request.instanceId);
    if (!stored.ok) return stored;
    const record = stored.value?.record;
    const view = request.caller.viewNamespace;
    if (!record || record.status === 'gone' || (view !== undefined && record.consumerNamespace !== view)) {
      return err(domainError('NotFound', `instance ${request.instanceId} does not exist`));
    }
    if (isProvisioning(record)) return err(domainError('NotFound', `instance ${record.id} is still being provisioned`));
    if (record.operation.type === 'update' && record.operation.state === 'in progress') {
      return err(domainError('ConcurrencyError', `instance ${record.id} is being updated`));
    }
    return ok({ serviceId: record.serviceId, planId: record.planId, parameters: record.parameters });
  }
}
