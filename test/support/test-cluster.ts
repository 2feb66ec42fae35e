/**
 * A real Kubernetes control plane for tests, built from Go modules and run
 * as a child process: kube-apiserver with an embedded etcd,
 * kube-controller-manager, kube-scheduler and kwok's simulated Nodes (so
 * Deployments roll out, Pods become Running and Ready, garbage collection
 * and namespace deletion happen). `bare: true` runs the apiserver alone.
 * See test/cluster/README.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { buildGoBinaryOnce, cachedGoBinaryPath, findOnPath, logToStderr, sourceHash, type GoBinarySpec } from './go-binary-cache.js';

/** The Go program's sources (go.mod, go.sum, *.go). */
const CLUSTER_SOURCE_DIR = fileURLToPath(new URL('../cluster/', import.meta.url));
const BINARY_NAME = 'mesitis-test-cluster';
const READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 15_000;
const DEFAULT_BROKER_NAMESPACE = 'provider-ns';
const DEFAULT_BROKER_SERVICE_ACCOUNT = 'mesitis';
/**
 * A Pod annotated with this (a Go duration, e.g. "3s") stays Pending that
 * long before kwok makes it Running and Ready (test/cluster/kwok.go): for a
 * test that must see a rollout in progress. Without it Pods are ready at once.
 */
export const READY_AFTER_ANNOTATION = 'mesitis.test/ready-after';
/** The Nodes test/cluster/nodes.go registers for kwok to play. */
const SIMULATED_NODES = ['kwok-node-0'] as const;

export interface TestCluster {
  /** True for a bare apiserver: nothing reconciles, no Pod ever runs. */
  bare: boolean;
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
  /** Names of the simulated Nodes Pods are scheduled to (none when bare). */
  nodes: readonly string[];
  /** Stops the cluster (SIGTERM, then SIGKILL after 15 s) and removes dir. Idempotent. */
  stop(): Promise<void>;
}

export interface StartTestClusterOptions {
  brokerNamespace?: string;
  /**
   * Only etcd and kube-apiserver: no controllers, scheduler or Nodes, and the
   * ServiceAccount admission plugin off. For a test that must see objects
   * exactly as written, with nothing acting on them; say why where used.
   */
  bare?: boolean;
}

export interface BuildTestClusterOptions {
  /** Stream every package go compiles through log (for CI pre-builds). */
  verbose?: boolean;
}

// ---------------------------------------------------------------- prerequisite

/**
 * Returns undefined when the test cluster can run here: either it is already
 * built for the current sources, or `go` is on PATH to build it. Otherwise a
 * message naming what is missing, suitable for skipping cluster tests.
 */
export function testClusterPrerequisite(): string | undefined {
  if (existsSync(cachedGoBinaryPath(CLUSTER_BINARY))) return undefined;
  if (findOnPath('go') !== undefined) return undefined;
  return (
    'the test cluster needs the Go toolchain (`go`, 1.26 or newer) on PATH to build kube-apiserver and its controllers ' +
    `(not found in PATH=${process.env['PATH'] ?? ''})`
  );
}

// ------------------------------------------------------------------- building

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
 * Cached under <cache root>/test-cluster/<first 16 hex chars of the sha256 of
 * go.mod, go.sum, every *.go file and the build arguments>/mesitis-test-cluster:
 * any change to them means a new binary.
 */
const CLUSTER_BINARY: GoBinarySpec = {
  moduleDir: CLUSTER_SOURCE_DIR,
  name: BINARY_NAME,
  cacheSubdir: 'test-cluster',
  hash: () =>
    sourceHash(
      CLUSTER_SOURCE_DIR,
      (name) => name === 'go.mod' || name === 'go.sum' || name.endsWith('.go'),
      JSON.stringify(goBuildArgs()),
    ),
  buildArgs: goBuildArgs,
  target: '.',
  label: 'test cluster',
  failureLabel: 'the test cluster',
  expectedDuration: '~10 min',
  prerequisite: testClusterPrerequisite,
};

/**
 * Builds the test cluster binary once per machine (per source hash) and
 * returns its path; reuses it when present. The first build compiles
 * kube-apiserver, kube-controller-manager, kube-scheduler and kwok and takes
 * several minutes.
 */
export function buildTestCluster(
  log: (line: string) => void = logToStderr,
  options: BuildTestClusterOptions = {},
): Promise<string> {
  return buildGoBinaryOnce(CLUSTER_BINARY, log, options.verbose ?? false);
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
 * Builds if needed, then starts the cluster in a fresh temporary directory
 * and resolves once the apiserver is ready, the kubeconfigs are written and
 * (unless bare) the simulated Nodes are Ready and the controllers act.
 * Call stop() when done.
 */
export async function startTestCluster(options: StartTestClusterOptions = {}): Promise<TestCluster> {
  const binary = await buildTestCluster();
  const brokerNamespace = options.brokerNamespace ?? DEFAULT_BROKER_NAMESPACE;
  const brokerServiceAccount = DEFAULT_BROKER_SERVICE_ACCOUNT;
  const bare = options.bare ?? false;
  const dir = await mkdtemp(join(tmpdir(), 'mesitis-test-cluster-'));

  const child = spawn(
    binary,
    ['--dir', dir, '--broker-namespace', brokerNamespace, '--broker-serviceaccount', brokerServiceAccount, ...(bare ? ['--bare'] : [])],
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
    bare,
    server,
    dir,
    nodes: bare ? [] : SIMULATED_NODES,
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
  const tails = await Promise.all(
    ['apiserver.log', 'kube-controller-manager.log', 'kube-scheduler.log'].map(async (name) => {
      try {
        const log = (await readFile(join(dir, name), 'utf8')).split('\n').slice(-30).join('\n');
        return `\n--- tail of ${join(dir, name)} ---\n${log}`;
      } catch {
        return '';
      }
    }),
  );
  return `test cluster ${reason}\n--- stderr ---\n${stderr.trim()}${tails.join('')}`;
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

/** The shared cluster if it has started, without starting it. */
export async function runningSharedTestCluster(): Promise<TestCluster | undefined> {
  try {
    return await shared;
  } catch {
    return undefined;
  }
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
