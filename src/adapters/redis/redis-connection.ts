/**
 * How the broker talks to Redis when Redis is unwell: fail fast, never queue
 * or replay a write behind the caller's back, and reconnect by itself.
 *
 * - enableOfflineQueue false: while disconnected a command is refused at
 *   once instead of waiting (and running later, after the caller was told it
 *   failed: a create that "failed" must not happen a minute later).
 * - autoResendUnfulfilledCommands false, maxRetriesPerRequest 0: a command
 *   in flight when the socket drops is rejected, not resent on reconnect.
 * - commandTimeout: a server that accepts the connection but hangs still
 *   yields an answer in bounded time.
 * - retryStrategy always returns a delay (capped at 1 s): ioredis keeps
 *   reconnecting forever, so the same store works again once Redis returns.
 */
import { Redis } from 'ioredis';
import type { Logger } from '../../application/ports/logger.js';

export interface RedisConnectionSettings {
  /** redis://host:port[/db] or rediss://… ; may carry user and password. */
  readonly url: string;
  readonly password?: string;
  /** Use TLS even when the URL says redis://. */
  readonly tls?: boolean;
  readonly db?: number;
  /** How long one connection attempt (and a caller waiting on it) may take. Default 2000. */
  readonly connectTimeoutMs?: number;
  /** How long a command may wait for its reply. Default 2000. */
  readonly commandTimeoutMs?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 2000;
const DEFAULT_COMMAND_TIMEOUT_MS = 2000;
const MAX_RECONNECT_DELAY_MS = 1000;

/** Why the connection last failed, as far as the error events tell. */
export type ConnectionFailure = 'credentials' | 'network';

export function createRedisClient(settings: RedisConnectionSettings): Redis {
  return new Redis(settings.url, {
    connectTimeout: settings.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    commandTimeout: settings.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt: number) => Math.min(100 * attempt, MAX_RECONNECT_DELAY_MS),
    ...(settings.password !== undefined ? { password: settings.password } : {}),
    ...(settings.db !== undefined ? { db: settings.db } : {}),
    ...(settings.tls === true ? { tls: {} } : {}),
  });
}

/**
 * Watches one client's connection: remembers why it last failed (so a
 * refused command can say "wrong credentials" rather than "unreachable"),
 * logs only the transitions (not every reconnect attempt), and lets callers
 * wait for an attempt already under way, such as the first one at startup.
 */
export class ConnectionWatch {
  private failure: ConnectionFailure | undefined;
  private pending: Promise<void> | undefined;

  constructor(
    private readonly client: Redis,
    private readonly connectTimeoutMs: number,
    private readonly logger: Logger | undefined,
  ) {
    client.on('ready', () => {
      if (this.failure !== undefined) this.logger?.info('state store reachable again');
      this.failure = undefined;
    });
    client.on('error', (error: unknown) => {
      const failure = isCredentialsError(error) ? 'credentials' : 'network';
      // Only fixed fields: ioredis attaches the failed command (AUTH and its password, or a record) to errors.
      if (failure !== this.failure) this.logger?.warn('state store connection failed', describeError(error));
      this.failure = failure;
    });
  }

  get lastFailure(): ConnectionFailure | undefined {
    return this.failure;
  }

  /** Resolves when no connection attempt is under way (or after the connect timeout). */
  settled(): Promise<void> {
    const status = this.client.status;
    if (status !== 'wait' && status !== 'connecting' && status !== 'connect') return Promise.resolve();
    this.pending ??= new Promise<void>((resolve) => {
      const events = ['ready', 'close', 'end'] as const;
      const done = (): void => {
        clearTimeout(timer);
        for (const event of events) this.client.off(event, done);
        this.pending = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.connectTimeoutMs);
      for (const event of events) this.client.once(event, done);
    });
    return this.pending;
  }
}

export function isCredentialsError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : '';
  return /^(WRONGPASS|NOAUTH)\b/.test(message) || /^ERR (AUTH|invalid password)/.test(message);
}

/** The parts of an ioredis error that are safe to log. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(typeof error) };
  const code = (error as { code?: unknown }).code;
  return { error: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
}
