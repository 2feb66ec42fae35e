/**
 * Reading and writing instance records the way every use case needs:
 * tombstones past their time count as absent, and a lifecycle transition is
 * recorded only by the operation that still owns the record.
 */
import { applyEvent, type LifecycleEvent } from '../domain/instance-lifecycle.js';
import type { InstanceRecord, Operation, OriginatingIdentity } from '../domain/records.js';
import { domainError } from '../domain/errors.js';
import { err, ok, type Result } from '../domain/result.js';
import { NO_METRICS, type Metrics } from './ports/metrics.js';
import type { StateStore, Stored } from './ports/state-store.js';
import type { Caller } from './requests.js';
import type { BrokerSettings, Runtime } from './settings.js';

export class InstanceRecords {
  constructor(
    private readonly store: StateStore,
    private readonly settings: BrokerSettings,
    private readonly runtime: Runtime,
    private readonly metrics: Metrics = NO_METRICS,
  ) {}

  /** The record, with expired tombstones treated as absent. */
  async get(id: string): Promise<Result<Stored<InstanceRecord> | undefined>> {
    const stored = await this.store.getInstance(id);
    if (!stored.ok || !stored.value) return stored;
    const { record } = stored.value;
    const age = this.runtime.now().getTime() - Date.parse(record.updatedAt);
    return record.status === 'gone' && age > this.settings.tombstoneMs ? ok(undefined) : stored;
  }

  /** Just the record, expired tombstones absent. */
  readonly read = async (id: string): Promise<Result<InstanceRecord | undefined>> => {
    const stored = await this.get(id);
    return stored.ok ? ok(stored.value?.record) : stored;
  };

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

  /** A new operation in progress; `requestedBy`: the caller's originating identity, when the platform sent one. */
  newOperation(type: Operation['type'], requestedBy?: OriginatingIdentity): Operation {
    return { id: this.runtime.newId(), type, state: 'in progress', startedAt: this.runtime.now().toISOString(), ...(requestedBy ? { requestedBy } : {}) };
  }

  /**
   * Moves the record through a lifecycle transition on behalf of operation
   * `operationId`; does nothing (answers 'superseded') when another
   * operation has taken over the record or the transition does not apply.
   */
  async apply(id: string, operationId: string, event: LifecycleEvent): Promise<Result<'recorded' | 'superseded'>> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const stored = await this.store.getInstance(id);
      if (!stored.ok) return stored;
      if (!stored.value || stored.value.record.operation.id !== operationId) return ok('superseded');
      const next = applyEvent(stored.value.record, event, this.runtime.now().toISOString());
      if (!next) return ok('superseded');
      const written = await this.store.updateInstance(next, stored.value.revision);
      if (written.ok) {
        this.observeEnd(stored.value.record.operation, next.operation);
        return ok('recorded');
      }
      if (written.error.kind !== 'ConcurrencyError') return written;
    }
    return ok('superseded');
  }

  /** An accepted operation ends through a transition recorded here, whoever finishes it (its job, a poll, the reconciler): the one place to time it. */
  private observeEnd(before: Operation, after: Operation): void {
    if (before.state !== 'in progress' || after.state === 'in progress') return;
    const seconds = (Date.parse(after.finishedAt ?? this.runtime.now().toISOString()) - Date.parse(after.startedAt)) / 1000;
    this.metrics.operationFinished(after.type, after.state, Math.max(0, seconds));
  }
}
