/**
 * The `helm` binary for tests, built from its Go module (test/helm/go.mod)
 * once per machine into a cache directory outside the checkout, the way
 * test-cluster.ts builds kube-apiserver; and `helm template` on top of it.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { buildGoBinaryOnce, cachedGoBinaryPath, findOnPath, logToStderr, sourceHash, type GoBinarySpec } from './go-binary-cache.js';

/** The repository's chart. */
export const MESITIS_CHART_DIR = fileURLToPath(new URL('../../deploy/helm/mesitis/', import.meta.url));

/** go.mod and go.sum of the module whose `tool` directive names helm's main package. */
const HELM_SOURCE_DIR = fileURLToPath(new URL('../helm/', import.meta.url));
const HELM_PACKAGE = 'helm.sh/helm/v3/cmd/helm';
/** The Kubernetes version `helm template` assumes (.Capabilities.KubeVersion): the test apiserver's. */
const KUBE_VERSION = { major: '1', minor: '36' };

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
