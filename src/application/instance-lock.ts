/**
 * Serialises operations on one instance across broker replicas: wait a while
 * for the lock, then give up with ConcurrencyError (422), which platforms retry.
 */
import { domainError } from '../domain/errors.js';
import { err, type Result } from '../domain/result.js';
import type { StateStore } from './ports/state-store.js';
import type { BrokerSettings, Runtime } from './settings.js';

export async function withInstanceLock<T>(
  store: StateStore,
  settings: BrokerSettings,
  runtime: Runtime,
  instanceId: string,
  work: () => Promise<Result<T>>,
): Promise<Result<T>> {
  const deadline = runtime.now().getTime() + settings.lockWaitMs;
  for (let delay = 10; ; delay = Math.min(delay * 2, 250)) {
    const lock = await store.acquireLock(instanceId, settings.lockTtlMs);
    if (!lock.ok) return lock;
    if (lock.value) {
      try {
        return await work();
      } finally {
        await store.releaseLock(lock.value);
      }
    }
    if (runtime.now().getTime() >= deadline) {
      return err(domainError('ConcurrencyError', `another operation on instance ${instanceId} is in progress`));
    }
    await runtime.sleep(delay);
  }
}
