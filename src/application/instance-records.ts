/**
 * Reading and writing instance records the way every use case needs:
 * tombstones past their time count as absent, and the operation outcome is
 * recorded only by the operation that still owns the record.
 */
import type { InstanceRecord, InstanceStatus, Operation, OperationState } from '../domain/records.js';
import { domainError } from '../domain/errors.js';
import { err, ok, type Result } from '../domain/result.js';
import type { StateStore, Stored } from './ports/state-store.js';
import type { Caller } from './requests.js';
import type { BrokerSettings, Runtime } from './settings.js';

/** Grace on top of the readiness timeout before an unfinished operation counts as abandoned. */
const ABANDON_GRACE_MS = 2 * 60_000;

export class InstanceRecords {
  constructor(
    private readonly store: StateStore,
    private readonly settings: BrokerSettings,
    private readonly runtime: Runtime,
  ) {}

  /** The record, with expired tombstones treated as absent. */
  async get(id: string): Promise<Result<Stored<InstanceRecord> | undefined>> {
    const stored = await this.store.getInstance(id);
    if (!stored.ok || !stored.value) return stored;
    const { record } = stored.value;
    const age = this.runtime.now().getTime() - Date.parse(record.updatedAt);
    return record.status === 'gone' && age > this.settings.tombstoneMs ? ok(undefined) : stored;
  }

  /** The live record as the caller may see it: NotFound when absent, deleted, or another namespace's. */
  async visible(id: string, caller: Caller): Promise<Result<InstanceRecord>> {
    const stored = await this.get(id);
    if (!stored.ok) return stored;
    const record = stored.value?.record;
    const view = caller.viewNamespace;
    if (!record || record.status === 'gone' || (view !== undefined && record.consumerNamespace !== view)) {
      return err(domainError('NotFound', `instance ${id} does not exist`));
    }
    return ok(record);
  }

  /** Writes a new record, replacing an expired tombstone or a failed attempt when there is one. */
  async put(record: InstanceRecord, previous: Stored<InstanceRecord> | undefined): Promise<Result<string>> {
    return previous ? this.store.updateInstance(record, previous.revision) : this.store.createInstance(record);
  }

  /** True for an operation still "in progress" long after any broker could be working on it: its process died. */
  isAbandoned(operation: Operation): boolean {
    const age = this.runtime.now().getTime() - Date.parse(operation.startedAt);
    return operation.state === 'in progress' && age > this.settings.readinessTimeoutMs + ABANDON_GRACE_MS;
  }

  newOperation(type: Operation['type']): Operation {
    return { id: this.runtime.newId(), type, state: 'in progress', startedAt: this.runtime.now().toISOString() };
  }

  /**
   * Records the progress or end of operation `operationId`; does nothing
   * (answers 'superseded') when another operation has taken over the record.
   */
  async finish(id: string, operationId: string, state: OperationState, status: InstanceStatus, description?: string): Promise<Result<'recorded' | 'superseded'>> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const stored = await this.store.getInstance(id);
      if (!stored.ok) return stored;
      if (!stored.value || stored.value.record.operation.id !== operationId) return ok('superseded');
      const now = this.runtime.now().toISOString();
      const { record, revision } = stored.value;
      const finished = state === 'in progress' ? {} : { finishedAt: now };
      const operation: Operation = { ...record.operation, state, ...finished, ...(description !== undefined ? { description } : {}) };
      const written = await this.store.updateInstance({ ...record, status, operation, updatedAt: now }, revision);
      if (written.ok) return ok('recorded');
      if (written.error.kind !== 'ConcurrencyError') return written;
    }
    return ok('superseded');
  }
}
