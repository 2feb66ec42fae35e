/**
 * Deprovision: remove everything made for the instance (also when its
 * provision is still running or never finished), forget its bindings, and
 * answer 410 when there is nothing to remove, as orphan mitigation expects.
 */
import { domainError, type DomainError } from '../../domain/errors.js';
import { describeRef } from '../../domain/kube-object.js';
import { takesTime } from '../../domain/readiness.js';
import type { InstanceRecord } from '../../domain/records.js';
import { err, ok, type Result } from '../../domain/result.js';
import { withInstanceLock, type HeldLock } from '../instance-lock.js';
import type { InstanceObjects } from '../instance-objects.js';
import type { InstanceRemoval } from '../instance-removal.js';
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

/** Objects whose removal takes time (Pods terminating) cannot be removed within one synchronous request. */
function asyncRequired(record: InstanceRecord): DomainError | undefined {
  const slow = record.objects.find((ref) => takesTime(ref));
  return slow ? domainError('AsyncRequired', `this instance has a ${slow.kind}, whose removal takes time: send accepts_incomplete=true`) : undefined;
}

export class Deprovision {
  constructor(
    private readonly store: StateStore,
    private readonly records: InstanceRecords,
    private readonly objects: InstanceObjects,
    private readonly removal: InstanceRemoval,
    private readonly jobs: OperationJobs,
    private readonly logger: Logger,
    private readonly settings: BrokerSettings,
    private readonly runtime: Runtime,
  ) {}

  async execute(request: DeprovisionRequest): Promise<Result<DeprovisionAnswer>> {
    // A provision running in this process holds the lock: stop it first (it leaves its objects to us).
    const before = await this.records.get(request.instanceId);
    if (!before.ok) return before;
    const current = before.value?.record;
    const visible = current !== undefined && (request.caller.viewNamespace ?? current.consumerNamespace) === current.consumerNamespace;
    // A repeat of a running deprovision is answered from the record: its job holds the lock.
    if (visible && current.status === 'deprovisioning') {
      return request.acceptsIncomplete
        ? ok({ outcome: 'accepted', operation: current.operation.id })
        : err(domainError('ConcurrencyError', `instance ${current.id} is already being deprovisioned`));
    }
    // Refused before anything is touched: a 4xx leaves the running provision alone.
    if (visible && current.status !== 'gone' && !request.acceptsIncomplete) {
      const slow = asyncRequired(current);
      if (slow) return err(slow);
    }
    if (current?.status === 'provisioning') await this.jobs.cancel(request.instanceId);
    return withInstanceLock(this.store, this.settings, this.runtime, request.instanceId, (lock, keep) => this.deprovisionLocked(request, lock, keep));
  }

  private async deprovisionLocked(request: DeprovisionRequest, lock: HeldLock, keepLock: () => void): Promise<Result<DeprovisionAnswer>> {
    const existing = await this.records.get(request.instanceId);
    if (!existing.ok) return existing;
    if (!existing.value || existing.value.record.status === 'gone') {
      return err(domainError('Gone', `instance ${request.instanceId} does not exist`));
    }
    const { record } = existing.value;
    const view = request.caller.viewNamespace;
    if (view !== undefined && view !== record.consumerNamespace) {
      // Another namespace's instance reads exactly like one that does not exist.
      return err(domainError('Gone', `instance ${request.instanceId} does not exist`));
    }
    if (record.status === 'deprovisioning') {
      // Running here or elsewhere, or resumed by the reconciler after a crash: the same operation either way.
      return request.acceptsIncomplete
        ? ok({ outcome: 'accepted', operation: record.operation.id })
        : err(domainError('ConcurrencyError', `instance ${record.id} is already being deprovisioned`));
    }
    const slow = request.acceptsIncomplete ? undefined : asyncRequired(record);
    if (slow) return err(slow);
    if (record.objects.length > 0 && request.acceptsIncomplete) {
      keepLock();
      return this.startInBackground(existing.value, lock);
    }
    return this.deprovisionNow(existing.value);
  }

  private async deprovisionNow({ record, revision }: Stored<InstanceRecord>): Promise<Result<DeprovisionAnswer>> {
    const removed = await this.objects.removeInstance(record);
    if (!removed.ok) return removed;
    const left = await this.objects.remaining(record.id, removed.value);
    if (!left.ok) return left;
    const forgotten = left.value.length > 0 ? ok([]) : await this.removal.forgetBindings(record.id);
    if (!forgotten.ok) return forgotten;
    const waiting = [...left.value, ...forgotten.value];
    if (waiting.length > 0) {
      // Something is held by a finalizer: it cannot be gone within this request. The record stays, now
      // deprovisioning, so the reconciler finishes the delete; a repeated DELETE then answers 410.
      const operation = this.records.newOperation('deprovision');
      await this.store.updateInstance({ ...record, status: 'deprovisioning', operation, updatedAt: operation.startedAt }, revision);
      return err(domainError('Unavailable', `${waiting.map(describeRef).join(', ')} of instance ${record.id} is still terminating; the broker finishes the delete on its own`));
    }
    const deleted = await this.store.deleteInstance(record.id, revision);
    if (!deleted.ok) return deleted;
    this.logger.info('instance deprovisioned', { instanceId: record.id, objects: record.objects.length });
    return ok({ outcome: 'deleted' });
  }

  /** Records the intent (deprovisioning) and hands the lock to a job that removes everything. */
  private async startInBackground({ record, revision }: Stored<InstanceRecord>, lock: HeldLock): Promise<Result<DeprovisionAnswer>> {
    const operation = this.records.newOperation('deprovision');
    const deprovisioning = { ...record, status: 'deprovisioning' as const, operation, updatedAt: operation.startedAt };
    const written = await this.store.updateInstance(deprovisioning, revision);
    if (!written.ok) {
      await lock.release();
      return written;
    }
    this.jobs.start(record.id, async () => {
      try {
        if (lock.held) await this.removal.removeEverything(deprovisioning);
      } finally {
        await lock.release();
      }
    }, (crash) => this.logger.error('deprovision job crashed', { instanceId: record.id, error: String(crash) }));
    return ok({ outcome: 'accepted', operation: operation.id });
  }

}
