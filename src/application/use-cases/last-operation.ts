/**
 * Last operation: the state of the instance's current operation, as the
 * record says. An operation whose process died is not timed out here: the
 * reconciler resumes it, and the record tells the truth again. A record
 * that is waiting for its objects (to become ready, or to be gone) is
 * settled first, by looking at them.
 */
import { domainError } from '../../domain/errors.js';
import type { InstanceRecord, OperationState } from '../../domain/records.js';
import { err, ok, type Result } from '../../domain/result.js';
import type { InstanceReadiness } from '../instance-readiness.js';
import type { InstanceRecords } from '../instance-records.js';
import type { InstanceRemoval } from '../instance-removal.js';
import type { InstanceUpdate } from '../instance-update.js';
import type { Caller } from '../requests.js';

export interface OperationStatus {
  readonly state: OperationState;
  readonly description?: string;
  /** For a failed update: the instance still works (on its previous plan). */
  readonly instanceUsable?: boolean;
}

export class LastOperation {
  constructor(
    private readonly records: InstanceRecords,
    private readonly readiness: InstanceReadiness,
    private readonly removal: InstanceRemoval,
    private readonly updates: InstanceUpdate,
  ) {}

  async execute(request: { instanceId: string; caller: Caller }): Promise<Result<OperationStatus>> {
    const stored = await this.records.get(request.instanceId);
    if (!stored.ok) return stored;
    const found = stored.value?.record;
    const view = request.caller.viewNamespace;
    if (!found || (view !== undefined && found.consumerNamespace !== view)) {
      return err(domainError('NotFound', `instance ${request.instanceId} does not exist`));
    }
    const record = ['starting', 'deprovisioning', 'updating'].includes(found.status) ? await this.settled(found) : ok(found);
    if (!record.ok) return record;
    if (record.value.status === 'gone') return err(domainError('Gone', `instance ${record.value.id} has been deprovisioned`));
    const operation = record.value.operation;
    const usable = operation.type === 'update' && operation.state === 'failed' ? { instanceUsable: true } : {};
    return ok({ state: operation.state, ...(operation.description !== undefined ? { description: operation.description } : {}), ...usable });
  }

  /** Lets readiness (or removal) decide, then reads the record again; a vanished record reads as gone. */
  private async settled(record: InstanceRecord): Promise<Result<InstanceRecord>> {
    // A settle that could not finish (the cluster is away) has written why into the record: report that, not a 5xx.
    await (record.status === 'starting' ? this.readiness.settle(record)
      : record.status === 'updating' ? this.updates.settle(record) : this.removal.settle(record));
    const again = await this.records.get(record.id);
    if (!again.ok) return again;
    return ok(again.value?.record ?? { ...record, status: 'gone' });
  }
}
