import { expect } from 'chai';
import { MemoryStateStore } from '../../../src/adapters/memory/memory-state-store.js';
import { tryInstanceLock } from '../../../src/application/instance-lock.js';
import { valueOf } from '../builders.js';
import { SETTINGS } from './harness.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('application/instance-lock', () => {
  const settings = { ...SETTINGS, lockTtlMs: 600 };

  it('renews the lock while held, so nobody else can take it past its TTL', async () => {
    const store = new MemoryStateStore();
    const held = valueOf(await tryInstanceLock(store, settings, 'i-1'))!;
    await sleep(1500); // well past the TTL: only renewal keeps it
    expect(valueOf(await store.acquireLock('i-1', 1000))).to.equal(undefined);
    expect(held.held).to.equal(true);
    await held.release();
    expect(valueOf(await store.acquireLock('i-1', 1000))).to.not.equal(undefined);
  });

  it('fires `lost` and stops acting once the lock was taken over (fencing)', async () => {
    const store = new MemoryStateStore();
    const held = valueOf(await tryInstanceLock(store, settings, 'i-1'))!;
    // Another replica releases it from under us (as if it had expired and been taken).
    await store.releaseLock(held.lock);
    const other = valueOf(await store.acquireLock('i-1', 10_000));
    expect(other).to.not.equal(undefined);
    await sleep(400); // two renewal periods
    expect(held.lost.aborted).to.equal(true);
    expect(held.held).to.equal(false);
    await held.release();
    // Releasing a lost lock must not free the new owner's.
    expect(valueOf(await store.acquireLock('i-1', 1000))).to.equal(undefined);
  });
});
