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
  /** The plan's maintenance level the instance is at, when known. */
  readonly maintenanceVersion?: string;
}

export class FetchInstance {
  constructor(private readonly records: InstanceRecords) {}

  async execute(request: { instanceId: string; caller: Caller }): Promise<Result<FetchedInstance>> {
    const found = await this.records.visible(request.instanceId, request.caller);
    if (!found.ok) return found;
    const record = found.value;
    if (isProvisioning(record)) return err(domainError('NotFound', `instance ${record.id} is still being provisioned`));
    if (record.operation.type === 'update' && record.operation.state === 'in progress') {
      return err(domainError('ConcurrencyError', `instance ${record.id} is being updated`));
    }
    const level = record.maintenanceVersion !== undefined ? { maintenanceVersion: record.maintenanceVersion } : {};
    return ok({ serviceId: record.serviceId, planId: record.planId, parameters: record.parameters, ...level });
  }
}
