/**
 * helm invocations both adapters make: running a command with its failure
 * translated (and logged, translated only: stderr may echo values), and the
 * offline ones, `helm template` and `helm show chart`, which need no cluster.
 */
import type { Logger } from '../../application/ports/logger.js';
import { domainError, type DomainError } from '../../domain/errors.js';
import { chartSourceProblem, describeChart, releaseRefProblem, type ReleaseRef, type ReleaseSpec } from '../../domain/helm-release.js';
import type { KubeObject } from '../../domain/kube-object.js';
import { err, ok, type Result } from '../../domain/result.js';
import type { HelmCall, HelmCommand } from './helm-command.js';
import { translateHelmFailure, type HelmAction } from './helm-failures.js';
import { parseManifest } from './helm-manifests.js';

export const describeRelease = (ref: ReleaseRef): string => `release "${ref.namespace}/${ref.name}"`;

/** A release name or namespace helm would refuse, or that could pass for a flag: the provider's configuration is at fault. */
export function refProblem(ref: ReleaseRef): DomainError | undefined {
  const problem = releaseRefProblem(ref);
  return problem === undefined ? undefined : domainError('ConfigInvalid', problem);
}

export function specProblem(spec: ReleaseSpec): DomainError | undefined {
  const chart = chartSourceProblem(spec.chart);
  return refProblem(spec) ?? (chart === undefined ? undefined : domainError('ConfigInvalid', chart));
}

/** stdout of a helm command, or its failure as an error kind. NotFound is an answer, not worth a log line. */
export async function runHelm(helm: HelmCommand, logger: Logger, action: HelmAction, call: HelmCall): Promise<Result<string>> {
  const outcome = await helm.run(call);
  if (outcome.ok) return ok(outcome.stdout);
  const error = translateHelmFailure(outcome.failure, call.chart === undefined ? action : { ...action, chart: describeChart(call.chart) });
  if (error.kind !== 'NotFound') logger.warn('helm command failed', { command: call.command.join(' '), kind: error.kind, reason: error.message, exitCode: outcome.failure.exitCode });
  return err(error);
}

/** `helm template`: the chart's objects, hooks included, in Helm's install order. */
export async function renderChart(helm: HelmCommand, logger: Logger, spec: ReleaseSpec, timeoutMs: number): Promise<Result<KubeObject[]>> {
  const answer = await runHelm(helm, logger, { verb: 'render', what: describeRelease(spec) }, {
    command: ['template'], namespace: spec.namespace, release: spec.name, chart: spec.chart, values: spec.values, cluster: false, timeoutMs,
  });
  return answer.ok ? parseManifest(answer.value, spec.namespace) : answer;
}

/** `<name>-<version>` from the chart's Chart.yaml (`helm show chart`), as `helm list` names a release's chart. */
export async function chartLabel(helm: HelmCommand, logger: Logger, spec: ReleaseSpec, timeoutMs: number): Promise<Result<string>> {
  const answer = await runHelm(helm, logger, { verb: 'read the chart of', what: describeRelease(spec) }, { command: ['show', 'chart'], chart: spec.chart, cluster: false, timeoutMs });
  if (!answer.ok) return answer;
  const name = /^name:\s*["']?([-\w.]+)["']?\s*$/m.exec(answer.value)?.[1];
  const version = /^version:\s*["']?([-+\w.]+)["']?\s*$/m.exec(answer.value)?.[1];
  return name !== undefined && version !== undefined ? ok(`${name}-${version}`) : err(domainError('ConfigInvalid', `the chart of ${describeRelease(spec)} has no name or version in its Chart.yaml`));
}
