/**
 * The StateStore on Redis, for production and for several broker replicas.
 * Keys, all under one prefix per broker installation:
 *   <prefix>instance:<id>      hash { record, revision }
 *   <prefix>instances          set of instance ids (listInstances; no KEYS)
 *   <prefix>revision           counter every instance write draws from
 *   <prefix>bindings:<id>      hash bindingId -> record
 *   <prefix>lock:<id>          string owner, with a TTL
 * Conditional instance writes are Lua scripts (redis-scripts.ts); binding
 * creates use HSETNX and locks SET NX PX, which are atomic by themselves.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../application/ports/logger.js';
import type { Lock, Revision, StateStore, Stored } from '../../application/ports/state-store.js';
import { domainError } from '../../domain/errors.js';
import type { BindingRecord, InstanceRecord } from '../../domain/records.js';
import { all, err, ok, type Result } from '../../domain/result.js';
import * as codec from '../state/record-codec.js';
import { alreadyExists, changedSinceRead } from '../state/store-errors.js';
import { ConnectionWatch, DEFAULT_CONNECT_TIMEOUT_MS, createRedisClient, describeError, type RedisConnectionSettings } from './redis-connection.js';
import { translateRedisError } from './redis-errors.js';
import { defineStateScripts, type StateScripts } from './redis-scripts.js';

export interface RedisStateStoreOptions extends RedisConnectionSettings {
  /** Namespaces every key, e.g. `mesitis:<broker namespace>:`; installations sharing a Redis must differ. */
  readonly prefix: string;
  /** Receives the original ioredis errors, which never reach a caller. */
  readonly logger?: Logger;
}

export class RedisStateStore implements StateStore {
  private readonly client: Redis;
  private readonly scripts: StateScripts;
  private readonly watch: ConnectionWatch;
  private readonly prefix: string;
  private readonly logger: Logger | undefined;

  /** A store on `url` with every other setting at its default. */
  static fromUrl(url: string, prefix: string, logger?: Logger): RedisStateStore {
    return new RedisStateStore(logger === undefined ? { url, prefix } : { url, prefix, logger });
  }

  constructor(options: RedisStateStoreOptions) {
    if (options.prefix === '') throw new Error('bug: RedisStateStore needs a non-empty key prefix');
    this.prefix = options.prefix;
    this.logger = options.logger;
    this.client = createRedisClient(options);
    this.scripts = defineStateScripts(this.client);
    this.watch = new ConnectionWatch(this.client, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, options.logger);
  }

  async getInstance(id: string): Promise<Result<Stored<InstanceRecord> | undefined>> {
    return this.run(async () => {
      const [text, revision] = await this.client.hmget(this.key('instance', id), 'record', 'revision');
      if (text === null || text === undefined) return ok(undefined);
      const label = codec.instanceLabel(id);
      if (typeof revision !== 'string') return err(domainError('Infrastructure', `stored record for ${label} is corrupt at field revision`));
      const decoded = codec.decodeInstance(text, label);
      return decoded.ok ? ok({ record: decoded.value, revision }) : decoded;
    });
  }

  async createInstance(record: InstanceRecord): Promise<Result<Revision>> {
    const text = codec.encodeInstance(record);
    return this.run(async () => {
      const revision = await this.scripts.createInstance(this.key('instance', record.id), this.key('instances'), this.key('revision'), text, record.id);
      return revision === null ? err(alreadyExists(codec.instanceLabel(record.id))) : ok(revision);
    });
  }

  async updateInstance(record: InstanceRecord, expected: Revision): Promise<Result<Revision>> {
    const text = codec.encodeInstance(record);
    return this.run(async () => {
      const revision = await this.scripts.updateInstance(this.key('instance', record.id), this.key('revision'), text, expected);
      return revision === null ? err(changedSinceRead(codec.instanceLabel(record.id))) : ok(revision);
    });
  }

  async deleteInstance(id: string, expected: Revision): Promise<Result<void>> {
    return this.run(async () => {
      const deleted = await this.scripts.deleteInstance(this.key('instance', id), this.key('instances'), expected, id);
      return deleted === 1 ? ok(undefined) : err(changedSinceRead(codec.instanceLabel(id)));
    });
  }

  async listInstances(): Promise<Result<InstanceRecord[]>> {
    return this.run(async () => {
      const ids = await this.client.smembers(this.key('instances'));
      const texts = await Promise.all(ids.map((id) => this.client.hget(this.key('instance', id), 'record')));
      // An id whose record is gone was deleted between the two reads: not listed.
      const present = ids.flatMap((id, index) => (typeof texts[index] === 'string' ? [[id, texts[index]] as const] : []));
      return all(present.map(([id, text]) => codec.decodeInstance(text, codec.instanceLabel(id))));
    });
  }

  async getBinding(instanceId: string, bindingId: string): Promise<Result<BindingRecord | undefined>> {
    return this.run(async () => {
      const text = await this.client.hget(this.key('bindings', instanceId), bindingId);
      return text === null ? ok(undefined) : codec.decodeBinding(text, codec.bindingLabel(instanceId, bindingId));
    });
  }

  async createBinding(record: BindingRecord): Promise<Result<void>> {
    const text = codec.encodeBinding(record);
    return this.run(async () => {
      const created = await this.client.hsetnx(this.key('bindings', record.instanceId), record.id, text);
      return created === 1 ? ok(undefined) : err(alreadyExists(codec.bindingLabel(record.instanceId, record.id)));
    });
  }

  async putBinding(record: BindingRecord): Promise<Result<void>> {
    const text = codec.encodeBinding(record);
    return this.run(async () => {
      await this.client.hset(this.key('bindings', record.instanceId), record.id, text);
      return ok(undefined);
    });
  }

  async deleteBinding(instanceId: string, bindingId: string): Promise<Result<void>> {
    return this.run(async () => {
      await this.client.hdel(this.key('bindings', instanceId), bindingId);
      return ok(undefined);
    });
  }

  async listBindings(instanceId: string): Promise<Result<BindingRecord[]>> {
    return this.run(async () => {
      const stored = Object.entries(await this.client.hgetall(this.key('bindings', instanceId)));
      return all(stored.map(([bindingId, text]) => codec.decodeBinding(text, codec.bindingLabel(instanceId, bindingId))));
    });
  }

  async acquireLock(instanceId: string, ttlMs: number): Promise<Result<Lock | undefined>> {
    const owner = randomUUID();
    return this.run(async () => {
      const taken = await this.client.set(this.key('lock', instanceId), owner, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX');
      return ok(taken === 'OK' ? { instanceId, owner } : undefined);
    });
  }

  async renewLock(lock: Lock, ttlMs: number): Promise<Result<boolean>> {
    return this.run(async () => {
      const renewed = await this.scripts.renewLock(this.key('lock', lock.instanceId), lock.owner, String(Math.max(1, Math.ceil(ttlMs))));
      return ok(renewed === 1);
    });
  }

  async releaseLock(lock: Lock): Promise<Result<void>> {
    return this.run(async () => {
      await this.scripts.releaseLock(this.key('lock', lock.instanceId), lock.owner);
      return ok(undefined);
    });
  }

  async ping(): Promise<Result<void>> {
    return this.run(async () => {
      await this.client.ping();
      return ok(undefined);
    });
  }

  async close(): Promise<void> {
    if (this.client.status === 'end') return;
    // QUIT lets commands already sent finish; when Redis is down there is nothing to finish.
    await this.client.quit().catch(() => this.client.disconnect());
  }

  /** Every key and value under this store's prefix: lets tests prove no credential was written. */
  async contents(): Promise<string[]> {
    const found: string[] = [];
    const pattern = `${this.prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    for await (const keys of this.client.scanStream({ match: pattern, count: 100 }) as AsyncIterable<string[]>) {
      for (const key of keys) found.push(key, ...(await this.valuesOf(key)));
    }
    return found;
  }

  private async valuesOf(key: string): Promise<string[]> {
    const type = await this.client.type(key);
    if (type === 'string') return [(await this.client.get(key)) ?? ''];
    if (type === 'hash') return Object.entries(await this.client.hgetall(key)).flat();
    if (type === 'set') return this.client.smembers(key);
    return [`<${type}>`];
  }

  private key(kind: 'instance' | 'bindings' | 'lock', id: string): string;
  private key(kind: 'instances' | 'revision'): string;
  private key(kind: string, id?: string): string {
    return id === undefined ? `${this.prefix}${kind}` : `${this.prefix}${kind}:${id}`;
  }

  /** Runs one operation, turning whatever ioredis throws into an error kind. */
  private async run<T>(operation: () => Promise<Result<T>>): Promise<Result<T>> {
    await this.watch.settled();
    try {
      return await operation();
    } catch (error) {
      const translated = translateRedisError(error, this.watch.lastFailure);
      this.logger?.warn('state store call failed', { ...describeError(error), kind: translated.kind });
      return err(translated);
    }
  }
}
