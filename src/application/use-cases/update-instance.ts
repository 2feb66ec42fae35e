/**
 * Update: no plan of Mesitis is updateable yet, so any real change is refused
 * with 422 as the spec asks; a request that changes nothing succeeds.
 */
import { domainError } from '../../domain/errors.js';
import { deepEqual } from '../../domain/records.js';
import { err, ok, type Result } from '../../domain/result.js';
import type { InstanceRecords } from '../instance-records.js';
import type { Caller } from '../requests.js';

export interface UpdateRequest {
  readonly instanceId: string;
  readonly serviceId: string;
  readonly planId: string | undefined;
  readonly parameters: Readonly<Record<string, unknown>> | undefined;
  readonly caller: Caller;
}

export class UpdateInstance {
  constructor(private readonly records: InstanceRecords) {}

  async execute(request: UpdateRequest): Promise<Result<{ readonly outcome: 'unchanged' }>> {
    const found = await this.records.visible(request.instanceId, request.caller);
    if (!found.ok) return found;
    const record = found.value;
    if (record.serviceId !== request.serviceId) return err(domainError('InvalidRequest', `service_id does not match instance ${record.id}`));
    if (request.planId !== undefined && request.planId !== record.planId) {
      return err(domainError('Unsupported', 'plan changes are not supported: plans of this broker are not updateable'));
    }
    if (request.parameters !== undefined && Object.keys(request.parameters).length > 0 && !deepEqual(request.parameters, record.parameters)) {
      return err(domainError('Unsupported', 'parameter changes are not supported: deprovision and provision again'));
    }
    return ok({ outcome: 'unchanged' });
  }
}
