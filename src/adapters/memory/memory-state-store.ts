/**
 * The StateStore for a single broker process (dev mode, tests, one replica).
 * Records are kept as encoded text, exactly as Redis would hold them, so no
 * caller can mutate a stored record through a shared object and tests can
 * search everything stored. Every method body runs without an await, which
 * is what makes create-if-absent and compare-and-set atomic here.
 */
import { randomUUID } from 'node:crypto';
import type { Lock, Revision, StateStore, Stored } from '../../application/ports/state-store.js';
import type { BindingRecord, InstanceRecord } from '../../domain/records.js';
import { all, err, ok, type Result } from '../../domain/result.js';
import {
  bindingLabel,
  decodeBinding,
  decodeInstance,
  encodeBinding,
  encodeInstance,
  instanceLabel,
} from '../state/record-codec.js';
import { alreadyExists, changedSinceRead } from '../state/store-errors.js';

export interface MemoryStateStoreOptions {
  /** Milliseconds since the epoch; lock expiry is judged against it. */
  readonly now?: () => number;
}

interface StoredText {
  readonly text: string;
  readonly revision: Revision;
}

interface HeldLock {
  readonly owner: string;
  readonly expiresAt: number;
}

export class MemoryStateStore implements StateStore {
  private readonly now: () => number;
  private readonly instances = new Map<string, StoredText>();
  private readonly bindings = new Map<string, Map<string, string>>();
  private readonly locks = new Map<string, HeldLock>();
  // One counter for every write, so a deleted and re-created instance never
  // repeats a revision an old reader may still hold.
  private lastRevision = 0;

  constructor(options: MemoryStateStoreOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  async getInstance(id: string): Promise<Result<Stored<InstanceRecord> | undefined>> {
    const stored = this.instances.get(id);
    if (stored === undefined) return ok(undefined);
    const decoded = decodeInstance(stored.text, instanceLabel(id));
    return decoded.ok ? ok({ record: decoded.value, revision: stored.revision }) : decoded;
  }

  async createInstance(record: InstanceRecord): Promise<Result<Revision>> {
    if (this.instances.has(record.id)) return err(alreadyExists(instanceLabel(record.id)));
    return ok(this.write(record));
  }

  async updateInstance(record: InstanceRecord, expected: Revision): Promise<Result<Revision>> {
    if (this.instances.get(record.id)?.revision !== expected) return err(changedSinceRead(instanceLabel(record.id)));
    return ok(this.write(record));
  }

  async deleteInstance(id: string, expected: Revision): Promise<Result<void>> {
    const stored = this.instances.get(id);
    if (stored === undefined) return ok(undefined);
    if (stored.revision !== expected) return err(changedSinceRead(instanceLabel(id)));
    this.instances.delete(id);
    return ok(undefined);
  }

  async listInstances(): Promise<Result<InstanceRecord[]>> {
    return all([...this.instances].map(([id, stored]) => decodeInstance(stored.text, instanceLabel(id))));
  }

  async getBinding(instanceId: string, bindingId: string): Promise<Result<BindingRecord | undefined>> {
    const text = this.bindings.get(instanceId)?.get(bindingId);
    return text === undefined ? ok(undefined) : decodeBinding(text, bindingLabel(instanceId, bindingId));
  }

  async createBinding(record: BindingRecord): Promise<Result<void>> {
    const label = bindingLabel(record.instanceId, record.id);
    const ofInstance = this.bindings.get(record.instanceId) ?? new Map<string, string>();
    if (ofInstance.has(record.id)) return err(alreadyExists(label));
    ofInstance.set(record.id, encodeBinding(record));
    this.bindings.set(record.instanceId, ofInstance);
    return ok(undefined);
  }

  async putBinding(record: BindingRecord): Promise<Result<void>> {
    const ofInstance = this.bindings.get(record.instanceId) ?? new Map<string, string>();
    ofInstance.set(record.id, encodeBinding(record));
    this.bindings.set(record.instanceId, ofInstance);
    return ok(undefined);
  }

  async deleteBinding(instanceId: string, bindingId: string): Promise<Result<void>> {
    const ofInstance = this.bindings.get(instanceId);
    ofInstance?.delete(bindingId);
    if (ofInstance?.size === 0) this.bindings.delete(instanceId);
    return ok(undefined);
  }

  async listBindings(instanceId: string): Promise<Result<BindingRecord[]>> {
    const ofInstance = [...(this.bindings.get(instanceId) ?? new Map<string, string>())];
    return all(ofInstance.map(([bindingId, text]) => decodeBinding(text, bindingLabel(instanceId, bindingId))));
  }

  async acquireLock(instanceId: string, ttlMs: number): Promise<Result<Lock | undefined>> {
    const held = this.locks.get(instanceId);
    if (held !== undefined && held.expiresAt > this.now()) return ok(undefined);
    const owner = randomUUID();
    this.locks.set(instanceId, { owner, expiresAt: this.now() + ttlMs });
    return ok({ instanceId, owner });
  }

  async renewLock(lock: Lock, ttlMs: number): Promise<Result<boolean>> {
    const held = this.locks.get(lock.instanceId);
    if (held?.owner !== lock.owner || held.expiresAt <= this.now()) return ok(false);
    this.locks.set(lock.instanceId, { owner: lock.owner, expiresAt: this.now() + ttlMs });
    return ok(true);
  }

  async releaseLock(lock: Lock): Promise<Result<void>> {
    if (this.locks.get(lock.instanceId)?.owner === lock.owner) this.locks.delete(lock.instanceId);
    return ok(undefined);
  }

  async ping(): Promise<Result<void>> {
    return ok(undefined);
  }

  async close(): Promise<void> {
    // Nothing to release; the data stays readable, like a restarted client would find it.
  }

  /** Every stored string (records and lock owners): lets tests prove no credential was written. */
  contents(): string[] {
    const bindingTexts = [...this.bindings.values()].flatMap((ofInstance) => [...ofInstance.values()]);
    const lockOwners = [...this.locks.values()].map((held) => held.owner);
    return [...[...this.instances.values()].map((stored) => stored.text), ...bindingTexts, ...lockOwners];
  }

  private write(record: InstanceRecord): Revision {
    const revision = String(++this.lastRevision);
    this.instances.set(record.id, { text: encodeInstance(record), revision });
    return revision;
  }
}
