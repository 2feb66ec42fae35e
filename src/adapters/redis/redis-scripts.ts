/**
 * The Lua scripts that make the StateStore's conditional writes atomic: Redis
 * runs a script with no other command in between, so "check then write"
 * cannot race with another broker replica. Every key a script touches is
 * passed in KEYS (never built inside the script), as Redis requires.
 *
 * An instance is a hash { record, revision }. Revisions come from one counter
 * per installation, so a deleted and re-created instance never repeats a
 * revision that an old reader still holds.
 */
import type { Redis } from 'ioredis';

const CREATE_INSTANCE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local revision = tostring(redis.call('INCR', KEYS[3]))
redis.call('HSET', KEYS[1], 'record', ARGV[1], 'revision', revision)
redis.call('SADD', KEYS[2], ARGV[2])
return revision`;

const UPDATE_INSTANCE = `
if redis.call('HGET', KEYS[1], 'revision') ~= ARGV[2] then return false end
local revision = tostring(redis.call('INCR', KEYS[2]))
redis.call('HSET', KEYS[1], 'record', ARGV[1], 'revision', revision)
return revision`;

// Absent is success (the port's delete is idempotent); the index entry is
// removed either way so a half-written create cannot leave a dangling id.
const DELETE_INSTANCE = `
local current = redis.call('HGET', KEYS[1], 'revision')
if current and current ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[2])
return 1`;

const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1`;

// PEXPIRE on an expired key finds nothing: an expired lock cannot be renewed.
const RENEW_LOCK = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])`;

const SCRIPTS = {
  mesitisCreateInstance: { numberOfKeys: 3, lua: CREATE_INSTANCE },
  mesitisUpdateInstance: { numberOfKeys: 2, lua: UPDATE_INSTANCE },
  mesitisDeleteInstance: { numberOfKeys: 2, lua: DELETE_INSTANCE },
  mesitisReleaseLock: { numberOfKeys: 1, lua: RELEASE_LOCK },
  mesitisRenewLock: { numberOfKeys: 1, lua: RENEW_LOCK },
} as const;

/** Typed calls onto the scripts; each resolves with the script's reply. */
export interface StateScripts {
  /** The new revision, or null when the instance exists. */
  createInstance(instanceKey: string, indexKey: string, counterKey: string, text: string, id: string): Promise<string | null>;
  /** The new revision, or null when the stored revision is not `expected` (or the instance is absent). */
  updateInstance(instanceKey: string, counterKey: string, text: string, expected: string): Promise<string | null>;
  /** 1 when deleted or absent, 0 when the stored revision is not `expected`. */
  deleteInstance(instanceKey: string, indexKey: string, expected: string, id: string): Promise<number>;
  /** Deletes the lock only when `owner` still holds it. */
  releaseLock(lockKey: string, owner: string): Promise<number>;
  /** 1 when `owner` still holds the lock and its TTL was set to `ttlMs`, 0 otherwise. */
  renewLock(lockKey: string, owner: string, ttlMs: string): Promise<number>;
}

type ScriptName = keyof typeof SCRIPTS;

/**
 * defineCommand sends EVALSHA and falls back to EVAL on NOSCRIPT, so the
 * scripts survive a Redis restart that emptied its script cache.
 */
export function defineStateScripts(client: Redis): StateScripts {
  for (const [name, definition] of Object.entries(SCRIPTS)) client.defineCommand(name, definition);
  const commands = client as unknown as Record<ScriptName, (...args: string[]) => Promise<unknown>>;
  return {
    createInstance: (...args) => commands.mesitisCreateInstance(...args) as Promise<string | null>,
    updateInstance: (...args) => commands.mesitisUpdateInstance(...args) as Promise<string | null>,
    deleteInstance: (...args) => commands.mesitisDeleteInstance(...args) as Promise<number>,
    releaseLock: (...args) => commands.mesitisReleaseLock(...args) as Promise<number>,
    renewLock: (...args) => commands.mesitisRenewLock(...args) as Promise<number>,
  };
}
