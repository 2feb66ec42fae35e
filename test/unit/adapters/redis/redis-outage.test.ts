/**
 * RedisStateStore when Redis is unwell: down, hung, or refusing the broker's
 * password. Each test runs its own redis-server, since it breaks it.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { LogFields, Logger } from '../../../../src/application/ports/logger.js';
import { RedisStateStore, type RedisStateStoreOptions } from '../../../../src/adapters/redis/redis-state-store.js';
import type { Result } from '../../../../src/domain/result.js';
import { errorOf, exampleInstance, valueOf } from '../../../contract/state-store.contract.js';
import { requireRedisServerOrSkip, startRedisServer, type RedisServer } from '../../../support/redis-server.js';

const RECOVERY_DEADLINE_MS = 10_000;

/** Polls until the call succeeds: ioredis reconnects on its own schedule (at most 1 s between attempts). */
async function eventually<T>(call: () => Promise<Result<T>>): Promise<Result<T>> {
  const deadline = Date.now() + RECOVERY_DEADLINE_MS;
  for (;;) {
    const result = await call();
    if (result.ok || Date.now() > deadline) return result;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function recordingLogger(lines: unknown[]): Logger {
  const record = (level: string) => (message: string, fields?: LogFields) => void lines.push({ level, message, fields });
  const logger: Logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error'), child: () => logger };
  return logger;
}

describe('RedisStateStore when Redis is unwell', function () {
  let server: RedisServer | undefined;
  let store: RedisStateStore | undefined;
  const open = (options: Partial<RedisStateStoreOptions> = {}): RedisStateStore => {
    if (server === undefined) throw new Error('bug: start a server first');
    store = new RedisStateStore({ url: server.url, prefix: `test:${randomUUID()}:`, ...options });
    return store;
  };

  before(function () {
    requireRedisServerOrSkip(this, 'the RedisStateStore outage tests');
  });

  afterEach(async function () {
    await store?.close();
    await server?.stop();
    store = undefined;
    server = undefined;
  });

  it('fails with Unavailable while Redis is down and recovers by itself when it returns', async function () {
    server = await startRedisServer();
    const subject = open();
    valueOf(await subject.createInstance(exampleInstance('before')));

    await server.halt();
    expect(errorOf(await subject.getInstance('before'))).to.deep.equal({ kind: 'Unavailable', message: 'state store unreachable' });
    expect(errorOf(await subject.createInstance(exampleInstance('during'))).kind).to.equal('Unavailable');
    expect(errorOf(await subject.ping()).kind).to.equal('Unavailable');

    await server.start();
    valueOf(await eventually(() => subject.ping()));
    // A script again: the new server's script cache is empty, so this also proves the EVALSHA fallback.
    const revision = valueOf(await subject.createInstance(exampleInstance('after')));
    expect(valueOf(await subject.getInstance('after'))?.revision).to.equal(revision);
    // The create made during the outage was refused, not queued and replayed on reconnect.
    expect(valueOf(await subject.getInstance('during'))).to.equal(undefined);
  });

  it('fails with Unavailable when Redis hangs, and works again when it answers', async function () {
    server = await startRedisServer();
    const subject = open({ commandTimeoutMs: 300 });
    valueOf(await subject.ping());

    server.pause();
    try {
      expect(errorOf(await subject.getInstance('i1')).kind).to.equal('Unavailable');
    } finally {
      server.resume();
    }
    valueOf(await eventually(() => subject.ping()));
  });

  describe('with a password', function () {
    const password = 'correct-horse-battery-staple';
    const wrong = 'wrong-password-4711';

    it('uses the password it is given', async function () {
      server = await startRedisServer({ password });
      valueOf(await open({ password }).createInstance(exampleInstance('i1')));
    });

    it('reports a rejected password without ever showing it, to callers or in the log', async function () {
      server = await startRedisServer({ password });
      const lines: unknown[] = [];
      const subject = open({ password: wrong, logger: recordingLogger(lines) });
      const results: Result<unknown>[] = [await subject.ping(), await subject.getInstance('i1'), await subject.createInstance(exampleInstance('i1'))];
      for (const error of results.map(errorOf)) {
        expect(error).to.deep.equal({ kind: 'Infrastructure', message: 'state store rejected the broker credentials' });
      }
      // ioredis attaches the AUTH command, password included, to its error: proves the log is filtered.
      expect(lines).to.not.be.empty;
      expect(JSON.stringify([results, lines])).to.not.include(wrong);
    });

    it('does not show a password given in the URL either', async function () {
      server = await startRedisServer({ password });
      const lines: unknown[] = [];
      store = new RedisStateStore({ url: `redis://:${wrong}@127.0.0.1:${server.port}`, prefix: 'test:', logger: recordingLogger(lines) });
      const result = await store.ping();
      expect(errorOf(result).kind).to.equal('Infrastructure');
      expect(JSON.stringify([result, lines])).to.not.include(wrong);
    });
  });
});
