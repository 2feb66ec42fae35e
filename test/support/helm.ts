/**
 * The `helm` binary for tests, built from its Go module (test/helm/go.mod)
 * once per machine into a cache directory outside the checkout, the way
 * test-cluster.ts builds kube-apiserver; and `helm template` on top of it.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { accessSync, constants as fsConstants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

/** The repository's chart. */
export const MESITIS_CHART_DIR = fileURLToPath(new URL('../../deploy/helm/mesitis/', import.meta.url));

/** go.mod and go.sum of the module whose `tool` directive names helm's main package. */
const HELM_SOURCE_DIR = fileURLToPath(new URL('../helm/', import.meta.url));
const HELM_PACKAGE = 'helm.sh/helm/v3/cmd/helm';
/** The Kubernetes version `helm template` assumes (.Capabilities.KubeVersion): the test apiserver's. */
const KUBE_VERSION = { major: '1', minor: '36' };
const BUILD_HEARTBEAT_MS = 30_000;

export interface KubernetesManifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

export interface HelmTemplateOptions {
  /** The release namespace (`--namespace`). */
  namespace: string;
  /** Values merged over the chart's values.yaml (like `-f`). */
  values?: Record<string, unknown>;
  /** Release name; default `mesitis`, so names are not prefixed twice. */
  releaseName?: string;
}

const logToStderr = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/**
 * Undefined when helm can be had here (already built for the current module,
 * or `go` on PATH to build it); otherwise what is missing.
 */
export function helmPrerequisite(): string | undefined {
  if (existsSync(cachedHelmPath())) return undefined;
  if (findOnPath('go') !== undefined) return undefined;
  return `building helm needs the Go toolchain (\`go\`, 1.26 or newer) on PATH (not found in PATH=${process.env['PATH'] ?? ''})`;
}

function findOnPath(command: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, command), fsConstants.X_OK);
      return join(dir, command);
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Same root as the test cluster's cache: shared by all checkouts on the machine. */
function cacheRoot(): string {
  const explicit = process.env['MESITIS_CACHE_DIR'];
  if (explicit) return explicit;
  const xdg = process.env['XDG_CACHE_HOME'];
  return join(xdg ? xdg : join(homedir(), '.cache'), 'mesitis');
}

/** helm's version from go.mod, stamped into the binary as its Makefile does. */
export function helmVersion(): string {
  const goMod = readFileSync(join(HELM_SOURCE_DIR, 'go.mod'), 'utf8');
  const match = /^\s*(?:require\s+)?helm\.sh\/helm\/v3\s+(v\S+)/m.exec(goMod);
  if (!match?.[1]) throw new Error(`no helm.sh/helm/v3 requirement in ${HELM_SOURCE_DIR}go.mod`);
  return match[1];
}

function goBuildArgs(): string[] {
  const ldflags = [
    '-s -w',
    `-X helm.sh/helm/v3/internal/version.version=${helmVersion()}`,
    `-X helm.sh/helm/v3/internal/version.gitTreeState=clean`,
    ...['pkg/chartutil', 'pkg/lint/rules'].flatMap((pkg) => [
      `-X helm.sh/helm/v3/${pkg}.k8sVersionMajor=${KUBE_VERSION.major}`,
      `-X helm.sh/helm/v3/${pkg}.k8sVersionMinor=${KUBE_VERSION.minor}`,
    ]),
  ];
  return ['build', '-v', '-mod=readonly', '-buildvcs=false', '-trimpath', `-ldflags=${ldflags.join(' ')}`];
}

/** First 16 hex chars of the sha256 of go.mod, go.sum and the build arguments. */
function sourceHash(): string {
  const hash = createHash('sha256');
  const files = readdirSync(HELM_SOURCE_DIR).filter((name) => name === 'go.mod' || name === 'go.sum').sort();
  for (const name of files) hash.update(name).update('\0').update(readFileSync(join(HELM_SOURCE_DIR, name))).update('\0');
  hash.update(JSON.stringify(goBuildArgs()));
  return hash.digest('hex').slice(0, 16);
}

function cachedHelmPath(): string {
  return join(cacheRoot(), 'helm', sourceHash(), 'helm');
}

let building: Promise<string> | undefined;

/** Builds helm once per machine (per module hash) and returns its path; reuses it when present. */
export function buildHelm(log: (line: string) => void = logToStderr, options: { verbose?: boolean } = {}): Promise<string> {
  building ??= build(log, options.verbose ?? false).finally(() => {
    building = undefined;
  });
  return building;
}

async function build(log: (line: string) => void, verbose: boolean): Promise<string> {
  const binary = cachedHelmPath();
  if (existsSync(binary)) return binary;
  if (findOnPath('go') === undefined) throw new Error(helmPrerequisite() ?? 'go not found on PATH');
  const outDir = join(binary, '..');
  await mkdir(outDir, { recursive: true });
  // Unique temporary name, then an atomic rename: concurrent or killed builds never leave a truncated binary.
  const tmp = join(outDir, `.helm.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  log(`building helm ${helmVersion()} (first run on this machine takes a few minutes) into ${outDir} ...`);
  const started = Date.now();
  try {
    await runGoBuild(tmp, log, verbose, started);
    await rename(tmp, binary);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const { size } = await stat(binary);
  log(`built helm in ${formatDuration(Date.now() - started)} (${Math.round(size / 1e6)} MB): ${binary}`);
  return binary;
}

function runGoBuild(output: string, log: (line: string) => void, verbose: boolean, started: number): Promise<void> {
  const child = spawn('go', [...goBuildArgs(), '-o', output, HELM_PACKAGE], {
    cwd: HELM_SOURCE_DIR,
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
  const heartbeat = setInterval(
    () => log(`  still building helm: ${packages} packages compiled, ${formatDuration(Date.now() - started)} elapsed`),
    BUILD_HEARTBEAT_MS,
  );
  return new Promise<void>((resolve, reject) => {
    child.on('error', (err) => {
      clearInterval(heartbeat);
      reject(new Error(`could not run go: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearInterval(heartbeat);
      if (code === 0) resolve();
      else reject(new Error(`go build of helm failed (${signal ?? `exit ${code}`}) in ${HELM_SOURCE_DIR}:\n${tail.join('\n')}`));
    });
  });
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

const execFileAsync = promisify(execFile);

/** `helm template` as text: what `helm template` prints, documents separated by `---`. */
export async function helmTemplateText(chartDir: string, options: HelmTemplateOptions): Promise<string> {
  const helm = await buildHelm();
  const dir = await mkdtemp(join(tmpdir(), 'mesitis-helm-'));
  try {
    const valuesFile = join(dir, 'values.json'); // JSON is YAML: helm reads it with -f
    await writeFile(valuesFile, JSON.stringify(options.values ?? {}));
    const args = ['template', options.releaseName ?? 'mesitis', chartDir, '--namespace', options.namespace, '-f', valuesFile];
    // helm keeps caches and config under HOME; point them at the temp dir so nothing leaks into the user's.
    const env = { ...process.env, HELM_CACHE_HOME: join(dir, 'cache'), HELM_CONFIG_HOME: join(dir, 'config'), HELM_DATA_HOME: join(dir, 'data') };
    try {
      const { stdout } = await execFileAsync(helm, args, { env, maxBuffer: 16 * 1024 * 1024 });
      return stdout;
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr ?? '';
      throw new Error(`helm ${args.join(' ')} failed: ${stderr.trim() || (err as Error).message}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `helm template`, parsed: one object per non-empty document, in helm's order. */
export async function helmTemplate(chartDir: string, options: HelmTemplateOptions): Promise<KubernetesManifest[]> {
  return parseManifests(await helmTemplateText(chartDir, options));
}

/** Parses a multi-document YAML stream; empty documents are dropped, a YAML error throws. */
export function parseManifests(text: string): KubernetesManifest[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`bad YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS() as KubernetesManifest | null;
    return value === null ? [] : [value];
  });
}
