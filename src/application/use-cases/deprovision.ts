/**
 * Deprovision: remove everything made for the instance (also when its
 * provision is still running or never finished), forget its bindings, and
 * answer 410 when there is nothing to remove, as orphan mitigation expects.
 */
import { domainError } from '../../domain/errors.js';
import type { InstanceRecord } from '../../domain/records.js';
import { err, ok, type Result } from '../../domain/result.js';
import { withInstanceLock } from '../instance-lock.js';
import type { InstanceObjects } from '../instance-objects.js';
import type { InstanceRecords } from '../instance-records.js';
import type { OperationJobs } from '../operation-jobs.js';
import type { Logger } from '../ports/logger.js';
import type { StateStore, Stored } from '../ports/state-store.js';
import type { Caller } from '../requests.js';
import type { BrokerSettings, Runtime } from '../settings.js';

export interface DeprovisionRequest {
  readonly instanceId: string;
  readonly acceptsIncomplete: boolean;
  readonly caller: Caller;
}

export type DeprovisionAnswer = { readonly outcome: 'deleted' } | { readonly outcome: 'accepted'; readonly operation: string };

export class Deprovision {
  constructor(
    private readonly store: StateStore,
    private readonly records: InstanceRecords,
    private readonly objects: InstanceObjects,
    private readonly jobs: OperationJobs,
    private readonly logger: Logger,
    private readonly settings: BrokerSettings,
    private readonly runtime: Runtime,
  ) {}

  async execute(request: DeprovisionRequest): Promise<Result<DeprovisionAnswer>> {
    return withInstanceLock(this.store, this.settings, this.runtime, request.instanceId, () => this.deprovisionLocked(request));
  }

  private async deprovisionLocked(request: DeprovisionRequest): Promise<Result<DeprovisionAnswer>> {
    const existing = await this.records.get(request.instanceId);
    if (!existing.ok) return existing;
    if (!existing.value || existing.value.record.status === 'gone') {
      return err(domainError('Gone', `instance ${request.instanceId} does not exist`));
    }
    const { record } = existing.value;
    const view = request.caller.viewNamespace;
    if (view !== undefined && view !== record.consumerNamespace) {
      return err(domainError('InvalidRequest', `instance ${record.id} does not belong to namespace "${view}"`));
    }
    if (record.status === 'deprovisioning' && !this.records.isAbandoned(record.operation)) {
      return request.acceptsIncomplete
        ? ok({ outcome: 'accepted', operation: record.operation.id })
        : err(domainError('ConcurrencyError', `instance ${record.id} is already being deprovisioned`));
    }
    // A running provision in this process stops (and rolls back) before we remove anything.
    await this.jobs.cancel(record.id);
    const current = await this.records.get(record.id);
    if (!current.ok) return current;
    if (!current.value) return err(domainError('Gone', `instance ${record.id} does not exist`));
    if (record.objects.length > 0 && request.acceptsIncomplete) return this.startInBackground(current.value);
    return this.deprovisionNow(current.value);
  }

  private async deprovisionNow({ record, revision }: Stored<InstanceRecord>): Promise<Result<DeprovisionAnswer>> {
    const removed = await this.objects.remove(record.id, record.objects);
    if (!removed.ok) return removed;
    const forgotten = await this.forgetBindings(record.id);
    if (!forgotten.ok) return forgotten;
    const deleted = await this.store.deleteInstance(record.id, revision);
    if (!deleted.ok) return deleted;
    this.logger.info('instance deprovisioned', { instanceId: record.id, objects: record.objects.length });
    return ok({ outcome: 'deleted' });
  }

  private async startInBackground({ record, revision }: Stored<InstanceRecord>): Promise<Result<DeprovisionAnswer>> {
    const operation = this.records.newOperation('deprovision');
    const deprovisioning = { ...record, status: 'deprovisioning' as const, operation, updatedAt: operation.startedAt };
    const written = await this.store.updateInstance(deprovisioning, revision);
    if (!written.ok) return written;
    this.jobs.start(record.id, () => this.finishInBackground(deprovisioning), (crash) =>
      this.logger.error('deprovision job crashed', { instanceId: record.id, error: String(crash) }),
    );
    return ok({ outcome: 'accepted', operation: operation.id });
  }

  private async finishInBackground(record: InstanceRecord): Promise<void> {
    const removed = await this.objects.remove(record.id, record.objects);
    const forgotten = removed.ok ? await this.forgetBindings(record.id) : removed;
    if (forgotten.ok) {
      // The record stays as a tombstone so late polls of last_operation get 410 Gone.
      await this.records.finish(record.id, record.operation.id, 'succeeded', 'gone', 'all objects removed');
      this.logger.info('instance deprovisioned', { instanceId: record.id, objects: record.objects.length });
    } else {
      await this.records.finish(record.id, record.operation.id, 'failed', 'failed', forgotten.error.message);
      this.logger.warn('deprovision failed', { instanceId: record.id, reason: forgotten.error.message });
    }
  }

  private async forgetBindings(instanceId: string): Promise<Result<void>> {
    const bindings = await this.store.listBindings(instanceId);
    if (!bindings.ok) return bindings;
    for (const binding of bindings.value) {
      const deleted = await this.store.deleteBinding(instanceId, binding.id);
      if (!deleted.ok) return deleted;
    }
    return ok(undefined);
  }
}
