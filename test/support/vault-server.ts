/**
 * A real Vault server for tests, built from its Go module (tools/vault/) once
 * per machine like the test cluster and helm, and run as `vault server -dev`
 * on 127.0.0.1 with a free port, a known root token and a throwaway
 * directory. Dev mode is in memory and starts unsealed with KV v2 at secret/;
 * start() adds the PKI engine at pki/ with a leasing role (see VAULT_PKI).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireOrSkip } from './prerequisites.js';
import { buildGoBinaryOnce, cachedGoBinaryPath, findOnPath, logToStderr, sourceHash, type GoBinarySpec } from './go-binary-cache.js';

/** go.mod and go.sum of the wrapper module whose `tool` directive names Vault's main package. */
const VAULT_SOURCE_DIR = fileURLToPath(new URL('../../tools/vault/', import.meta.url));

/** Undefined when Vault can be had here (built for the current module, or `go` to build it); else what is missing. */
export function vaultServerPrerequisite(): string | undefined {
  if (existsSync(cachedGoBinaryPath(VAULT_BINARY))) return undefined;
  if (findOnPath('go') !== undefined) return undefined;
  return `building Vault needs the Go toolchain (\`go\`, 1.26 or newer) on PATH (not found in PATH=${process.env['PATH'] ?? ''})`;
}

const goBuildArgs = (): string[] => ['build', '-v', '-mod=readonly', '-buildvcs=false', '-trimpath', '-ldflags=-s -w'];

/** Cached under <cache root>/vault/<first 16 hex chars of the sha256 of go.mod, go.sum and the build arguments>/vault. */
const VAULT_BINARY: GoBinarySpec = {
  moduleDir: VAULT_SOURCE_DIR,
  name: 'vault',
  cacheSubdir: 'vault',
  hash: () => sourceHash(VAULT_SOURCE_DIR, (name) => name === 'go.mod' || name === 'go.sum', JSON.stringify(goBuildArgs())),
  buildArgs: goBuildArgs,
  target: 'github.com/hashicorp/vault',
  label: 'Vault',
  expectedDuration: '~5-10 min',
  prerequisite: vaultServerPrerequisite,
};

/** Builds Vault once per machine (per module hash) and returns its path; reuses it when present. */
export function buildVault(log: (line: string) => void = logToStderr, options: { verbose?: boolean } = {}): Promise<string> {
  return buildGoBinaryOnce(VAULT_BINARY, log, options.verbose ?? false);
}

/** For a `before` hook: fails when MESITIS_REQUIRE_REAL=1 and Vault cannot be had, else skips loudly. */
export function requireVaultServerOrSkip(context: Mocha.Context, suite: string): void {
  requireOrSkip(context, suite, vaultServerPrerequisite());
}

/** The PKI engine start() mounts: a root CA and a role whose certificates are leased (generate_lease). */
export const VAULT_PKI = { mount: 'pki', role: 'client', issuePath: 'pki/issue/client' } as const;

/** What a providing team would grant the broker: read its KV secrets, issue certificates, manage the leases. */
export const BROKER_POLICY = 'mesitis-broker';
const POLICY_TEXT = `
path "secret/data/*" { capabilities = ["read"] }
path "${VAULT_PKI.issuePath}" { capabilities = ["create", "update"] }
path "sys/leases/revoke" { capabilities = ["update"] }
path "sys/leases/lookup" { capabilities = ["update"] }
`;

export async function writeBrokerPolicy(server: VaultServer): Promise<void> {
  await server.request('PUT', `sys/policies/acl/${BROKER_POLICY}`, { policy: POLICY_TEXT });
}

/** A token for the broker policy (not the root token: the policy is part of what is tested). */
export async function brokerToken(server: VaultServer, options: { ttl?: string; renewable?: boolean } = {}): Promise<string> {
  const body = (await server.request('POST', 'auth/token/create', {
    policies: [BROKER_POLICY],
    no_default_policy: false,
    ttl: options.ttl ?? '1h',
    renewable: options.renewable ?? true,
  })) as { auth: { client_token: string } };
  return body.auth.client_token;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;

export interface VaultServer {
  /** http://127.0.0.1:PORT */
  readonly address: string;
  readonly rootToken: string;
  /** A request with the root token; returns the parsed body (undefined when empty), throws on a non-2xx status. */
  request(method: string, path: string, body?: unknown): Promise<unknown>;
  /** The same, returning the status and body whatever the status. */
  send(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: unknown }>;
  /** Seals Vault (sys/seal): it answers 503 until unseal(). */
  seal(): Promise<void>;
  unseal(): Promise<void>;
  /** SIGSTOP, resolved once the process is stopped: Vault keeps its socket open but answers nothing, like a hung host. */
  pause(): Promise<void>;
  /** SIGCONT after pause(). */
  resume(): void;
  /** Stops the server and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
const directories = new Set<string>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of directories) rmSync(dir, { recursive: true, force: true });
});

/** Builds Vault if needed, starts a dev server and mounts PKI (see VAULT_PKI). Dev mode has KV v2 at secret/. */
export async function startVaultServer(): Promise<VaultServer> {
  const binary = await buildVault();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mesitis-vault-'));
  directories.add(dir);
  const rootToken = `root-${randomBytes(12).toString('hex')}`;
  const address = `http://127.0.0.1:${port}`;
  const args = ['server', '-dev', `-dev-listen-address=127.0.0.1:${port}`, `-dev-root-token-id=${rootToken}`, '-dev-no-store-token', '-log-level=warn'];
  // HOME in the throwaway directory: nothing of Vault's lands in the user's.
  const child = spawn(binary, args, { cwd: dir, env: { PATH: process.env['PATH'] ?? '', HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= terminate(child, exited).then(() => {
      rmSync(dir, { recursive: true, force: true });
      directories.delete(dir);
    });
    return stopping;
  };
  const send = async (method: string, path: string, body?: unknown, token: string = rootToken): Promise<{ status: number; body: unknown }> => {
    const response = await fetch(`${address}/v1/${path}`, {
      method,
      headers: { 'x-vault-token': token, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  };
  const request = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const answer = await send(method, path, body);
    if (answer.status < 200 || answer.status > 299) throw new Error(`Vault ${method} ${path}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };

  try {
    await waitUntilServing(address, child);
    await request('POST', `sys/mounts/${VAULT_PKI.mount}`, { type: 'pki', config: { max_lease_ttl: '24h' } });
    await request('POST', `${VAULT_PKI.mount}/root/generate/internal`, { common_name: 'mesitis-test-ca', ttl: '24h', key_type: 'ec', key_bits: 256 });
    await request('POST', `${VAULT_PKI.mount}/roles/${VAULT_PKI.role}`, {
      allow_any_name: true,
      generate_lease: true,
      key_type: 'ec',
      key_bits: 256,
      ttl: '1h',
      max_ttl: '2h',
    });
  } catch (error) {
    await stop();
    throw new Error(`Vault on ${address} did not start: ${(error as Error).message}\n${output.replaceAll(rootToken, '<root token>')}`);
  }
  return {
    address,
    rootToken,
    request,
    send,
    seal: async () => {
      await request('PUT', 'sys/seal');
    },
    unseal: async () => {
      // Read when needed: the dev server prints its banner once it serves, maybe after start() returned.
      const unsealKey = /Unseal Key: (\S+)/.exec(output)?.[1];
      if (unsealKey === undefined) throw new Error(`the dev server printed no unseal key:\n${output}`);
      await request('PUT', 'sys/unseal', { key: unsealKey });
    },
    pause: async () => {
      child.kill('SIGSTOP');
      // A signal is delivered when the process next runs: wait until /proc says it is stopped (state T).
      const deadline = Date.now() + 5000;
      while (!/^\d+ \(.*\) T /.test(readFileSync(`/proc/${child.pid}/stat`, 'utf8'))) {
        if (Date.now() > deadline) throw new Error('Vault did not stop on SIGSTOP');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    resume: () => child.kill('SIGCONT'),
    stop,
  };
}

/** Polls sys/health until Vault is initialised, unsealed and active. */
async function waitUntilServing(address: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited (${child.exitCode ?? child.signalCode})`);
    try {
      const response = await fetch(`${address}/v1/sys/health`);
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not serving within ${READY_TIMEOUT_MS} ms (last: ${last})`);
}

async function terminate(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
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

let shared: Promise<VaultServer> | undefined;

/** One Vault for the whole run, started on first use; tests keep apart by path. Do not seal or stop it. */
export function sharedVaultServer(): Promise<VaultServer> {
  shared ??= startVaultServer();
  return shared;
}

/** Stops the shared Vault if one was started (for the root afterAll hook). */
export async function stopSharedVaultServer(): Promise<void> {
  const current = shared;
  shared = undefined;
  if (current === undefined) return;
  try {
    await (await current).stop();
  } catch {
    // it never started; startVaultServer already cleaned up
  }
}
