/**
 * Finishes what the records say is unfinished. Every operation writes its
 * intent into the instance record before acting, and holds the instance's
 * lock (renewed) while it acts. So an operation still "in progress" whose
 * lock nobody holds was interrupted: its broker died, or a store or
 * apiserver outage stopped it. Whichever replica finds it converges the
 * cluster to the record, at start-up and then periodically:
 *
 *   provisioning   -> create what is missing (adopting what is ours), or install the
 *                     release again (helm replaces an install cut off), then starting
 *   starting       -> judge readiness (ready, or failed past the timeout)
 *   updating       -> apply the target plan if not yet applied, then settle (ready on the
 *                     target plan, or the previous plan restored)
 *   deprovisioning -> remove everything, then gone
 *   failed with objects listed -> remove them (a rollback that could not finish)
 *
 * No timeouts decide that work is lost; a lock TTL decides that its worker is.
 */
import { describeRef, refOf, sameRef } from '../domain/kube-object.js';
import { pendingWork } from '../domain/instance-lifecycle.js';
import type { InstanceRecord } from '../domain/records.js';
import { planInstance, type InstancePlan } from '../domain/instance-plan.js';
import { ok, type Result } from '../domain/result.js';
import type { CatalogService } from './catalog-service.js';
import { tryInstanceLock, type HeldLock } from './instance-lock.js';
import type { InstanceObjects } from './instance-objects.js';
import type { InstanceReadiness } from './instance-readiness.js';
import type { InstanceRecords } from './instance-records.js';
import type { InstanceUpdate } from './instance-update.js';
import type { Logger } from './ports/logger.js';
import type { StateStore } from './ports/state-store.js';
import type { BrokerSettings } from './settings.js';
import type { TemplateFacts } from './template-facts.js';
import { Periodic } from './periodic.js';

export interface ReconcileReport {
  /** Records that owed work. */
  readonly pending: number;
  /** Of those, taken up by this pass (the others are held by a live worker). */
  readonly resumed: number;
  /** Of those resumed, how many could not finish this time (retried next pass). */
  readonly failed: number;
}

/** What the reconciler needs of deprovision: the work of a deprovisioning record, under the caller's lock. */
export interface RemovalWork {
  removeEverything(record: InstanceRecord, resumed?: boolean): Promise<Result<void>>;
}

export class OperationReconciler {
  private readonly schedule = new Periodic((error) =>
    this.logger.error('reconcile pass crashed, will run again', { reason: error instanceof Error ? error.message : String(error) }));

  constructor(
    private readonly store: StateStore,
    private readonly records: InstanceRecords,
    private readonly objects: InstanceObjects,
    private readonly readiness: InstanceReadiness,
    private readonly removal: RemovalWork,
    private readonly catalog: CatalogService,
    private readonly logger: Logger,
    private readonly settings: BrokerSettings,
    private readonly templateFacts: TemplateFacts,
    private readonly updates: InstanceUpdate,
  ) {}

  /** One pass over every record. */
  async reconcileOnce(): Promise<Result<ReconcileReport>> {
    const listed = await this.store.listInstances();
    if (!listed.ok) return listed;
    const pending = listed.value.filter((record) => pendingWork(record) !== undefined);
    let resumed = 0;
    let failed = 0;
    for (const record of pending) {
      if (this.schedule.stopping) break;
      const lock = await tryInstanceLock(this.store, this.settings, record.id);
      if (!lock.ok || !lock.value) continue; // a live worker has it, or the store is away: next pass
      resumed++;
      try {
        const done = await this.converge(record.id, lock.value);
        if (!done.ok) {
          failed++;
          this.logger.warn('reconcile incomplete, will retry', { instanceId: record.id, reason: done.error.message });
        }
      } finally {
        await lock.value.release();
      }
    }
    return ok({ pending: pending.length, resumed, failed });
  }

  /** Runs a pass now and then every `intervalMs` until stopped. */
  start(intervalMs: number, onPass: (report: Result<ReconcileReport>) => void = () => {}): void {
    this.schedule.start(intervalMs, async () => onPass(await this.reconcileOnce()));
  }

  /** Stops scheduling passes and waits for the current one. */
  stop(): Promise<void> {
    return this.schedule.stop();
  }

  private async converge(id: string, lock: HeldLock): Promise<Result<void>> {
    // Read again under the lock: the record may have moved on since the listing.
    const stored = await this.records.get(id);
    if (!stored.ok || !stored.value) return stored.ok ? ok(undefined) : stored;
    const record = stored.value.record;
    const work = pendingWork(record);
    if (work !== undefined) this.logger.info('resuming interrupted operation', { instanceId: id, operation: record.operation.type, status: record.status });
    switch (work) {
      case 'create': return this.resumeCreate(record, lock);
      case 'settle': return this.readiness.settleLocked(record);
      case 'update': return this.updates.continueLocked(record, () => lock.held);
      case 'remove': return this.removal.removeEverything(record, true);
      case 'cleanup': return this.cleanUp(record);
      case undefined: return ok(undefined);
    }
  }

  /**
   * Creates what an interrupted provision had not created yet, if the entry
   * still renders exactly the recorded plan; otherwise (the entry changed or
   * is gone) the instance cannot be finished as it was asked for, and what
   * exists is rolled back.
   */
  private async resumeCreate(record: InstanceRecord, lock: HeldLock): Promise<Result<void>> {
    const entry = this.catalog.findPlan(record.serviceId, record.planId);
    // Generated values derive from the instance id: the resumed render repeats what the first attempt delivered.
    const facts = entry ? await this.templateFacts.of(entry, this.catalog.catalog().templates, record) : undefined;
    if (facts?.ok === false) return facts; // the generation key cannot be read now: retry next pass rather than roll back
    const rendered = entry && facts?.ok ? planInstance(entry, this.catalog.catalog().templates, facts.value) : undefined;
    const plan = rendered?.ok ? rendered.value.plan : undefined;
    if (plan === undefined || !samePlan(plan, record)) {
      const removed = await this.objects.removeInstance(record);
      const reason = 'provisioning was interrupted and its plan has changed since; provision again';
      const failed = await this.records.apply(record.id, record.operation.id, { type: 'provisionFailed', reason, rolledBack: removed.ok });
      return removed.ok ? (failed.ok ? ok(undefined) : failed) : removed;
    }
    const created = await this.objects.make(record.id, plan, () => lock.held);
    if (!lock.held) return ok(undefined);
    const event = created.ok
      ? ({ type: 'objectsCreated', ...created.value } as const)
      : ({ type: 'provisionFailed', reason: created.error.message, rolledBack: created.error.rolledBack } as const);
    const applied = await this.records.apply(record.id, record.operation.id, event);
    if (!created.ok) this.logger.warn('resumed provision failed', { instanceId: record.id, reason: created.error.message, objects: record.objects.map(describeRef).join(', ') });
    return applied.ok ? ok(undefined) : applied;
  }

  private async cleanUp(record: InstanceRecord): Promise<Result<void>> {
    const removed = await this.objects.removeInstance(record);
    if (!removed.ok) return removed;
    const applied = await this.records.apply(record.id, record.operation.id, { type: 'leftoversRemoved' });
    return applied.ok ? ok(undefined) : applied;
  }
}

/**
 * The entry still renders what the interrupted provision recorded: the same
 * objects, or the same release (installing it again is idempotent, and
 * helm replaces the remains of an install that was cut off).
 */
function samePlan(plan: InstancePlan, record: InstanceRecord): boolean {
  if (plan.kind === 'release') return record.release?.namespace === plan.spec.namespace && record.release.name === plan.spec.name;
  return record.release === undefined && plan.objects.length === record.objects.length &&
    plan.objects.every((object, i) => sameRef(refOf(object), record.objects[i]!));
}
