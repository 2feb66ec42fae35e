/**
 * HelmReleases through the helm CLI (helm 4), one process per call (see
 * helm-command.ts for how it runs). Releases are stored the way helm stores
 * them, as Secrets in the release namespace, so `helm list` there shows what
 * the broker installed.
 *
 * helm's --rollback-on-failure (formerly --atomic) is not used: it forces
 * `--wait`, and waiting is the caller's job (see the port). The adapter
 * does the same itself: a failed install is uninstalled, a failed upgrade
 * rolled back to the revision that served before it.
 */
import * as t from 'io-ts';
import type { HelmReleases } from '../../application/ports/helm-releases.js';
import type { Logger } from '../../application/ports/logger.js';
import { domainError, type DomainError } from '../../domain/errors.js';
import {
  isPending,
  releaseStateOf,
  type ReleaseRef,
  type ReleaseSpec,
  type ReleaseStatus,
  type ReleaseSummary,
} from '../../domain/helm-release.js';
import type { KubeObject, ObjectRef } from '../../domain/kube-object.js';
import { isDnsLabel } from '../../domain/kubernetes-names.js';
import { err, ok, type Result } from '../../domain/result.js';
import { describeRelease, refProblem, renderChart, runHelm, specProblem } from './helm-calls.js';
import { HelmCommand, type HelmCall, type HelmCommandOptions } from './helm-command.js';
import type { HelmAction } from './helm-failures.js';
import { parseManifest, refsOf } from './helm-manifests.js';

export interface CliHelmReleasesOptions extends HelmCommandOptions {
  /** Deadline of install, upgrade, rollback and uninstall (hooks included); default 5 minutes. */
  readonly changeTimeoutMs?: number;
  /** Deadline of reads (status, list, manifest) and of rendering; default 1 minute. */
  readonly readTimeoutMs?: number;
}

const History = t.array(t.type({ revision: t.number, status: t.string, chart: t.string }));
const Listed = t.array(t.type({ name: t.string, namespace: t.string, revision: t.union([t.string, t.number]), status: t.string, chart: t.string }));

export class CliHelmReleases implements HelmReleases {
  private readonly helm: HelmCommand;
  private readonly changeTimeoutMs: number;
  private readonly readTimeoutMs: number;

  constructor(options: CliHelmReleasesOptions, private readonly logger: Logger) {
    this.helm = new HelmCommand(options);
    this.changeTimeoutMs = options.changeTimeoutMs ?? 300_000;
    this.readTimeoutMs = options.readTimeoutMs ?? 60_000;
  }

  async install(spec: ReleaseSpec): Promise<Result<ReleaseStatus>> {
    const problem = specProblem(spec);
    if (problem !== undefined) return err(problem);
    const before = await this.status(spec);
    if (!before.ok) return before;
    if (before.value.state !== 'absent') {
      if (before.value.deployedRevision !== undefined && before.value.state !== 'uninstalling') return before;
      // Never deployed (the remains of an install that failed or was cut off), or half uninstalled: finish removing it.
      const cleared = await this.uninstall(spec);
      if (!cleared.ok) return cleared;
    }
    const installed = await this.change('install', spec, { command: ['install'], chart: spec.chart, values: spec.values });
    if (!installed.ok) {
      const cleaned = await this.uninstall(spec);
      if (!cleaned.ok) this.logger.warn('helm: a failed install could not be cleaned up', { release: describeRelease(spec), kind: cleaned.error.kind, reason: cleaned.error.message });
      return installed;
    }
    return this.status(spec);
  }

  async upgrade(spec: ReleaseSpec): Promise<Result<ReleaseStatus>> {
    const problem = specProblem(spec);
    if (problem !== undefined) return err(problem);
    const before = await this.status(spec);
    if (!before.ok) return before;
    if (before.value.state === 'absent') return err(domainError('NotFound', `${describeRelease(spec)} not found`));
    const serving = before.value.deployedRevision;
    if (isPending(before.value.state) && serving !== undefined) {
      const recovered = await this.rollback(spec, serving);
      if (!recovered.ok) return recovered;
    }
    // --reset-values: exactly these values, even when empty (helm would otherwise reuse the previous ones).
    const upgraded = await this.change('upgrade', spec, { command: ['upgrade'], flags: ['--reset-values'], chart: spec.chart, values: spec.values });
    if (!upgraded.ok) {
      if (serving !== undefined) {
        const restored = await this.rollback(spec, serving);
        if (!restored.ok) this.logger.error('helm: a failed upgrade could not be rolled back', { release: describeRelease(spec), kind: restored.error.kind, reason: restored.error.message });
      }
      return upgraded;
    }
    return this.status(spec);
  }

  async rollback(ref: ReleaseRef, revision: number): Promise<Result<ReleaseStatus>> {
    const problem = refProblem(ref);
    if (problem !== undefined) return err(problem);
    if (!Number.isInteger(revision) || revision < 1) return err(domainError('InvalidRequest', `revision ${revision} is not a revision number`));
    const rolled = await this.change('rollback', ref, { command: ['rollback'], positional: [String(revision)] });
    return rolled.ok ? this.status(ref) : rolled;
  }

  async uninstall(ref: ReleaseRef): Promise<Result<'uninstalled' | 'absent'>> {
    const current = await this.status(ref);
    if (!current.ok) return current;
    if (current.value.state === 'absent') return ok('absent');
    // --ignore-not-found: another replica finishing the same uninstall meanwhile is no failure.
    const removed = await this.change('uninstall', ref, { command: ['uninstall'], flags: ['--ignore-not-found'] });
    return removed.ok ? ok('uninstalled') : removed;
  }

  async status(ref: ReleaseRef): Promise<Result<ReleaseStatus>> {
    const problem = refProblem(ref);
    if (problem !== undefined) return err(problem);
    const answer = await this.read('read', ref, { command: ['history'], flags: ['--output', 'json', '--max', '256'] });
    if (!answer.ok) return answer.error.kind === 'NotFound' ? ok({ state: 'absent' }) : answer;
    const decoded = History.decode(parseJson(answer.value));
    if (decoded._tag === 'Left' || decoded.right.length === 0) return err(this.unreadable('history', ref));
    const revisions = [...decoded.right].sort((a, b) => a.revision - b.revision);
    const latest = revisions[revisions.length - 1]!;
    const deployed = revisions.filter((r) => r.status === 'deployed').at(-1);
    return ok({
      state: releaseStateOf(latest.status),
      revision: latest.revision,
      ...(deployed !== undefined ? { deployedRevision: deployed.revision } : {}),
      chart: latest.chart,
    });
  }

  async objects(ref: ReleaseRef): Promise<Result<ObjectRef[]>> {
    const problem = refProblem(ref);
    if (problem !== undefined) return err(problem);
    const answer = await this.read('read the objects of', ref, { command: ['get', 'manifest'] });
    if (!answer.ok) return answer.error.kind === 'NotFound' ? ok([]) : answer;
    const objects = parseManifest(answer.value, ref.namespace);
    return objects.ok ? ok(refsOf(objects.value)) : objects;
  }

  async list(namespace: string): Promise<Result<ReleaseSummary[]>> {
    if (!isDnsLabel(namespace)) return err(domainError('ConfigInvalid', `namespace "${namespace}" is not a valid namespace name`));
    const answer = await this.run({ verb: 'list', what: `the releases in namespace "${namespace}"` }, {
      command: ['list'], namespace, flags: ['--output', 'json', '--max', '0'], cluster: true, timeoutMs: this.readTimeoutMs,
    });
    if (!answer.ok) return answer;
    const decoded = Listed.decode(parseJson(answer.value));
    if (decoded._tag === 'Left') return err(domainError('Infrastructure', `helm's list of the releases in namespace "${namespace}" could not be read`));
    return ok(decoded.right.map((r) => ({ namespace: r.namespace, name: r.name, revision: Number(r.revision), state: releaseStateOf(r.status), chart: r.chart })));
  }

  async render(spec: ReleaseSpec): Promise<Result<KubeObject[]>> {
    const problem = specProblem(spec);
    if (problem !== undefined) return err(problem);
    return renderChart(this.helm, this.logger, spec, this.readTimeoutMs);
  }

  /** A command that changes the release. */
  private change(verb: string, ref: ReleaseRef, call: Pick<HelmCall, 'command' | 'flags' | 'chart' | 'values' | 'positional'>): Promise<Result<string>> {
    return this.run({ verb, what: describeRelease(ref) }, { ...call, namespace: ref.namespace, release: ref.name, cluster: true, timeoutMs: this.changeTimeoutMs });
  }

  private read(verb: string, ref: ReleaseRef, call: Pick<HelmCall, 'command' | 'flags'>): Promise<Result<string>> {
    return this.run({ verb, what: describeRelease(ref) }, { ...call, namespace: ref.namespace, release: ref.name, cluster: true, timeoutMs: this.readTimeoutMs });
  }

  private run(action: HelmAction, call: HelmCall): Promise<Result<string>> {
    return runHelm(this.helm, this.logger, action, call);
  }

  private unreadable(what: string, ref: ReleaseRef): DomainError {
    return domainError('Infrastructure', `helm's ${what} of ${describeRelease(ref)} could not be read`);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
