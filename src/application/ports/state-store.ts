import type { BindingRecord, InstanceRecord } from '../../domain/records.js';
import type { Result } from '../../domain/result.js';

/** An opaque token that changes on every write of a record: the basis of compare-and-set. */
export type Revision = string;

export interface Stored<T> {
  readonly record: T;
  readonly revision: Revision;
}

/** A held per-instance lock; only its owner can release it. */
export interface Lock {
  readonly instanceId: string;
  readonly owner: string;
}

/**
 * Instance and binding records. Writes are create-if-absent or
 * compare-and-set, so several broker replicas can share one store. A
 * mismatch is a ConcurrencyError; an unreachable store is Unavailable (for a
 * write: outcome unknown, read again before retrying); a record that cannot
 * be decoded is Infrastructure. Revisions are never reused for an id, even
 * after a delete and re-create.
 */
export interface StateStore {
  /** The instance record, or undefined when absent. */
  getInstance(id: string): Promise<Result<Stored<InstanceRecord> | undefined>>;
  /** Stores a new record; ConcurrencyError when one with that id exists. */
  createInstance(record: InstanceRecord): Promise<Result<Revision>>;
  /** Replaces the record only if it is still at `expected`; ConcurrencyError otherwise (also when absent). */
  updateInstance(record: InstanceRecord, expected: Revision): Promise<Result<Revision>>;
  /** Removes the record only if it is still at `expected`; ok when already absent. Its bindings are the caller's to remove first. */
  deleteInstance(id: string, expected: Revision): Promise<Result<void>>;
  /** Every instance record, in no particular order. */
  listInstances(): Promise<Result<InstanceRecord[]>>;

  /** The binding record, or undefined when absent. */
  getBinding(instanceId: string, bindingId: string): Promise<Result<BindingRecord | undefined>>;
  /** Stores a new binding; ConcurrencyError when one with that id exists for the instance. */
  createBinding(record: BindingRecord): Promise<Result<void>>;
  /** Writes the whole binding over any stored one (what it leaves out is gone), or creates it; only the holder of the instance's lock changes a binding. */
  putBinding(record: BindingRecord): Promise<Result<void>>;
  /** Removes the binding; ok when already absent. */
  deleteBinding(instanceId: string, bindingId: string): Promise<Result<void>>;
  /** Every binding of the instance. */
  listBindings(instanceId: string): Promise<Result<BindingRecord[]>>;

  /** Takes the instance's lock for `ttlMs`; undefined when another owner holds it. */
  acquireLock(instanceId: string, ttlMs: number): Promise<Result<Lock | undefined>>;
  /** Extends the lock to `ttlMs` from now; true only if `lock` still held it unexpired, false when lost (expired, taken over or released). */
  renewLock(lock: Lock, ttlMs: number): Promise<Result<boolean>>;
  /** Releases the lock if `lock` still owns it; ok otherwise (it expired or was taken over). */
  releaseLock(lock: Lock): Promise<Result<void>>;

  /** Succeeds when the store answers: the readiness probe. */
  ping(): Promise<Result<void>>;
  /** Closes connections. Idempotent. */
  close(): Promise<void>;
}
