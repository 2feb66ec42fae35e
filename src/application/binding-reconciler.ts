/**
 * Finishes binding work that the records say is unfinished, and revokes
 * bindings whose lifetime is over, from whichever replica runs the pass:
 *
 *   binding   -> an asynchronous bind whose job died: create the rest (the
 *                same plan) or, when the plan changed, fail it and remove
 *                what exists; a synchronous bind interrupted before it
 *                answered: roll back (the platform never got its 201 and
 *                retries or sends an orphan-mitigating unbind)
 *   starting  -> judge readiness (ready, or failed past the timeout)
 *   unbinding -> revoke its Vault lease and remove what is left, forget it
 *                once nothing is (a lease Vault would not revoke: next pass)
 *   failed    -> remove what a failed bind's rollback left
 *   expired   -> revoke its lease, remove its objects, keep the record as `revoked`
 *
 * A pass of its own rather than more states in the instance lifecycle: the
 * instance lock (taken only when nobody holds it) is all the coordination a
 * binding needs, and binding-work.ts is what every path shares.
 */
import { pendingBindingWork } from '../domain/binding-lifecycle.js';
import { bindingStatus, type BindingRecord, type InstanceRecord } from '../domain/records.js';
import { ok, type Result } from '../domain/result.js';
import { hasExpired } from './binding-objects.js';
import type { BindingWork } from './binding-work.js';
import { tryInstanceLock, type HeldLock } from './instance-lock.js';
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
  private readonly schedule = new Periodic((error) =>
    this.logger.error('binding reconcile pass crashed, will run again', { reason: error instanceof Error ? error.message : String(error) }));

  constructor(
    private readonly store: StateStore,
    private readonly work: BindingWork,
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
          const finished = await this.converge(binding, lock.value);
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
    return pendingBindingWork(binding) !== undefined || (bindingStatus(binding) === 'ready' && hasExpired(binding, this.runtime.now().getTime()));
  }

  /** Under the instance lock: read again, then do what is still owed. */
  private async converge(listed: BindingRecord, lock: HeldLock): Promise<Result<void>> {
    const stored = await this.store.getBinding(listed.instanceId, listed.id);
    if (!stored.ok || !stored.value || !this.owesWork(stored.value)) return stored.ok ? ok(undefined) : stored;
    const binding = stored.value;
    if (bindingStatus(binding) === 'ready') return this.work.revokeLocked(binding);
    // A starting binding is judged on every pass until it is ready: not news.
    if (pendingBindingWork(binding) !== 'settle') {
      this.logger.info('resuming unfinished binding work', { instanceId: binding.instanceId, bindingId: binding.id, status: bindingStatus(binding) });
    }
    return this.work.resumeLocked(binding, () => lock.held);
  }
}
