/**
 * RedisStateStore behaviour the port contract cannot express: key prefixes,
 * what it makes of records it did not write, and its first moments.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisStateStore } from '../../../../src/adapters/redis/redis-state-store.js';
import { encodeInstance } from '../../../../src/adapters/state/record-codec.js';
import type { Result } from '../../../../src/domain/result.js';
import { errorKindOf, errorOf, exampleBinding, exampleInstance, valueOf } from '../../../contract/state-store.contract.js';
import { requireRedisServerOrSkip, sharedRedisServer, type RedisServer } from '../../../support/redis-server.js';

describe('RedisStateStore', function () {
  let server: RedisServer;
  let raw: Redis;
  const stores: RedisStateStore[] = [];
  const storeWith = (prefix: string): RedisStateStore => {
    const store = new RedisStateStore({ url: server.url, prefix });
    stores.push(store);
    return store;
  };

  before(async function () {
    requireRedisServerOrSkip(this, 'the RedisStateStore tests');
    server = await sharedRedisServer();
    raw = new Redis(server.url);
  });

  afterEach(async function () {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  after(function () {
    raw?.disconnect();
  });

  describe('key prefixes', function () {
    it('keeps two installations with different prefixes apart', async function () {
      const first = storeWith(`test:${randomUUID()}:`);
      const second = storeWith(`test:${randomUUID()}:`);
      valueOf(await first.createInstance(exampleInstance('i1', { parameters: { marker: 'first-only' } })));
      valueOf(await first.createBinding(exampleBinding('i1', 'b1')));
      expect(valueOf(await first.acquireLock('i1', 10_000))).to.not.equal(undefined);

      expect(valueOf(await second.getInstance('i1'))).to.equal(undefined);
      expect(valueOf(await second.listInstances())).to.deep.equal([]);
      expect(valueOf(await second.listBindings('i1'))).to.deep.equal([]);
      expect(valueOf(await second.acquireLock('i1', 10_000))).to.not.equal(undefined);
      valueOf(await second.createInstance(exampleInstance('i1')));
      expect((await second.contents()).join('\n')).to.not.include('first-only');
    });

    it('puts every key under the prefix', async function () {
      const prefix = `test:${randomUUID()}:`;
      const store = storeWith(prefix);
      valueOf(await store.createInstance(exampleInstance('i1', { parameters: { marker: 'under-prefix' } })));
      valueOf(await store.createBinding(exampleBinding('i1', 'b1', { appGuid: 'bound-app' })));
      valueOf(await store.acquireLock('i1', 10_000));
      const keys = await raw.keys(`${prefix}*`);
      expect(keys.sort()).to.deep.equal(['bindings:i1', 'instance:i1', 'instances', 'lock:i1', 'revision'].map((key) => prefix + key));
      const contents = (await store.contents()).join('\n');
      expect(contents).to.include('under-prefix').and.to.include('bound-app');
    });
  });

  describe('records it did not write', function () {
    let prefix: string;
    let store: RedisStateStore;
    beforeEach(function () {
      prefix = `test:${randomUUID()}:`;
      store = storeWith(prefix);
    });

    const plant = async (id: string, record: unknown, revision = '7'): Promise<void> => {
      await raw.hset(`${prefix}instance:${id}`, 'record', typeof record === 'string' ? record : JSON.stringify(record), 'revision', revision);
      await raw.sadd(`${prefix}instances`, id);
    };

    it('reports a bad field by its path, without its value', async function () {
      const stored = JSON.parse(encodeInstance(exampleInstance('bad'))) as Record<string, unknown>;
      await plant('bad', { ...stored, operation: { ...(stored['operation'] as object), state: 'bogus-state' } });
      const results: Result<unknown>[] = [await store.getInstance('bad'), await store.listInstances()];
      for (const error of results.map(errorOf)) {
        expect(error.kind).to.equal('Infrastructure');
        expect(error.message).to.equal('stored record for instance bad is corrupt at field operation.state').and.not.include('bogus-state');
      }
    });

    it('reports text that is not JSON', async function () {
      await plant('garbage', '{"schema": 1, "id": ');
      expect(errorOf(await store.getInstance('garbage'))).to.deep.equal({ kind: 'Infrastructure', message: 'stored record for instance garbage is corrupt: not JSON' });
    });

    it('reports a record from another schema version', async function () {
      await raw.hset(`${prefix}bindings:i1`, 'b1', JSON.stringify({ ...exampleBinding('i1', 'b1'), schema: 2 }));
      expect(errorOf(await store.getBinding('i1', 'b1')).message).to.equal('stored record for binding b1 of instance i1 is corrupt at field schema');
      expect(errorKindOf(await store.listBindings('i1'))).to.equal('Infrastructure');
    });

    it('reports an instance without a revision', async function () {
      await raw.hset(`${prefix}instance:norev`, 'record', encodeInstance(exampleInstance('norev')));
      expect(errorOf(await store.getInstance('norev')).message).to.equal('stored record for instance norev is corrupt at field revision');
    });

    it('reports a key of the wrong type as Infrastructure instead of throwing', async function () {
      await raw.set(`${prefix}instance:wrongtype`, 'a plain string');
      expect(errorKindOf(await store.getInstance('wrongtype'))).to.equal('Infrastructure');
      expect(errorKindOf(await store.updateInstance(exampleInstance('wrongtype'), '1'))).to.equal('Infrastructure');
    });
  });

  describe('connection lifecycle', function () {
    it('serves the very first call, made before the connection is up', async function () {
      // The offline queue is off, so without waiting for the first connection this call would be refused.
      const store = storeWith(`test:${randomUUID()}:`);
      valueOf(await store.createInstance(exampleInstance('i1')));
    });

    it('answers Unavailable after close, instead of throwing', async function () {
      const store = storeWith(`test:${randomUUID()}:`);
      valueOf(await store.ping());
      await store.close();
      expect(errorKindOf(await store.getInstance('i1'))).to.equal('Unavailable');
    });
  });
});
