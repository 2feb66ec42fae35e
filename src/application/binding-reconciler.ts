/**
 * Finishes binding work that the records say is unfinished, and revokes
 * bindings whose lifetime is over, from whichever replica runs the pass:
 *
 *   binding   -> a bind interrupted before it answered: roll back (remove
 *                what it made, forget it); the platform never got its 201
 *                and retries or sends an orphan-mitigating unbind
 *   unbinding -> remove what is left, forget it
 *   expired   -> remove its objects, keep the record as `revoked`
 *
 * A pass of its own rather than more states in the instance lifecycle: a
 * binding's work is small, synchronous and idempotent, and the instance
 * lock (taken only when nobody holds it) is all the coordination it needs.
 */
import { bindingStatus, type BindingRecord, type InstanceRecord } from '../domain/records.js';
import { ok, type Result } from '../domain/result.js';
import { hasExpired, removeBindingObjects } from './binding-objects.js';
import { tryInstanceLock } from './instance-lock.js';
import type { InstanceObjects } from './instance-objects.js';
import type { Logger } from './ports/logger.js';
import type { StateStore } from './ports/state-store.js';
import type { BrokerSettings, Runtime } from './settings.js';
import { Periodic } from './periodic.js';

export interface BindingReconcileReport {
  /** Bindings that owed work (interrupted or expired). */
  readonly pending: number;
  /** Of those, finished by this pass. */
  readonly done: number;
}

export class BindingReconciler {
  private readonly schedule = new Periodic();

  constructor(
    private readonly store: StateStore,
    private readonly objects: InstanceObjects,
    private readonly logger: Logger,
    private readonly settings: BrokerSettings,
    private readonly runtime: Runtime,
    /**
     * Whether an instance's bindings can owe work at all (its entry has
     * binding objects or a binding lifetime). Listing the bindings of every
     * instance on every pass would cost one store request per instance.
     */
    private readonly mayOweWork: (instance: InstanceRecord) => boolean = () => true,
  ) {}

  async reconcileOnce(): Promise<Result<BindingReconcileReport>> {
    const instances = await this.store.listInstances();
    if (!instances.ok) return instances;
    let pending = 0;
    let done = 0;
    for (const instance of instances.value) {
      if (this.schedule.stopping) break;
      if (instance.status === 'gone' || !this.mayOweWork(instance)) continue;
      const listed = await this.store.listBindings(instance.id);
      if (!listed.ok) return listed;
      const due = listed.value.filter((binding) => this.owesWork(binding));
      if (due.length === 0) continue;
      pending += due.length;
      const lock = await tryInstanceLock(this.store, this.settings, instance.id);
      if (!lock.ok || !lock.value) continue; // a live worker has it, or the store is away: next pass
      try {
        for (const binding of due) {
          const finished = await this.converge(binding);
          if (finished.ok) done++;
          else this.logger.warn('binding reconcile incomplete, will retry', { instanceId: binding.instanceId, bindingId: binding.id, reason: finished.error.message });
        }
      } finally {
        await lock.value.release();
      }
    }
    return ok({ pending, done });
  }

  /** Runs a pass now and then every `intervalMs` until stopped. */
  start(intervalMs: number): void {
    this.schedule.start(intervalMs, async () => {
      const report = await this.reconcileOnce();
      if (!report.ok) this.logger.warn('binding reconcile pass failed', { reason: report.error.message });
    });
  }

  /** Stops scheduling passes and waits for the current one. */
  stop(): Promise<void> {
    return this.schedule.stop();
  }

  private owesWork(binding: BindingRecord): boolean {
    const status = bindingStatus(binding);
    return status === 'binding' || status === 'unbinding' || (status === 'ready' && hasExpired(binding, this.runtime.now().getTime()));
  }

  /** Under the instance lock: read again, then do what is still owed. */
  private async converge(listed: BindingRecord): Promise<Result<void>> {
    const stored = await this.store.getBinding(listed.instanceId, listed.id);
    if (!stored.ok || !stored.value || !this.owesWork(stored.value)) return stored.ok ? ok(undefined) : stored;
    const binding = stored.value;
    const removed = await removeBindingObjects(this.objects, binding);
    if (!removed.ok) return removed;
    if (bindingStatus(binding) !== 'ready') return this.store.deleteBinding(binding.instanceId, binding.id);
    this.logger.info('binding expired, revoked', { instanceId: binding.instanceId, bindingId: binding.id, expiresAt: binding.expiresAt });
    return this.store.putBinding({ ...binding, status: 'revoked', objects: [] });
  }
}
