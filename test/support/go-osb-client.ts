/**
 * The Go OSB client program of test/osb-client (go-open-service-broker-client,
 * the client Kubernetes Service Catalog was built on), built once per machine
 * into the cache the test cluster and helm use, and run against a broker.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildGoBinaryOnce, cachedGoBinaryPath, findOnPath, logToStderr, sourceHash, type GoBinarySpec } from './go-binary-cache.js';

const SOURCE_DIR = fileURLToPath(new URL('../osb-client/', import.meta.url));
const BUILD_ARGS = ['build', '-v', '-mod=readonly', '-buildvcs=false', '-trimpath'];

/** Cached under <cache root>/osb-client/<hash of go.mod, go.sum, the .go files and the build arguments>/osb-client. */
const OSB_CLIENT_BINARY: GoBinarySpec = {
  moduleDir: SOURCE_DIR,
  name: 'osb-client',
  cacheSubdir: 'osb-client',
  hash: () => sourceHash(SOURCE_DIR, (name) => name === 'go.mod' || name === 'go.sum' || name.endsWith('.go'), JSON.stringify(BUILD_ARGS)),
  buildArgs: () => BUILD_ARGS,
  target: '.',
  label: 'the Go OSB client program',
  expectedDuration: 'about a minute',
  prerequisite: () => goOsbClientPrerequisite(),
};

/** Undefined when the program can be had here (built for the current sources, or `go` on PATH); otherwise what is missing. */
export function goOsbClientPrerequisite(): string | undefined {
  if (existsSync(cachedGoBinaryPath(OSB_CLIENT_BINARY))) return undefined;
  if (findOnPath('go') !== undefined) return undefined;
  return `building the Go OSB client program needs the Go toolchain (\`go\`, 1.26 or newer) on PATH (not found in PATH=${process.env['PATH'] ?? ''})`;
}

/** Builds the program once per machine (per source hash) and returns its path; reuses it when present. */
export function buildGoOsbClient(log: (line: string) => void = logToStderr, options: { verbose?: boolean } = {}): Promise<string> {
  return buildGoBinaryOnce(OSB_CLIENT_BINARY, log, options.verbose ?? false);
}

export interface GoOsbClientRun {
  /** Exit code: 0 every check passed, 1 some failed, 2 usage or setup error. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly checks: readonly { readonly passed: boolean; readonly name: string; readonly detail: string }[];
}

/** Runs the whole lifecycle against brokerUrl (through /v2 and /namespaces/<namespace>/v2). */
export async function runGoOsbClient(brokerUrl: string, namespace = 'client-ns'): Promise<GoOsbClientRun> {
  const binary = await buildGoOsbClient();
  return new Promise((resolve) => {
    execFile(binary, ['-broker', brokerUrl, '-namespace', namespace], { timeout: 300_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 2) : 0;
      const checks = [...stdout.matchAll(/^(PASS|FAIL) (.*?): (.*)$/gm)].map((m) => ({ passed: m[1] === 'PASS', name: m[2]!, detail: m[3]! }));
      resolve({ code, stdout, stderr, checks });
    });
  });
}
