/**
 * The `helm` binary for tests, built from the Go module the container image
 * builds it from (tools/helm/go.mod) once per machine into a cache directory
 * outside the checkout, the way test-cluster.ts builds kube-apiserver; and
 * `helm template` on top of it.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { buildGoBinaryOnce, cachedGoBinaryPath, findOnPath, logToStderr, sourceHash, type GoBinarySpec } from './go-binary-cache.js';

/** The repository's chart. */
export const MESITIS_CHART_DIR = fileURLToPath(new URL('../../deploy/helm/mesitis/', import.meta.url));

/** go.mod and go.sum of the module whose `tool` directive names helm's main package (the Dockerfile builds the same). */
const HELM_SOURCE_DIR = fileURLToPath(new URL('../../tools/helm/', import.meta.url));
const HELM_MODULE = 'helm.sh/helm/v4';
const HELM_PACKAGE = `${HELM_MODULE}/cmd/helm`;
/**
 * The Kubernetes version `helm template` assumes (.Capabilities.KubeVersion):
 * the test apiserver's. helm 4 takes it from its client-go version unless
 * told with --kube-version.
 */
const KUBE_VERSION = '1.36';

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

/**
 * Undefined when helm can be had here (already built for the current module,
 * or `go` on PATH to build it); otherwise what is missing.
 */
export function helmPrerequisite(): string | undefined {
  if (existsSync(cachedGoBinaryPath(HELM_BINARY))) return undefined;
  if (findOnPath('go') !== undefined) return undefined;
  return `building helm needs the Go toolchain (\`go\`, 1.26 or newer) on PATH (not found in PATH=${process.env['PATH'] ?? ''})`;
}

/** helm's version from go.mod, stamped into the binary as its Makefile does. */
export function helmVersion(): string {
  const goMod = readFileSync(join(HELM_SOURCE_DIR, 'go.mod'), 'utf8');
  const match = /^\s*(?:require\s+)?helm\.sh\/helm\/v4\s+(v\S+)/m.exec(goMod);
  if (!match?.[1]) throw new Error(`no ${HELM_MODULE} requirement in ${HELM_SOURCE_DIR}go.mod`);
  return match[1];
}

function goBuildArgs(): string[] {
  const ldflags = ['-s -w', `-X ${HELM_MODULE}/internal/version.version=${helmVersion()}`, `-X ${HELM_MODULE}/internal/version.gitTreeState=clean`];
  return ['build', '-v', '-mod=readonly', '-buildvcs=false', '-trimpath', `-ldflags=${ldflags.join(' ')}`];
}

/** Cached under <cache root>/helm/<first 16 hex chars of the sha256 of go.mod, go.sum and the build arguments>/helm. */
const HELM_BINARY: GoBinarySpec = {
  moduleDir: HELM_SOURCE_DIR,
  name: 'helm',
  cacheSubdir: 'helm',
  hash: () => sourceHash(HELM_SOURCE_DIR, (name) => name === 'go.mod' || name === 'go.sum', JSON.stringify(goBuildArgs())),
  buildArgs: goBuildArgs,
  target: HELM_PACKAGE,
  label: 'helm',
  startLabel: () => `helm ${helmVersion()}`,
  expectedDuration: 'a few minutes',
  prerequisite: helmPrerequisite,
};

/** Builds helm once per machine (per module hash) and returns its path; reuses it when present. */
export function buildHelm(log: (line: string) => void = logToStderr, options: { verbose?: boolean } = {}): Promise<string> {
  return buildGoBinaryOnce(HELM_BINARY, log, options.verbose ?? false);
}

const execFileAsync = promisify(execFile);

/**
 * Runs the test helm with its cache, config and data directories in a
 * throwaway directory (so nothing leaks into the user's), `work` standing for
 * that directory in args; returns stdout, throws with stderr.
 */
export async function runTestHelm(args: (work: string) => string[], env: Record<string, string> = {}): Promise<string> {
  const helm = await buildHelm();
  const dir = await mkdtemp(join(tmpdir(), 'mesitis-helm-'));
  const argv = args(dir);
  try {
    const { stdout } = await execFileAsync(helm, argv, {
      env: { ...process.env, HELM_CACHE_HOME: join(dir, 'cache'), HELM_CONFIG_HOME: join(dir, 'config'), HELM_DATA_HOME: join(dir, 'data'), ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`helm ${argv.join(' ')} failed: ${stderr.trim() || (err as Error).message}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `helm template` as text: what `helm template` prints, documents separated by `---`. */
export async function helmTemplateText(chartDir: string, options: HelmTemplateOptions): Promise<string> {
  return runTestHelm((dir) => {
    const valuesFile = join(dir, 'values.json'); // JSON is YAML: helm reads it with -f
    writeFileSync(valuesFile, JSON.stringify(options.values ?? {}));
    return ['template', options.releaseName ?? 'mesitis', chartDir, '--namespace', options.namespace, '--kube-version', KUBE_VERSION, '-f', valuesFile];
  });
}

/** The chart directory as `helm package` packs it: the bytes a provider puts into a ConfigMap's binaryData. */
export async function packageChart(chartDir: string): Promise<Uint8Array> {
  const out = await mkdtemp(join(tmpdir(), 'mesitis-chart-'));
  try {
    await runTestHelm(() => ['package', chartDir, '--destination', out]);
    const [archive] = (await readdir(out)).filter((name) => name.endsWith('.tgz'));
    if (archive === undefined) throw new Error(`helm package wrote no .tgz for ${chartDir}`);
    return new Uint8Array(await readFile(join(out, archive)));
  } finally {
    await rm(out, { recursive: true, force: true });
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
