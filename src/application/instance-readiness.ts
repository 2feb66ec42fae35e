/**
 * Decides when an async provision is done, at the moment a platform asks
 * (last_operation), by looking at the objects themselves. No process has to
 * stay alive to watch them, so any replica can answer and shutdown never
 * waits for a slow rollout.
 */
import { describeRef, type ObjectRef } from '../domain/kube-object.js';
import { readinessOf, takesTime } from '../domain/readiness.js';
import type { InstanceRecord } from '../domain/records.js';
import { ok, type Result } from '../domain/result.js';
import type { BindingCredentials } from './binding-credentials.js';
import type { InstanceObjects } from './instance-objects.js';
import type { InstanceRecords } from './instance-records.js';
import type { ClusterApi } from './ports/cluster-api.js';
import type { Logger } from './ports/logger.js';
import type { StateStore } from './ports/state-store.js';
import { ifStillUnlocked } from './instance-lock.js';
import type { BrokerSettings, Runtime } from './settings.js';


export class InstanceReadiness {
  constructor(
    private readonly store: StateStore,
    private readonly cluster: ClusterApi,
    private readonly records: InstanceRecords,
    private readonly objects: InstanceObjects,
    private readonly logger: Logger,
    private readonly settings: BrokerSettings,
    private readonly runtime: Runtime,
    private readonly credentials: BindingCredentials,
  ) {}

  /**
   * For a `starting` instance: records success once every object is ready,
   * failure (and removal) as soon as an object reports it never will (a
   * rollout past its progress deadline), else past the timeout. Under the
   * instance lock, tried once: when another operation holds it, this poll
   * simply changes nothing.
   */
  async settle(record: InstanceRecord): Promise<Result<void>> {
    return ifStillUnlocked(this.store, this.settings, this.records.read, record, (current) => this.settleLocked(current));
  }

  /** The same decision for a caller that already holds the instance's lock (the reconciler). */
  async settleLocked(record: InstanceRecord): Promise<Result<void>> {
    const pending = await this.notReady(record.objects.filter((ref) => takesTime(ref)));
    if (!pending.ok) return pending;
    const { id, operation } = record;
    if (pending.value === 'missing') return this.fail(record, 'an object was deleted while provisioning');
    if (!Array.isArray(pending.value)) return this.fail(record, pending.value.failed);
    const waiting = pending.value.length > 0 ? ok(pending.value.map(describeRef)) : await this.credentialsPending(record);
    if (!waiting.ok) return waiting;
    if (waiting.value.length === 0) {
      const done = await this.records.apply(id, operation.id, { type: 'becameReady', description: 'all objects are ready' });
      if (done.ok) this.logger.info('provision succeeded', { instanceId: id });
      return done.ok ? ok(undefined) : done;
    }
    const age = this.runtime.now().getTime() - Date.parse(operation.startedAt);
    if (age <= this.settings.readinessTimeoutMs) return ok(undefined);
    return this.fail(record, `not ready within ${this.settings.readinessTimeoutMs / 1000}s: ${waiting.value.join(', ')}`);
  }

  /** Once the objects are ready: an instance whose credentials come from its own Secret also waits for that Secret. */
  private async credentialsPending(record: InstanceRecord): Promise<Result<string[]>> {
    const pending = await this.credentials.pending(record);
    return pending.ok ? ok(pending.value === undefined ? [] : [pending.value]) : pending;
  }

  /** A failed provision leaves nothing behind: remove the objects, then record why (and what is left, if anything). */
  private async fail(record: InstanceRecord, reason: string): Promise<Result<void>> {
    const removed = await this.objects.removeInstance(record);
    const failed = await this.records.apply(record.id, record.operation.id, { type: 'provisionFailed', reason, rolledBack: removed.ok });
    this.logger.warn('provision failed', { instanceId: record.id, reason });
    return failed.ok ? ok(undefined) : failed;
  }

  /** The objects not ready yet; 'missing' when one is gone; the first failure when one will never be ready. */
  private async notReady(refs: readonly ObjectRef[]): Promise<Result<ObjectRef[] | 'missing' | { readonly failed: string }>> {
    const pending: ObjectRef[] = [];
    for (const ref of refs) {
      const object = await this.cluster.get(ref);
      if (!object.ok) return object;
      if (!object.value) return ok('missing');
      const readiness = readinessOf(object.value);
      if (readiness.state === 'failed') return ok({ failed: `${describeRef(ref)}: ${readiness.reason}` });
      if (readiness.state === 'inProgress') pending.push(ref);
    }
    return ok(pending);
  }
}
