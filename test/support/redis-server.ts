/**
 * A real redis-server for tests, run as a child process on 127.0.0.1 with a
 * free port, no persistence and a throwaway directory. Servers still running
 * when the process exits are killed, so a crashed run leaves nothing behind.
 */
import { requireOrSkip } from './prerequisites.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5_000;

export interface RedisServer {
  /** redis://127.0.0.1:PORT (no password, even when one is required). */
  readonly url: string;
  readonly port: number;
  /** Stops the server and removes its directory. Idempotent. */
  stop(): Promise<void>;
  /** Stops the process but keeps the port and directory: an outage, ended by start(). */
  halt(): Promise<void>;
  /** Starts a halted server again on the same port, empty (nothing is persisted). */
  start(): Promise<void>;
  /** SIGSTOP: the server keeps its connections but answers nothing, like a hung host. */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
}

export interface StartRedisServerOptions {
  /** Started with --requirepass. */
  readonly password?: string;
}

/** Undefined when redis-server can run here; otherwise what is missing, for skip messages. */
export function redisServerPrerequisite(): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, 'redis-server'), fsConstants.X_OK);
      return undefined;
    } catch {
      // not in this directory
    }
  }
  return 'redis-server is not on PATH (Debian/Ubuntu: apt-get install -y redis-server)';
}

/**
 * For a `before` hook of a suite that needs redis-server. Without it the
 * suite fails when MESITIS_REQUIRE_REAL=1 (CI must not quietly test nothing)
 * and is otherwise skipped, loudly, so a laptop without Redis still runs
 * everything else.
 */
export function requireRedisServerOrSkip(context: Mocha.Context, suite: string): void {
  requireOrSkip(context, suite, redisServerPrerequisite());
}

const running = new Set<ChildProcess>();
const directories = new Set<string>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of directories) rmSync(dir, { recursive: true, force: true });
});

export async function startRedisServer(options: StartRedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mesitis-redis-'));
  directories.add(dir);
  let child: ChildProcess | undefined = await launch(port, dir, options);
  const stopChild = async (): Promise<void> => {
    if (child === undefined) return;
    const stopping = child;
    child = undefined;
    await terminate(stopping);
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: async () => {
      await stopChild();
      rmSync(dir, { recursive: true, force: true });
      directories.delete(dir);
    },
    halt: stopChild,
    start: async () => {
      if (child === undefined) child = await launch(port, dir, options);
    },
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
  };
}

let shared: Promise<RedisServer> | undefined;

/** One server for the whole run; tests keep apart by key prefix. Do not stop or restart it. */
export function sharedRedisServer(): Promise<RedisServer> {
  shared ??= startRedisServer();
  return shared;
}

export async function stopSharedRedisServer(): Promise<void> {
  const server = shared;
  shared = undefined;
  if (server !== undefined) await (await server).stop();
}

async function launch(port: number, dir: string, options: StartRedisServerOptions): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  if (options.password !== undefined) args.push('--requirepass', options.password);
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  try {
    await waitUntilAnswering(port, child);
  } catch (error) {
    await terminate(child);
    throw new Error(`redis-server on port ${port} did not start: ${(error as Error).message}\n${output}`);
  }
  return child;
}

/** Polls with a raw PING; -NOAUTH also proves the server is up when a password is required. */
async function waitUntilAnswering(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited (${child.exitCode ?? child.signalCode})`);
    const reply = await rawPing(port).catch(() => '');
    if (reply.startsWith('+PONG') || reply.startsWith('-NOAUTH')) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no answer to PING within ${READY_TIMEOUT_MS} ms`);
}

function rawPing(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
    socket.setTimeout(500, () => socket.destroy(new Error('timeout')));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString());
    });
    socket.once('error', reject);
  });
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGCONT'); // a paused server cannot act on SIGTERM
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port === 0 ? reject(new Error('no free port')) : resolve(port)));
    });
  });
}
