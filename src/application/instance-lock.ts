/**
 * One actor per instance, across broker replicas. A lock is taken for a
 * short TTL and renewed while its work runs, so a replica that dies frees
 * the instance within one TTL and the reconciler can take the work over.
 * A holder that fails to renew has lost the instance: its `lost` signal
 * fires and the work stops acting (fencing), so two replicas never act on
 * one instance.
 */
import { domainError } from '../domain/errors.js';
import { err, ok, type Result } from '../domain/result.js';
import type { InstanceRecord } from '../domain/records.js';
import type { Lock, StateStore } from './ports/state-store.js';
import type { BrokerSettings, Runtime } from './settings.js';

export class HeldLock {
  private readonly fence = new AbortController();
  private readonly renewal: ReturnType<typeof setInterval>;
  private released = false;

  constructor(
    private readonly store: StateStore,
    readonly lock: Lock,
    private readonly ttlMs: number,
  ) {
    // A third of the TTL leaves two more tries before the lock could expire.
    this.renewal = setInterval(() => void this.renew(), Math.max(1, Math.floor(ttlMs / 3)));
    this.renewal.unref();
  }

  /** Fires when the lock could not be renewed: whoever holds this must stop acting. */
  get lost(): AbortSignal {
    return this.fence.signal;
  }

  get held(): boolean {
    return !this.released && !this.fence.signal.aborted;
  }

  /** Stops renewing and releases the lock if it is still ours. Idempotent. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.renewal);
    await this.store.releaseLock(this.lock);
  }

  private async renew(): Promise<void> {
    if (!this.held) return;
    const renewed = await this.store.renewLock(this.lock, this.ttlMs);
    // An unreachable store may have let the lock expire meanwhile: treat it as lost, never guess.
    if (!renewed.ok || !renewed.value) {
      clearInterval(this.renewal);
      this.fence.abort();
    }
  }
}

/** Takes the instance's lock once, without waiting; undefined when someone else holds it. */
export async function tryInstanceLock(store: StateStore, settings: BrokerSettings, instanceId: string): Promise<Result<HeldLock | undefined>> {
  const lock = await store.acquireLock(instanceId, settings.lockTtlMs);
  if (!lock.ok) return lock;
  return ok(lock.value ? new HeldLock(store, lock.value, settings.lockTtlMs) : undefined);
}

/** Waits a while for the instance's lock, then gives up with ConcurrencyError (422), which platforms retry. */
export async function acquireInstanceLock(store: StateStore, settings: BrokerSettings, runtime: Runtime, instanceId: string): Promise<Result<HeldLock>> {
  const deadline = runtime.now().getTime() + settings.lockWaitMs;
  for (let delay = 10; ; delay = Math.min(delay * 2, 250)) {
    const held = await tryInstanceLock(store, settings, instanceId);
    if (!held.ok) return held;
    if (held.value) return ok(held.value);
    if (runtime.now().getTime() >= deadline) {
      return err(domainError('ConcurrencyError', `another operation on instance ${instanceId} is in progress`));
    }
    await runtime.sleep(delay);
  }
}

/**
 * Runs `work` holding the instance's lock. The work may hand the lock over
 * to a background job (`keep`), which then releases it when it finishes.
 */
export async function withInstanceLock<T>(
  store: StateStore,
  settings: BrokerSettings,
  runtime: Runtime,
  instanceId: string,
  work: (lock: HeldLock, keep: () => void) => Promise<Result<T>>,
): Promise<Result<T>> {
  const held = await acquireInstanceLock(store, settings, runtime, instanceId);
  if (!held.ok) return held;
  let kept = false;
  try {
    return await work(held.value, () => (kept = true));
  } finally {
    if (!kept) await held.value.release();
  }
}

/**
 * For a poll (last_operation): if nobody holds the instance's lock, takes it
 * once, reads the record again and runs `work` only if it is still in
 * `status` under the same operation. When someone holds the lock, the poll
 * simply changes nothing: that someone is doing the work.
 */
export async function ifStillUnlocked(
  store: StateStore,
  settings: BrokerSettings,
  read: (id: string) => Promise<Result<InstanceRecord | undefined>>,
  seen: InstanceRecord,
  work: (current: InstanceRecord) => Promise<Result<void>>,
): Promise<Result<void>> {
  const lock = await tryInstanceLock(store, settings, seen.id);
  if (!lock.ok || !lock.value) return lock.ok ? ok(undefined) : lock;
  try {
    const current = await read(seen.id);
    if (!current.ok) return current;
    const now = current.value;
    return now?.status === seen.status && now.operation.id === seen.operation.id ? await work(now) : ok(undefined);
  } finally {
    await lock.value.release();
  }
}
