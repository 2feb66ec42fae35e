/**
 * Runs the helm binary, one process per call, without a shell (execFile).
 * Everything a call needs on disk lives in a private temporary directory
 * (mode 0700) removed when the call ends, whatever happens: the kubeconfig,
 * the values and a packaged chart (each 0600), and helm's own cache, config
 * and data directories, so calls share nothing and leave nothing. Values
 * reach helm only as a file (`-f`): they may hold generated secrets, so they
 * are never on a command line, where any process may read them, and never
 * logged. helm gets a minimal environment, not the broker's (which holds
 * its credentials).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ChartSource } from '../../domain/helm-release.js';
import type { HelmFailure } from './helm-failures.js';
import { helmKubeconfig } from './helm-kubeconfig.js';

export interface HelmCommandOptions {
  /** The helm binary: a path, or a name looked up on PATH. */
  readonly binary: string;
  /** The identity helm acts with; commands that reach the cluster need it. */
  readonly kubeConfig?: KubeConfig;
  /** Where the private directories are made; default the OS temp dir (an emptyDir in the pod). */
  readonly workDir?: string;
}

export interface HelmCall {
  /** helm's command words: ['upgrade'], ['get', 'manifest']. */
  readonly command: readonly string[];
  readonly namespace?: string;
  readonly flags?: readonly string[];
  /** The release name, first positional argument. */
  readonly release?: string;
  /** The chart, second positional argument (with --repo / --version as its source needs). */
  readonly chart?: ChartSource;
  /** Further positional arguments (a revision number). */
  readonly positional?: readonly string[];
  /** Written to a file passed with -f. */
  readonly values?: Readonly<Record<string, unknown>>;
  /** Whether helm talks to the cluster (and so gets the kubeconfig). */
  readonly cluster: boolean;
  /** The deadline; helm's own --timeout (hooks) is set a little shorter where the command has one. */
  readonly timeoutMs: number;
}

export type HelmOutcome = { readonly ok: true; readonly stdout: string } | { readonly ok: false; readonly failure: HelmFailure };

/** Commands with a --timeout flag of their own. */
const TIMED = new Set(['install', 'upgrade', 'rollback', 'uninstall']);
/** Passed through to helm: the proxy and CA settings fetching a chart may need, and PATH for exec credential plugins. */
const PASSED_ENV = ['PATH', 'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy', 'SSL_CERT_FILE', 'SSL_CERT_DIR'];
const MAX_OUTPUT = 64 * 1024 * 1024;
/** Time helm gets between its own deadline and being killed, to record a failed release rather than leave it pending. */
const HELM_GRACE_MS = 5_000;

function chartArguments(chart: ChartSource, dir: string): { positional: string; flags: string[] } {
  switch (chart.kind) {
    case 'packaged':
      return { positional: join(dir, 'chart.tgz'), flags: [] };
    case 'repository':
      return { positional: chart.chart, flags: ['--repo', chart.url, '--version', chart.version] };
    case 'oci':
      return { positional: chart.reference, flags: chart.version !== undefined ? ['--version', chart.version] : [] };
  }
}

/** Working directories are named after the broker process, so that a later one can tell them apart. */
const WORK_DIR_PREFIX = 'mesitis-helm-';
const ownedBy = (name: string): number | undefined => {
  const pid = /^mesitis-helm-(\d+)-/.exec(name)?.[1];
  return pid === undefined ? undefined : Number(pid);
};

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class HelmCommand {
  private swept: Promise<void> | undefined;

  constructor(private readonly options: HelmCommandOptions) {}

  /** Never throws: a working directory that cannot be made or written (missing, read-only, full) is a failure like helm's own. */
  async run(call: HelmCall): Promise<HelmOutcome> {
    this.swept ??= this.sweepAbandoned();
    await this.swept;
    let dir: string | undefined;
    try {
      dir = await mkdtemp(join(this.workDir, `${WORK_DIR_PREFIX}${process.pid}-`));
      const prepared = await this.prepare(call, dir);
      if (!prepared.ok) return prepared;
      return await this.exec(prepared.args, dir, call.timeoutMs);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
      return { ok: false, failure: { timedOut: false, notRunnable: `helm's working directory in ${this.workDir} could not be prepared (${code})`, stderr: '' } };
    } finally {
      if (dir !== undefined) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  private get workDir(): string {
    return this.options.workDir ?? tmpdir();
  }

  /**
   * Removes the working directories of broker processes that are gone: a
   * broker killed during a helm call (kill -9, or SIGTERM mid-call) leaves
   * its directory, with a kubeconfig holding the broker's token and the
   * release's values, which may hold generated secrets. Directories of
   * live processes (another replica on the same node) are theirs.
   */
  private async sweepAbandoned(): Promise<void> {
    const names = await readdir(this.workDir).catch(() => [] as string[]);
    for (const name of names) {
      const pid = ownedBy(name);
      if (pid === undefined || pid === process.pid || isAlive(pid)) continue;
      await rm(join(this.workDir, name), { recursive: true, force: true }).catch(() => undefined);
    }
  }

  private async prepare(call: HelmCall, dir: string): Promise<{ ok: true; args: string[] } | { ok: false; failure: HelmFailure }> {
    const args = [...call.command, ...(call.namespace !== undefined ? ['--namespace', call.namespace] : []), ...(call.flags ?? [])];
    if (call.cluster) {
      const kubeconfig = this.options.kubeConfig === undefined ? undefined : helmKubeconfig(this.options.kubeConfig);
      if (kubeconfig === undefined || !kubeconfig.ok) {
        return { ok: false, failure: { timedOut: false, notRunnable: kubeconfig?.problem ?? 'no kubeconfig was given to reach the cluster with', stderr: '' } };
      }
      await writeFile(join(dir, 'kubeconfig'), kubeconfig.text, { mode: 0o600 });
      args.push('--kubeconfig', join(dir, 'kubeconfig'));
    }
    if (TIMED.has(call.command[0] ?? '')) args.push('--timeout', `${Math.max(1, Math.floor((call.timeoutMs - HELM_GRACE_MS) / 1000))}s`);
    if (call.values !== undefined) {
      await writeFile(join(dir, 'values.json'), JSON.stringify(call.values), { mode: 0o600 }); // JSON is YAML: -f reads it
      args.push('--values', join(dir, 'values.json'));
    }
    const positional: string[] = call.release !== undefined ? [call.release] : [];
    if (call.chart !== undefined) {
      if (call.chart.kind === 'packaged') await writeFile(join(dir, 'chart.tgz'), call.chart.archive, { mode: 0o600 });
      const chart = chartArguments(call.chart, dir);
      args.push(...chart.flags);
      positional.push(chart.positional);
    }
    positional.push(...(call.positional ?? []));
    // `--` ends the flags: no name or reference can ever be read as one.
    if (positional.length > 0) args.push('--', ...positional);
    return { ok: true, args };
  }

  private exec(args: readonly string[], dir: string, timeoutMs: number): Promise<HelmOutcome> {
    const env: Record<string, string> = {
      HOME: dir,
      HELM_CACHE_HOME: join(dir, 'cache'),
      HELM_CONFIG_HOME: join(dir, 'config'),
      HELM_DATA_HOME: join(dir, 'data'),
      HELM_DRIVER: 'secret',
      NO_COLOR: '1',
    };
    for (const name of PASSED_ENV) {
      const value = process.env[name];
      if (value !== undefined) env[name] = value;
    }
    return new Promise((resolve) => {
      execFile(this.options.binary, args, { cwd: dir, env, timeout: timeoutMs, maxBuffer: MAX_OUTPUT, encoding: 'utf8' }, (error, stdout, stderr) => {
        if (error === null) {
          resolve({ ok: true, stdout });
          return;
        }
        const { code, killed, signal } = error as { code?: string | number; killed?: boolean; signal?: string | null };
        if (code === 'ENOENT' || code === 'EACCES') {
          resolve({ ok: false, failure: { timedOut: false, notRunnable: `the helm binary "${this.options.binary}" could not be run (${code})`, stderr: '' } });
          return;
        }
        resolve({
          ok: false,
          failure: {
            // Killed by the deadline; not when killed for printing more than MAX_OUTPUT.
            timedOut: killed === true && typeof signal === 'string' && code !== 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER',
            ...(typeof code === 'number' ? { exitCode: code } : {}),
            ...(typeof signal === 'string' ? { signal } : {}),
            stderr,
          },
        });
      });
    });
  }
}
