/**
 * A real kube-apiserver (with an embedded etcd) for tests, built from Go
 * modules and run as a child process. See test/cluster/README.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { accessSync, constants as fsConstants, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The Go program's sources (go.mod, go.sum, *.go). */
const CLUSTER_SOURCE_DIR = fileURLToPath(new URL('../cluster/', import.meta.url));
const BINARY_NAME = 'mesitis-test-cluster';
const READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 15_000;
const BUILD_HEARTBEAT_MS = 30_000;
const DEFAULT_BROKER_NAMESPACE = 'provider-ns';
const DEFAULT_BROKER_SERVICE_ACCOUNT = 'mesitis';

export interface TestCluster {
  /** e.g. https://127.0.0.1:PORT */
  server: string;
  /** Temporary directory owned by this cluster; removed by stop(). */
  dir: string;
  /** Path of a kubeconfig for a cluster admin (group system:masters), namespace default. */
  adminKubeconfig: string;
  /** Path of a kubeconfig for system:serviceaccount:<brokerNamespace>:<brokerServiceAccount>, namespace brokerNamespace. */
  brokerKubeconfig: string;
  /** Path of a kubeconfig for the plain user "consumer" (system:authenticated only), namespace default. */
  consumerKubeconfig: string;
  brokerNamespace: string;
  brokerServiceAccount: string;
  /** Stops the apiserver (SIGTERM, then SIGKILL after 15 s) and removes dir. Idempotent. */
  stop(): Promise<void>;
}

export interface StartTestClusterOptions {
  brokerNamespace?: string;
}

export interface BuildTestClusterOptions {
  /** Stream every package go compiles through log (for CI pre-builds). */
  verbose?: boolean;
}

const logToStderr = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

// ---------------------------------------------------------------- prerequisite

/**
 * Returns undefined when the test cluster can run here: either it is already
 * built for the current sources, or `go` is on PATH to build it. Otherwise a
 * message naming what is missing, suitable for skipping cluster tests.
 */
export function testClusterPrerequisite(): string | undefined {
  if (existsSync(cachedBinaryPath())) return undefined;
  if (findOnPath('go') !== undefined) return undefined;
  return (
    'the test cluster needs the Go toolchain (`go`, 1.26 or newer) on PATH to build kube-apiserver ' +
    `(not found in PATH=${process.env['PATH'] ?? ''})`
  );
}

function findOnPath(command: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

// ------------------------------------------------------------------- building

/** Cache root outside the checkout, shared by all checkouts on the machine. */
function cacheRoot(): string {
  const explicit = process.env['MESITIS_CACHE_DIR'];
  if (explicit) return explicit;
  const xdg = process.env['XDG_CACHE_HOME'];
  return join(xdg ? xdg : join(homedir(), '.cache'), 'mesitis');
}

/**
 * Arguments of `go build`, minus `-o`. The ldflags stamp the kubernetes
 * version (read from go.mod) into the binary, so /version reports v1.X.Y
 * rather than the module default v0.0.0-master.
 */
function goBuildArgs(): string[] {
  const goMod = readFileSync(join(CLUSTER_SOURCE_DIR, 'go.mod'), 'utf8');
  const version = /^\s*(?:require\s+)?k8s\.io\/kubernetes\s+(v(\d+)\.(\d+)\.\d+\S*)/m.exec(goMod);
  const stamp = version
    ? ['gitVersion=' + version[1], 'gitMajor=' + version[2], 'gitMinor=' + version[3], 'gitTreeState=clean'].map(
        (kv) => `-X k8s.io/component-base/version.${kv}`,
      )
    : [];
  // -v lists each package as it is compiled: we count them for progress.
  // -mod=readonly: use go.mod/go.sum exactly as committed, whatever GOFLAGS says.
  return ['build', '-v', '-mod=readonly', '-buildvcs=false', '-trimpath', `-ldflags=-s -w ${stamp.join(' ')}`.trim()];
}

/**
 * First 16 hex chars of the sha256 of go.mod, go.sum, every *.go file and
 * the build arguments: any change to them means a new binary.
 */
function sourceHash(): string {
  const files = readdirSync(CLUSTER_SOURCE_DIR)
    .filter((name) => name === 'go.mod' || name === 'go.sum' || name.endsWith('.go'))
    .sort();
  const hash = createHash('sha256');
  for (const name of files) {
    hash.update(name).update('\0').update(readFileSync(join(CLUSTER_SOURCE_DIR, name))).update('\0');
  }
  hash.update(JSON.stringify(goBuildArgs()));
  return hash.digest('hex').slice(0, 16);
}

function cachedBinaryPath(): string {
  return join(cacheRoot(), 'test-cluster', sourceHash(), BINARY_NAME);
}

let building: Promise<string> | undefined;

/**
 * Builds the test cluster binary once per machine (per source hash) and
 * returns its path; reuses it when present. The first build compiles
 * kube-apiserver and takes several minutes.
 */
export function buildTestCluster(
  log: (line: string) => void = logToStderr,
  options: BuildTestClusterOptions = {},
): Promise<string> {
  building ??= build(log, options).finally(() => {
    building = undefined;
  });
  return building;
}

async function build(log: (line: string) => void, options: BuildTestClusterOptions): Promise<string> {
  const binary = cachedBinaryPath();
  if (existsSync(binary)) return binary;
  if (findOnPath('go') === undefined) {
    throw new Error(testClusterPrerequisite() ?? 'go not found on PATH');
  }

  const outDir = join(binary, '..');
  await mkdir(outDir, { recursive: true });
  // Build to a unique name and rename into place: the rename is atomic, so a
  // concurrent or killed build never leaves a truncated binary at `binary`.
  const tmp = join(outDir, `.${BINARY_NAME}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  log(`building test cluster (first run on this machine takes ~10 min) into ${outDir} ...`);
  const started = Date.now();
  try {
    await runGoBuild(tmp, log, options, started);
    await rename(tmp, binary);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const { size } = await stat(binary);
  log(`built test cluster in ${formatDuration(Date.now() - started)} (${Math.round(size / 1e6)} MB): ${binary}`);
  return binary;
}

function runGoBuild(
  output: string,
  log: (line: string) => void,
  options: BuildTestClusterOptions,
  started: number,
): Promise<void> {
  const args = [...goBuildArgs(), '-o', output, '.'];
  const child = spawn('go', args, {
    cwd: CLUSTER_SOURCE_DIR,
    env: { ...process.env, GOTOOLCHAIN: 'local' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let packages = 0;
  const tail: string[] = [];
  const onLine = (line: string): void => {
    packages++;
    tail.push(line);
    if (tail.length > 40) tail.shift();
    if (options.verbose) log(`  ${line}`);
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);
  const heartbeat = setInterval(() => {
    log(`  still building test cluster: ${packages} packages compiled, ${formatDuration(Date.now() - started)} elapsed`);
  }, BUILD_HEARTBEAT_MS);

  return new Promise<void>((resolve, reject) => {
    child.on('error', (err) => {
      clearInterval(heartbeat);
      reject(new Error(`could not run go: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearInterval(heartbeat);
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `go build of the test cluster failed (${signal ?? `exit ${code}`}) in ${CLUSTER_SOURCE_DIR}:\n${tail.join('\n')}`,
          ),
        );
    });
  });
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

// ------------------------------------------------------------------- starting

/** Children still running (and their dirs), killed on process exit. */
const running = new Map<ChildProcess, string>();

/**
 * Last resort when the test run ends without stop(): 'exit' handlers must be
 * synchronous, so kill hard and remove the directory best-effort.
 */
function killLeftoversOnExit(): void {
  for (const [child, dir] of running) {
    child.kill('SIGKILL');
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // the child may still be writing; leave it in the OS temp dir
    }
  }
}
process.on('exit', killLeftoversOnExit);

/**
 * Builds if needed, then starts etcd + kube-apiserver in a fresh temporary
 * directory and resolves once the apiserver is ready and the kubeconfigs are
 * written. Call stop() when done.
 */
export async function startTestCluster(options: StartTestClusterOptions = {}): Promise<TestCluster> {
  const binary = await buildTestCluster();
  const brokerNamespace = options.brokerNamespace ?? DEFAULT_BROKER_NAMESPACE;
  const brokerServiceAccount = DEFAULT_BROKER_SERVICE_ACCOUNT;
  const dir = await mkdtemp(join(tmpdir(), 'mesitis-test-cluster-'));

  const child = spawn(
    binary,
    ['--dir', dir, '--broker-namespace', brokerNamespace, '--broker-serviceaccount', brokerServiceAccount],
    // stdin is a pipe we never close: the child exits when it reaches EOF,
    // i.e. when this process dies, however it dies.
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  running.set(child, dir);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= stopChild(child, exited).then(() => rm(dir, { recursive: true, force: true }));
    return stopping;
  };

  let server: string;
  try {
    server = await waitForReady(child, dir);
  } catch (err) {
    await stop();
    throw err;
  }

  // From here on the cluster must not keep the test runner alive by itself:
  // if nobody calls stop(), the 'exit' handler kills it and the closed stdin
  // would stop it anyway.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }

  return {
    server,
    dir,
    adminKubeconfig: join(dir, 'admin.kubeconfig'),
    brokerKubeconfig: join(dir, 'broker.kubeconfig'),
    consumerKubeconfig: join(dir, 'consumer.kubeconfig'),
    brokerNamespace,
    brokerServiceAccount,
    stop,
  };
}

/** Resolves with the server URL from the child's READY line. */
function waitForReady(child: ChildProcess, dir: string): Promise<string> {
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });

  return new Promise<string>((resolve, reject) => {
    const fail = (reason: string): void => {
      cleanup();
      void describeFailure(reason, stderr, dir).then((message) => reject(new Error(message)));
    };
    const timer = setTimeout(() => fail(`not ready after ${READY_TIMEOUT_MS / 1000}s`), READY_TIMEOUT_MS);
    const lines = createInterface({ input: child.stdout! });
    const onLine = (line: string): void => {
      if (!line.startsWith('READY ')) return;
      try {
        const ready = JSON.parse(line.slice('READY '.length)) as { server: string };
        cleanup();
        resolve(ready.server);
      } catch {
        fail(`unparseable line: ${line}`);
      }
    };
    // 'close' rather than 'exit': it comes after stderr is fully read.
    const onClose = (code: number | null, signal: NodeJS.Signals | null): void =>
      fail(`exited (${signal ?? `code ${code}`}) before becoming ready`);
    const onError = (err: Error): void => fail(`could not start: ${err.message}`);
    const cleanup = (): void => {
      clearTimeout(timer);
      lines.off('line', onLine);
      child.off('close', onClose);
      child.off('error', onError);
    };
    lines.on('line', onLine);
    child.once('close', onClose);
    child.once('error', onError);
  });
}

async function describeFailure(reason: string, stderr: string, dir: string): Promise<string> {
  let log = '';
  try {
    log = (await readFile(join(dir, 'apiserver.log'), 'utf8')).split('\n').slice(-40).join('\n');
  } catch {
    log = '(no apiserver.log)';
  }
  return `test cluster ${reason}\n--- stderr ---\n${stderr.trim()}\n--- tail of ${join(dir, 'apiserver.log')} ---\n${log}`;
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.ref();
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), STOP_GRACE_MS);
  });
  const killed = await Promise.race([exited.then(() => false), timedOut]);
  clearTimeout(timer);
  if (killed) {
    child.kill('SIGKILL');
    await exited;
  }
}

// --------------------------------------------------------------------- shared

let shared: Promise<TestCluster> | undefined;

/** One cluster for the whole test run, started on first use. */
export function sharedTestCluster(): Promise<TestCluster> {
  shared ??= startTestCluster();
  return shared;
}

/** Stops the shared cluster if one was started (for the root afterAll hook). */
export async function stopSharedTestCluster(): Promise<void> {
  const current = shared;
  shared = undefined;
  if (current === undefined) return;
  let cluster: TestCluster;
  try {
    cluster = await current;
  } catch {
    return; // it never started; startTestCluster already cleaned up
  }
  await cluster.stop();
}
