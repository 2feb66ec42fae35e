import { randomUUID } from 'node:crypto';
import { MemoryStateStore } from '../../src/adapters/memory/memory-state-store.js';
import { RedisStateStore } from '../../src/adapters/redis/redis-state-store.js';
import { requireRedisServerOrSkip, sharedRedisServer, type RedisServer } from '../support/redis-server.js';
import { describeStateStore } from './state-store.contract.js';

describeStateStore('MemoryStateStore', async () => {
  const store = new MemoryStateStore();
  return { store, cleanup: () => store.close() };
});

describe('RedisStateStore on a real redis-server', function () {
  let server: RedisServer;

  before(async function () {
    requireRedisServerOrSkip(this, 'the RedisStateStore contract');
    server = await sharedRedisServer();
  });

  // A fresh random prefix per test is the throwaway namespace; the server
  // dies with the run (nothing persisted; test/support/root-hooks.ts stops
  // it), so keys need no cleanup.
  describeStateStore('RedisStateStore', async () => {
    const store = new RedisStateStore({ url: server.url, prefix: `mesitis-test:${randomUUID()}:` });
    return { store, cleanup: () => store.close() };
  });
});

