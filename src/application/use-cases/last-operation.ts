/**
 * Last operation: the state of the instance's current operation. An
 * operation whose process died stays "in progress" in the store; past its
 * deadline it is reported failed so platforms stop polling. A record that is
 * waiting for its objects is settled first, by looking at them.
 */
import { domainError } from '../../domain/errors.js';
import type { InstanceRecord, OperationState } from '../../domain/records.js';
import { err, ok, type Result } from '../../domain/result.js';
import type { InstanceReadiness } from '../instance-readiness.js';
import type { InstanceRecords } from '../instance-records.js';
import type { Caller } from '../requests.js';

export interface OperationStatus {
  readonly state: OperationState;
  readonly description?: string;
}

export class LastOperation {
  constructor(
    private readonly records: InstanceRecords,
    private readonly readiness: InstanceReadiness,
  ) {}

  async execute(request: { instanceId: string; caller: Caller }): Promise<Result<OperationStatus>> {
    const stored = await this.records.get(request.instanceId);
    if (!stored.ok) return stored;
    const found = stored.value?.record;
    const view = request.caller.viewNamespace;
    if (!found || (view !== undefined && found.consumerNamespace !== view)) {
      return err(domainError('NotFound', `instance ${request.instanceId} does not exist`));
    }
    const record = found.status === 'starting' ? await this.settled(found) : ok(found);
    if (!record.ok) return record;
    if (record.value.status === 'gone') return err(domainError('Gone', `instance ${record.value.id} has been deprovisioned`));
    const operation = record.value.operation;
    if (this.records.isAbandoned(operation)) {
      return ok({ state: 'failed', description: `${operation.type} did not finish: the broker running it stopped` });
    }
    return ok({ state: operation.state, ...(operation.description !== undefined ? { description: operation.description } : {}) });
  }

  /** Lets readiness decide, then reads the record again; a vanished record reads as gone. */
  private async settled(record: InstanceRecord): Promise<Result<InstanceRecord>> {
    const settled = await this.readiness.settle(record);
    if (!settled.ok) return settled;
    const again = await this.records.get(record.id);
    if (!again.ok) return again;
    return ok(again.value?.record ?? { ...record, status: 'gone' });
  }
}
