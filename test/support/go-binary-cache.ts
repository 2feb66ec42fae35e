/**
 * Go binaries for tests (kube-apiserver, helm), built once per machine into a
 * cache directory outside the checkout and keyed by a hash of their sources.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { accessSync, constants as fsConstants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';

const BUILD_HEARTBEAT_MS = 30_000;

export const logToStderr = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

export function findOnPath(command: string): string | undefined {
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

/** Cache root outside the checkout, shared by all checkouts on the machine. */
export function cacheRoot(): string {
  const explicit = process.env['MESITIS_CACHE_DIR'];
  if (explicit) return explicit;
  const xdg = process.env['XDG_CACHE_HOME'];
  return join(xdg ? xdg : join(homedir(), '.cache'), 'mesitis');
}

/**
 * First 16 hex chars of the sha256 of the files of dir that `include` accepts
 * (name, NUL, content, NUL each, sorted by name), then extraKey (e.g. the
 * JSON of the build arguments): any change to them means a new binary.
 */
export function sourceHash(dir: string, include: (name: string) => boolean, extraKey: string): string {
  const files = readdirSync(dir).filter(include).sort();
  const hash = createHash('sha256');
  for (const name of files) {
    hash.update(name).update('\0').update(readFileSync(join(dir, name))).update('\0');
  }
  hash.update(extraKey);
  return hash.digest('hex').slice(0, 16);
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

export interface GoBinarySpec {
  /** Directory of the Go module (the `go build` working directory). */
  moduleDir: string;
  /** File name of the binary in the cache. */
  name: string;
  /** Directory under cacheRoot() holding one subdirectory per source hash. */
  cacheSubdir: string;
  /** The source hash (see sourceHash). */
  hash: () => string;
  /** Arguments of `go build`, minus `-o` and the package. */
  buildArgs: () => string[];
  /** The package to build, e.g. `.`. */
  target: string;
  /** Name in progress messages, e.g. `test cluster`. */
  label: string;
  /** Name in the build-failure message; default label. */
  failureLabel?: string;
  /** What the first progress message says is being built; default label. */
  startLabel?: () => string;
  /** How long the first build takes, for the first progress message. */
  expectedDuration: string;
  /** Message when `go` is missing. */
  prerequisite: () => string | undefined;
}

/** Where the binary for the current sources is (or will be) cached. */
export function cachedGoBinaryPath(spec: GoBinarySpec): string {
  return join(cacheRoot(), spec.cacheSubdir, spec.hash(), spec.name);
}

const building = new Map<string, Promise<string>>();

/**
 * Builds the binary once per machine (per source hash) and returns its path;
 * reuses it when present. Concurrent calls for the same spec share one build.
 */
export function buildGoBinaryOnce(spec: GoBinarySpec, log: (line: string) => void, verbose: boolean): Promise<string> {
  let current = building.get(spec.cacheSubdir);
  if (current === undefined) {
    current = build(spec, log, verbose).finally(() => {
      building.delete(spec.cacheSubdir);
    });
    building.set(spec.cacheSubdir, current);
  }
  return current;
}

async function build(spec: GoBinarySpec, log: (line: string) => void, verbose: boolean): Promise<string> {
  const binary = cachedGoBinaryPath(spec);
  if (existsSync(binary)) return binary;
  if (findOnPath('go') === undefined) throw new Error(spec.prerequisite() ?? 'go not found on PATH');

  const outDir = join(binary, '..');
  await mkdir(outDir, { recursive: true });
  // Build to a unique name and rename into place: the rename is atomic, so a
  // concurrent or killed build never leaves a truncated binary at `binary`.
  const tmp = join(outDir, `.${spec.name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  log(`building ${spec.startLabel?.() ?? spec.label} (first run on this machine takes ${spec.expectedDuration}) into ${outDir} ...`);
  const started = Date.now();
  try {
    await runGoBuild(spec, tmp, log, verbose, started);
    await rename(tmp, binary);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const { size } = await stat(binary);
  log(`built ${spec.label} in ${formatDuration(Date.now() - started)} (${Math.round(size / 1e6)} MB): ${binary}`);
  return binary;
}

function runGoBuild(
  spec: GoBinarySpec,
  output: string,
  log: (line: string) => void,
  verbose: boolean,
  started: number,
): Promise<void> {
  const child = spawn('go', [...spec.buildArgs(), '-o', output, spec.target], {
    cwd: spec.moduleDir,
    env: { ...process.env, GOTOOLCHAIN: 'local' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let packages = 0;
  const tail: string[] = [];
  const onLine = (line: string): void => {
    packages++;
    tail.push(line);
    if (tail.length > 40) tail.shift();
    if (verbose) log(`  ${line}`);
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);
  const heartbeat = setInterval(() => {
    log(`  still building ${spec.label}: ${packages} packages compiled, ${formatDuration(Date.now() - started)} elapsed`);
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
            `go build of ${spec.failureLabel ?? spec.label} failed (${signal ?? `exit ${code}`}) in ${spec.moduleDir}:\n${tail.join('\n')}`,
          ),
        );
    });
  });
}
