/**
 * What every StateStore must do, asserted through the port alone. Call
 * describeStateStore once per adapter; each test gets a fresh, empty store.
 */
import { expect } from 'chai';
import type { Lock, StateStore } from '../../src/application/ports/state-store.js';
import type { DomainError } from '../../src/domain/errors.js';
import type { BindingRecord, InstanceRecord } from '../../src/domain/records.js';
import type { Result } from '../../src/domain/result.js';

export interface StateStoreSubject {
  readonly store: StateStore;
  cleanup(): Promise<void>;
}

export function exampleInstance(id: string, overrides: Partial<InstanceRecord> = {}): InstanceRecord {
  return {
    schema: 1,
    id,
    serviceId: 'service-1',
    planId: 'plan-1',
    entrySource: 'catalog-postgres-v1',
    consumerNamespace: 'client-ns',
    instanceName: 'orders-db',
    context: { platform: 'kubernetes', namespace: 'client-ns' },
    parameters: { size: 'small', replicas: 2, nested: { tier: ['a', 'b'] } },
    originatingIdentity: { platform: 'kubernetes', value: { username: 'alice', groups: ['dev'] } },
    objects: [{ apiVersion: 'v1', kind: 'Service', namespace: 'provider-ns', name: `db-${id}` }],
    status: 'provisioning',
    operation: { id: 'op-1', type: 'provision', state: 'in progress', description: 'creating', startedAt: '2024-01-01T00:00:00.000Z' },
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
    ...overrides,
  };
}

export function exampleBinding(instanceId: string, id: string, overrides: Partial<BindingRecord> = {}): BindingRecord {
  return {
    schema: 1,
    id,
    instanceId,
    serviceId: 'service-1',
    planId: 'plan-1',
    consumerNamespace: 'client-ns',
    context: { platform: 'kubernetes', namespace: 'client-ns' },
    parameters: {},
    appGuid: 'app-1',
    createdAt: '2024-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** A binding with objects of its own, as a bind records its intent: planned refs without uids, its own Secret, an expiry, a predecessor. */
export function perBinding(instanceId: string, id: string, overrides: Partial<BindingRecord> = {}): BindingRecord {
  return exampleBinding(instanceId, id, {
    status: 'binding',
    originatingIdentity: { platform: 'kubernetes', value: { username: 'bob', groups: ['ops'] } },
    objects: [
      { apiVersion: 'v1', kind: 'Secret', namespace: 'api-ns', name: `user-${id}` },
      { apiVersion: 'example.com/v1', kind: 'DatabaseUser', namespace: 'api-ns', name: `user-${id}` },
    ],
    credentials: { kind: 'FromInstanceSecret', namespace: 'api-ns', secretName: `user-${id}`, keys: ['username', 'password'] },
    expiresAt: '2026-02-01T00:00:00Z',
    renewBefore: '2026-01-25T00:00:00Z',
    predecessorId: 'b0',
    ...overrides,
  });
}

/** The binding's refs as recorded once created: each with the uid the apiserver gave it. */
const withUids = (record: BindingRecord) => (record.objects ?? []).map((ref, index) => ({ ...ref, uid: `uid-${record.id}-${index}` }));

/** The value of an ok result; fails the test with the error otherwise. */
export function valueOf<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.kind}: ${result.error.message}`);
  return result.value;
}

export function errorOf<T>(result: Result<T>): DomainError {
  if (result.ok) throw new Error(`expected an error, got ok ${JSON.stringify(result.value)}`);
  return result.error;
}

export const errorKindOf = <T>(result: Result<T>): string => errorOf(result).kind;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const ready = (record: InstanceRecord): InstanceRecord => ({ ...record, status: 'ready', updatedAt: '2024-01-01T00:01:00.000Z' });

export function describeStateStore(name: string, makeSubject: () => Promise<StateStoreSubject>): void {
  describe(`StateStore contract: ${name}`, function () {
    let subject: StateStoreSubject;
    let store: StateStore;

    beforeEach(async function () {
      subject = await makeSubject();
      store = subject.store;
    });

    afterEach(async function () {
      await subject.cleanup();
    });

    describe('instances', function () {
      it('reads an absent instance as undefined', async function () {
        expect(valueOf(await store.getInstance('nope'))).to.equal(undefined);
      });

      it('reads back what was created, at the revision the create returned', async function () {
        const revision = valueOf(await store.createInstance(exampleInstance('i1')));
        expect(valueOf(await store.getInstance('i1'))).to.deep.equal({ record: exampleInstance('i1'), revision });
      });

      it('round-trips a record without its optional fields', async function () {
        const { instanceName: _n, originatingIdentity: _o, ...bare } = exampleInstance('i1');
        const minimal: InstanceRecord = { ...bare, objects: [], operation: { id: 'op', type: 'provision', state: 'succeeded', startedAt: 't' } };
        valueOf(await store.createInstance(minimal));
        expect(valueOf(await store.getInstance('i1'))?.record).to.deep.equal(minimal);
      });

      it('refuses a second create of the same id and keeps the first record', async function () {
        const revision = valueOf(await store.createInstance(exampleInstance('i1')));
        expect(errorKindOf(await store.createInstance(exampleInstance('i1', { planId: 'other' })))).to.equal('ConcurrencyError');
        expect(valueOf(await store.getInstance('i1'))).to.deep.equal({ record: exampleInstance('i1'), revision });
      });

      it('hands out copies: changing a record read back does not change the store', async function () {
        valueOf(await store.createInstance(exampleInstance('i1')));
        const read = valueOf(await store.getInstance('i1'));
        (read?.record.parameters as Record<string, unknown>)['size'] = 'huge';
        expect(valueOf(await store.getInstance('i1'))?.record).to.deep.equal(exampleInstance('i1'));
      });

      it('updates at the current revision and returns a new revision', async function () {
        const first = valueOf(await store.createInstance(exampleInstance('i1')));
        const second = valueOf(await store.updateInstance(ready(exampleInstance('i1')), first));
        expect(second).to.not.equal(first);
        expect(valueOf(await store.getInstance('i1'))).to.deep.equal({ record: ready(exampleInstance('i1')), revision: second });
      });

      it('refuses an update at a stale revision and leaves the record unchanged', async function () {
        const first = valueOf(await store.createInstance(exampleInstance('i1')));
        const second = valueOf(await store.updateInstance(ready(exampleInstance('i1')), first));
        const late = exampleInstance('i1', { status: 'failed' });
        expect(errorKindOf(await store.updateInstance(late, first))).to.equal('ConcurrencyError');
        expect(valueOf(await store.getInstance('i1'))).to.deep.equal({ record: ready(exampleInstance('i1')), revision: second });
      });

      it('refuses an update of an absent instance', async function () {
        expect(errorKindOf(await store.updateInstance(exampleInstance('i1'), '1'))).to.equal('ConcurrencyError');
        expect(valueOf(await store.getInstance('i1'))).to.equal(undefined);
      });

      it('never reuses a revision from a deleted instance of the same id', async function () {
        const old = valueOf(await store.createInstance(exampleInstance('i1')));
        valueOf(await store.deleteInstance('i1', old));
        valueOf(await store.createInstance(exampleInstance('i1')));
        expect(errorKindOf(await store.updateInstance(ready(exampleInstance('i1')), old))).to.equal('ConcurrencyError');
      });

      it('deletes at the current revision', async function () {
        const revision = valueOf(await store.createInstance(exampleInstance('i1')));
        valueOf(await store.deleteInstance('i1', revision));
        expect(valueOf(await store.getInstance('i1'))).to.equal(undefined);
        expect(valueOf(await store.listInstances())).to.deep.equal([]);
      });

      it('refuses a delete at a stale revision and keeps the record', async function () {
        const first = valueOf(await store.createInstance(exampleInstance('i1')));
        const second = valueOf(await store.updateInstance(ready(exampleInstance('i1')), first));
        expect(errorKindOf(await store.deleteInstance('i1', first))).to.equal('ConcurrencyError');
        expect(valueOf(await store.getInstance('i1'))?.revision).to.equal(second);
      });

      it('refuses an update and a delete at a revision it never gave out', async function () {
        const revision = valueOf(await store.createInstance(exampleInstance('i1')));
        for (const made of ['not-a-revision', '', '99999999999']) {
          expect(errorKindOf(await store.updateInstance(ready(exampleInstance('i1')), made)), `update at "${made}"`).to.equal('ConcurrencyError');
          expect(errorKindOf(await store.deleteInstance('i1', made)), `delete at "${made}"`).to.equal('ConcurrencyError');
        }
        expect(valueOf(await store.getInstance('i1'))).to.deep.equal({ record: exampleInstance('i1'), revision });
      });

      it('accepts a delete of an absent instance', async function () {
        valueOf(await store.deleteInstance('nope', 'any'));
      });

      it('lists every instance', async function () {
        expect(valueOf(await store.listInstances())).to.deep.equal([]);
        valueOf(await store.createInstance(exampleInstance('i1')));
        const revision = valueOf(await store.createInstance(exampleInstance('i2')));
        valueOf(await store.createInstance(exampleInstance('i3')));
        valueOf(await store.deleteInstance('i2', revision));
        const ids = valueOf(await store.listInstances()).map((record) => record.id);
        expect(ids.sort()).to.deep.equal(['i1', 'i3']);
      });
    });

    describe('bindings', function () {
      it('reads an absent binding as undefined', async function () {
        expect(valueOf(await store.getBinding('i1', 'b1'))).to.equal(undefined);
        expect(valueOf(await store.listBindings('i1'))).to.deep.equal([]);
      });

      it('reads back what was created', async function () {
        valueOf(await store.createBinding(exampleBinding('i1', 'b1')));
        expect(valueOf(await store.getBinding('i1', 'b1'))).to.deep.equal(exampleBinding('i1', 'b1'));
      });

      it('refuses a second create of the same binding and keeps the first', async function () {
        valueOf(await store.createBinding(exampleBinding('i1', 'b1')));
        expect(errorKindOf(await store.createBinding(exampleBinding('i1', 'b1', { appGuid: 'other' })))).to.equal('ConcurrencyError');
        expect(valueOf(await store.getBinding('i1', 'b1'))).to.deep.equal(exampleBinding('i1', 'b1'));
      });

      it('keeps the bindings of different instances apart', async function () {
        valueOf(await store.createBinding(exampleBinding('i1', 'b1')));
        valueOf(await store.createBinding(exampleBinding('i1', 'b2')));
        valueOf(await store.createBinding(exampleBinding('i2', 'b1', { appGuid: 'app-2' })));
        const ofI1 = valueOf(await store.listBindings('i1')).map((record) => record.id);
        expect(ofI1.sort()).to.deep.equal(['b1', 'b2']);
        expect(valueOf(await store.listBindings('i2'))).to.deep.equal([exampleBinding('i2', 'b1', { appGuid: 'app-2' })]);
      });

      it('puts a binding over an existing one and creates an absent one', async function () {
        valueOf(await store.createBinding(exampleBinding('i1', 'b1')));
        valueOf(await store.putBinding(exampleBinding('i1', 'b1', { status: 'revoked', expiresAt: '2026-01-01T00:00:00Z' })));
        valueOf(await store.putBinding(exampleBinding('i1', 'b2', { status: 'binding' })));
        expect(valueOf(await store.getBinding('i1', 'b1'))).to.deep.equal(exampleBinding('i1', 'b1', { status: 'revoked', expiresAt: '2026-01-01T00:00:00Z' }));
        expect(valueOf(await store.getBinding('i1', 'b2'))?.status).to.equal('binding');
      });

      it('round-trips every field of a binding with objects of its own: status, objects, its Secret, expiry, predecessor', async function () {
        valueOf(await store.createBinding(perBinding('i1', 'b1')));
        expect(valueOf(await store.getBinding('i1', 'b1'))).to.deep.equal(perBinding('i1', 'b1'));
        valueOf(await store.putBinding(perBinding('i1', 'b2', { status: 'ready', objects: withUids(perBinding('i1', 'b2')) })));
        expect(valueOf(await store.getBinding('i1', 'b2'))).to.deep.equal(perBinding('i1', 'b2', { status: 'ready', objects: withUids(perBinding('i1', 'b2')) }));
      });

      it('puts the whole record over the stored one through a bind\'s life: what the new record leaves out is gone', async function () {
        const bind = { id: 'op-b1', type: 'bind', state: 'in progress', description: 'creating', startedAt: '2026-01-01T00:00:00Z' } as const;
        const intent = perBinding('i1', 'b1', { operation: bind });
        const starting = { ...intent, status: 'starting' as const, objects: withUids(intent) };
        const ready = { ...starting, status: 'ready' as const, operation: { ...bind, state: 'succeeded' as const, finishedAt: '2026-01-01T00:00:05Z' } };
        const unbinding = { ...ready, status: 'unbinding' as const, operation: { ...bind, id: 'op-u1', type: 'unbind' as const } };
        const failed = { ...unbinding, status: 'failed' as const, operation: { ...unbinding.operation, state: 'failed' as const } };
        const { credentials: _c, renewBefore: _r, predecessorId: _p, operation: _o, ...revoked } = { ...ready, status: 'revoked' as const, objects: [] };
        for (const record of [intent, starting, ready, unbinding, failed, revoked]) {
          valueOf(await store.putBinding(record));
          expect(valueOf(await store.getBinding('i1', 'b1')), record.status).to.deep.equal(record);
          expect(valueOf(await store.listBindings('i1')), record.status).to.deep.equal([record]);
        }
      });

      it('puts one binding without touching the instance\'s other bindings, the same binding id of another instance, or the instance record', async function () {
        const revision = valueOf(await store.createInstance(exampleInstance('i1')));
        valueOf(await store.createBinding(exampleBinding('i1', 'b1')));
        valueOf(await store.createBinding(exampleBinding('i1', 'b2')));
        valueOf(await store.createBinding(exampleBinding('i2', 'b1')));
        valueOf(await store.putBinding(perBinding('i1', 'b1', { status: 'revoked' })));
        expect(valueOf(await store.getBinding('i1', 'b2'))).to.deep.equal(exampleBinding('i1', 'b2'));
        expect(valueOf(await store.getBinding('i2', 'b1'))).to.deep.equal(exampleBinding('i2', 'b1'));
        expect(valueOf(await store.listBindings('i1')).map((record) => record.id).sort()).to.deep.equal(['b1', 'b2']);
        expect(valueOf(await store.getInstance('i1'))).to.deep.equal({ record: exampleInstance('i1'), revision });
        valueOf(await store.updateInstance(ready(exampleInstance('i1')), revision));
      });

      it('puts a binding again after it was deleted', async function () {
        valueOf(await store.putBinding(perBinding('i1', 'b1')));
        valueOf(await store.deleteBinding('i1', 'b1'));
        valueOf(await store.putBinding(perBinding('i1', 'b1', { status: 'ready' })));
        expect(valueOf(await store.getBinding('i1', 'b1'))?.status).to.equal('ready');
        expect(valueOf(await store.listBindings('i1')).map((record) => record.id)).to.deep.equal(['b1']);
      });

      it('stores only what a binding record is: a value attached at runtime never reaches the store', async function () {
        const carrying = { ...perBinding('i1', 'b1'), password: 'hunter2-runtime-value', credentials: { ...perBinding('i1', 'b1').credentials!, value: 'hunter2-runtime-value' } };
        valueOf(await store.putBinding(carrying as BindingRecord));
        valueOf(await store.createBinding({ ...exampleBinding('i1', 'b2'), token: 'hunter2-runtime-value' } as BindingRecord));
        expect(valueOf(await store.getBinding('i1', 'b1'))).to.deep.equal(perBinding('i1', 'b1'));
        expect(JSON.stringify(valueOf(await store.listBindings('i1')))).to.not.contain('hunter2');
      });

      it('deletes a binding, and accepts deleting it again', async function () {
        valueOf(await store.createBinding(exampleBinding('i1', 'b1')));
        valueOf(await store.createBinding(exampleBinding('i1', 'b2')));
        valueOf(await store.deleteBinding('i1', 'b1'));
        valueOf(await store.deleteBinding('i1', 'b1'));
        expect(valueOf(await store.getBinding('i1', 'b1'))).to.equal(undefined);
        expect(valueOf(await store.listBindings('i1')).map((record) => record.id)).to.deep.equal(['b2']);
      });
    });

    describe('locks', function () {
      it('gives the lock to one owner at a time, per instance', async function () {
        const lock = valueOf(await store.acquireLock('i1', 10_000));
        expect(lock?.instanceId).to.equal('i1');
        expect(valueOf(await store.acquireLock('i1', 10_000))).to.equal(undefined);
        expect(valueOf(await store.acquireLock('i2', 10_000))).to.not.equal(undefined);
      });

      it('ignores a release by someone who does not own the lock', async function () {
        const lock = valueOf(await store.acquireLock('i1', 10_000));
        expect(lock).to.not.equal(undefined);
        valueOf(await store.releaseLock({ instanceId: 'i1', owner: 'someone-else' }));
        expect(valueOf(await store.acquireLock('i1', 10_000))).to.equal(undefined);
      });

      it('frees the lock when its owner releases it', async function () {
        const lock = valueOf(await store.acquireLock('i1', 10_000)) as Lock;
        valueOf(await store.releaseLock(lock));
        expect(valueOf(await store.acquireLock('i1', 10_000))).to.not.equal(undefined);
      });

      it('frees the lock when its TTL runs out, and the old owner cannot release the new one', async function () {
        const old = valueOf(await store.acquireLock('i1', 50)) as Lock;
        await sleep(150);
        const taken = valueOf(await store.acquireLock('i1', 10_000));
        expect(taken).to.not.equal(undefined);
        valueOf(await store.releaseLock(old));
        expect(valueOf(await store.acquireLock('i1', 10_000))).to.equal(undefined);
      });
    });

    describe('lock renewal', function () {
      it('extends the lock past its original TTL', async function () {
        const lock = valueOf(await store.acquireLock('i1', 1_000)) as Lock;
        expect(valueOf(await store.renewLock(lock, 10_000))).to.equal(true);
        await sleep(1_300);
        expect(valueOf(await store.acquireLock('i1', 10_000))).to.equal(undefined);
        expect(valueOf(await store.renewLock(lock, 10_000))).to.equal(true);
      });

      it('answers false once another owner took the expired lock over, and leaves the new owner holding it', async function () {
        const old = valueOf(await store.acquireLock('i1', 50)) as Lock;
        await sleep(150);
        const taken = valueOf(await store.acquireLock('i1', 10_000)) as Lock;
        expect(taken).to.not.equal(undefined);
        expect(valueOf(await store.renewLock(old, 10_000))).to.equal(false);
        expect(valueOf(await store.renewLock(taken, 10_000))).to.equal(true);
        valueOf(await store.releaseLock(old));
        expect(valueOf(await store.acquireLock('i1', 10_000))).to.equal(undefined);
      });

      it('answers false for an expired lock, a released lock and a stranger, extending none of them', async function () {
        const expired = valueOf(await store.acquireLock('i1', 50)) as Lock;
        await sleep(150);
        expect(valueOf(await store.renewLock(expired, 10_000))).to.equal(false);
        expect(valueOf(await store.acquireLock('i1', 10_000))).to.not.equal(undefined);

        const released = valueOf(await store.acquireLock('i2', 10_000)) as Lock;
        valueOf(await store.releaseLock(released));
        expect(valueOf(await store.renewLock(released, 10_000))).to.equal(false);
        expect(valueOf(await store.renewLock({ instanceId: 'i3', owner: 'nobody' }, 10_000))).to.equal(false);
        expect(valueOf(await store.acquireLock('i2', 50))).to.not.equal(undefined);
        expect(valueOf(await store.renewLock({ instanceId: 'i2', owner: 'someone-else' }, 10_000))).to.equal(false);
        await sleep(150);
        expect(valueOf(await store.acquireLock('i2', 10_000))).to.not.equal(undefined);
      });
    });

    describe('under concurrency', function () {
      const racers = Array.from({ length: 10 }, (_, index) => index);

      it('lets exactly one of ten simultaneous creates of an id win', async function () {
        const results = await Promise.all(racers.map((n) => store.createInstance(exampleInstance('i1', { planId: `plan-${n}` }))));
        expect(results.filter((result) => result.ok)).to.have.length(1);
        expect(results.filter((result) => !result.ok).map(errorKindOf)).to.deep.equal(racers.slice(1).map(() => 'ConcurrencyError'));
      });

      it('lets exactly one of ten updates from the same revision win', async function () {
        const revision = valueOf(await store.createInstance(exampleInstance('i1')));
        const results = await Promise.all(racers.map((n) => store.updateInstance(exampleInstance('i1', { planId: `plan-${n}` }), revision)));
        const winners = results.flatMap((result, n) => (result.ok ? [n] : []));
        expect(winners).to.have.length(1);
        expect(valueOf(await store.getInstance('i1'))?.record.planId).to.equal(`plan-${winners[0]}`);
      });

      it('lets exactly one of ten simultaneous binding creates win', async function () {
        const results = await Promise.all(racers.map((n) => store.createBinding(exampleBinding('i1', 'b1', { appGuid: `app-${n}` }))));
        expect(results.filter((result) => result.ok)).to.have.length(1);
      });

      it('lets every one of ten simultaneous puts of an absent binding succeed, leaving one of them', async function () {
        const results = await Promise.all(racers.map((n) => store.putBinding(perBinding('i1', 'b1', { appGuid: `app-${n}` }))));
        results.forEach(valueOf);
        const stored = valueOf(await store.getBinding('i1', 'b1'));
        expect(racers.map((n) => `app-${n}`)).to.include(stored?.appGuid);
        expect(valueOf(await store.listBindings('i1'))).to.have.length(1);
      });

      it('gives the lock to exactly one of ten simultaneous acquirers', async function () {
        const results = await Promise.all(racers.map(() => store.acquireLock('i1', 10_000)));
        expect(results.map(valueOf).filter((lock) => lock !== undefined)).to.have.length(1);
      });
    });

    describe('lifecycle', function () {
      it('answers ping', async function () {
        valueOf(await store.ping());
      });

      it('closes idempotently', async function () {
        await store.close();
        await store.close();
      });
    });
  });
}
