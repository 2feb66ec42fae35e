/**
 * HelmReleases for dev mode: the chart rendered by the real helm binary
 * (`helm template`, offline) and its objects applied through a ClusterApi
 * (the fake cluster's), with the release history kept in this process.
 * Without a helm binary every call that renders fails with a clear error.
 *
 * What it does as helm does: install order, ownership annotations (an object
 * of another owner is ObjectsExist, before anything changes), a failed
 * install removed, a failed upgrade rolled back to the revision that served,
 * objects dropped from the chart deleted on upgrade, revision numbering and
 * states, uninstall in reverse order.
 *
 * Where it differs, and why:
 * - `lookup` finds nothing: `helm template` has no cluster to look in, and
 *   the fake cluster is no API server helm could reach. A chart that keeps
 *   a generated password with `lookup` generates a new one on each upgrade.
 * - Hooks (objects annotated `helm.sh/hook`) are not applied: the fake
 *   cluster runs no Jobs, so no hook could ever complete.
 * - The history lives in memory, not in Secrets: the fake cluster shows no
 *   `sh.helm.release.v1.*` Secrets, and a restart forgets the releases (as
 *   it forgets the fake cluster itself).
 */
import type { ClusterApi } from '../../application/ports/cluster-api.js';
import type { HelmReleases } from '../../application/ports/helm-releases.js';
import type { Logger } from '../../application/ports/logger.js';
import { domainError } from '../../domain/errors.js';
import { isPending, type ReleaseRef, type ReleaseSpec, type ReleaseState, type ReleaseStatus, type ReleaseSummary } from '../../domain/helm-release.js';
import { describeRef, refOf, sameRef, type KubeObject, type ObjectRef } from '../../domain/kube-object.js';
import { err, ok, type Result } from '../../domain/result.js';
import { chartLabel, describeRelease, refProblem, renderChart, specProblem } from './helm-calls.js';
import type { HelmCommand } from './helm-command.js';
import { isHook } from './helm-manifests.js';

interface Revision {
  readonly revision: number;
  state: ReleaseState;
  readonly chart: string;
  readonly objects: readonly KubeObject[];
}

const RENDER_TIMEOUT_MS = 60_000;
const key = (ref: ReleaseRef): string => `${ref.namespace}/${ref.name}`;

/** The marks helm puts on every object of a release, and checks before taking an object over. */
function owned(object: KubeObject, ref: ReleaseRef): KubeObject {
  const { metadata } = object;
  return {
    ...object,
    metadata: {
      ...metadata,
      labels: { ...metadata.labels, 'app.kubernetes.io/managed-by': 'Helm' },
      annotations: { ...metadata.annotations, 'meta.helm.sh/release-name': ref.name, 'meta.helm.sh/release-namespace': ref.namespace },
    },
  };
}

const isOwnedBy = (object: KubeObject, ref: ReleaseRef): boolean =>
  object.metadata.annotations?.['meta.helm.sh/release-name'] === ref.name && object.metadata.annotations['meta.helm.sh/release-namespace'] === ref.namespace;

export class MemoryHelmReleases implements HelmReleases {
  private readonly releases = new Map<string, Revision[]>();

  constructor(private readonly cluster: ClusterApi, private readonly helm: HelmCommand, private readonly logger: Logger) {}

  async install(spec: ReleaseSpec): Promise<Result<ReleaseStatus>> {
    const problem = specProblem(spec);
    if (problem !== undefined) return err(problem);
    const before = this.statusOf(spec);
    if (before.state !== 'absent') {
      if (before.deployedRevision !== undefined && before.state !== 'uninstalling') return ok(before);
      await this.uninstall(spec);
    }
    const rendered = await this.render(spec);
    if (!rendered.ok) return rendered;
    const label = await chartLabel(this.helm, this.logger, spec, RENDER_TIMEOUT_MS);
    if (!label.ok) return label;
    const objects = rendered.value.filter((o) => !isHook(o)).map((o) => owned(o, spec));
    const conflict = await this.conflict(spec, 'install', objects);
    if (!conflict.ok) return conflict;
    const revision: Revision = { revision: 1, state: 'pending-install', chart: label.value, objects };
    this.releases.set(key(spec), [revision]);
    const applied = await this.applyAll(spec, 'install', objects);
    if (!applied.ok) {
      await this.uninstall(spec);
      return applied;
    }
    revision.state = 'deployed';
    return ok(this.statusOf(spec));
  }

  async upgrade(spec: ReleaseSpec): Promise<Result<ReleaseStatus>> {
    const problem = specProblem(spec);
    if (problem !== undefined) return err(problem);
    const before = this.statusOf(spec);
    if (before.state === 'absent') return err(domainError('NotFound', `${describeRelease(spec)} not found`));
    const serving = before.deployedRevision;
    if (isPending(before.state) && serving !== undefined) {
      const recovered = await this.rollback(spec, serving);
      if (!recovered.ok) return recovered;
    }
    const rendered = await this.render(spec);
    if (!rendered.ok) return rendered;
    const label = await chartLabel(this.helm, this.logger, spec, RENDER_TIMEOUT_MS);
    if (!label.ok) return label;
    const objects = rendered.value.filter((o) => !isHook(o)).map((o) => owned(o, spec));
    const conflict = await this.conflict(spec, 'upgrade', objects);
    if (!conflict.ok) return conflict;
    const history = this.releases.get(key(spec))!;
    const previous = history[history.length - 1]!;
    const next: Revision = { revision: previous.revision + 1, state: 'pending-upgrade', chart: label.value, objects };
    history.push(next);
    const applied = await this.applyAll(spec, 'upgrade', objects);
    if (!applied.ok) {
      next.state = 'failed';
      if (serving !== undefined) await this.rollback(spec, serving);
      return applied;
    }
    await this.deleteDropped(previous.objects, objects);
    this.settle(history, next);
    return ok(this.statusOf(spec));
  }

  async rollback(ref: ReleaseRef, revision: number): Promise<Result<ReleaseStatus>> {
    const problem = refProblem(ref);
    if (problem !== undefined) return err(problem);
    const history = this.releases.get(key(ref));
    if (history === undefined) return err(domainError('NotFound', `${describeRelease(ref)} not found`));
    const target = history.find((r) => r.revision === revision);
    if (target === undefined) return err(domainError('InvalidRequest', `${describeRelease(ref)} has no revision ${revision}`));
    const latest = history[history.length - 1]!;
    const next: Revision = { revision: latest.revision + 1, state: 'pending-rollback', chart: target.chart, objects: target.objects };
    history.push(next);
    const applied = await this.applyAll(ref, 'rollback', target.objects);
    if (!applied.ok) {
      next.state = 'failed';
      return applied;
    }
    await this.deleteDropped(latest.objects, target.objects);
    this.settle(history, next);
    return ok(this.statusOf(ref));
  }

  async uninstall(ref: ReleaseRef): Promise<Result<'uninstalled' | 'absent'>> {
    const problem = refProblem(ref);
    if (problem !== undefined) return err(problem);
    const history = this.releases.get(key(ref));
    if (history === undefined) return ok('absent');
    const latest = history[history.length - 1]!;
    latest.state = 'uninstalling';
    for (const object of [...latest.objects].reverse()) {
      const deleted = await this.cluster.delete(refOf(object));
      if (!deleted.ok) return err(domainError(deleted.error.kind, `uninstall ${describeRelease(ref)}: ${deleted.error.message}`));
    }
    this.releases.delete(key(ref));
    return ok('uninstalled');
  }

  async status(ref: ReleaseRef): Promise<Result<ReleaseStatus>> {
    const problem = refProblem(ref);
    return problem !== undefined ? err(problem) : ok(this.statusOf(ref));
  }

  async objects(ref: ReleaseRef): Promise<Result<ObjectRef[]>> {
    const problem = refProblem(ref);
    if (problem !== undefined) return err(problem);
    return ok((this.releases.get(key(ref))?.at(-1)?.objects ?? []).map(refOf));
  }

  async list(namespace: string): Promise<Result<ReleaseSummary[]>> {
    return ok(
      [...this.releases.entries()]
        .map(([k, history]) => ({ ref: { namespace: k.slice(0, k.indexOf('/')), name: k.slice(k.indexOf('/') + 1) }, latest: history[history.length - 1]! }))
        .filter(({ ref }) => ref.namespace === namespace)
        .sort((a, b) => (a.ref.name < b.ref.name ? -1 : 1))
        .map(({ ref, latest }) => ({ ...ref, revision: latest.revision, state: latest.state, chart: latest.chart })),
    );
  }

  render(spec: ReleaseSpec): Promise<Result<KubeObject[]>> {
    const problem = specProblem(spec);
    return problem !== undefined ? Promise.resolve(err(problem)) : renderChart(this.helm, this.logger, spec, RENDER_TIMEOUT_MS);
  }

  private statusOf(ref: ReleaseRef): ReleaseStatus {
    const history = this.releases.get(key(ref));
    const latest = history?.at(-1);
    if (history === undefined || latest === undefined) return { state: 'absent' };
    const deployed = history.filter((r) => r.state === 'deployed').at(-1);
    return { state: latest.state, revision: latest.revision, ...(deployed !== undefined ? { deployedRevision: deployed.revision } : {}), chart: latest.chart };
  }

  /** The new revision serves; the one that served before is superseded. */
  private settle(history: Revision[], serving: Revision): void {
    for (const revision of history) if (revision.state === 'deployed') revision.state = 'superseded';
    serving.state = 'deployed';
  }

  /** ObjectsExist when an object of the chart exists without this release's marks: helm takes nothing over. */
  private async conflict(ref: ReleaseRef, verb: string, objects: readonly KubeObject[]): Promise<Result<void>> {
    for (const object of objects) {
      const found = await this.cluster.get(refOf(object));
      if (!found.ok) return found;
      if (found.value !== undefined && !isOwnedBy(found.value, ref)) {
        return err(domainError('ObjectsExist', `${verb} ${describeRelease(ref)}: ${describeRef(refOf(object))} already exists and belongs to no release of this name`));
      }
    }
    return ok(undefined);
  }

  /** Applies in order and stops at the first refusal, as helm does. */
  private async applyAll(ref: ReleaseRef, verb: string, objects: readonly KubeObject[]): Promise<Result<void>> {
    for (const object of objects) {
      const applied = await this.cluster.apply(object);
      if (!applied.ok) return err(domainError(applied.error.kind, `${verb} ${describeRelease(ref)}: ${applied.error.message}`));
    }
    return ok(undefined);
  }

  private async deleteDropped(before: readonly KubeObject[], after: readonly KubeObject[]): Promise<void> {
    const kept = after.map(refOf);
    for (const object of [...before].reverse()) {
      const ref = refOf(object);
      if (kept.some((k) => sameRef(k, ref))) continue;
      const deleted = await this.cluster.delete(ref);
      if (!deleted.ok) this.logger.warn('helm (dev): an object dropped from the chart could not be deleted', { object: describeRef(ref), kind: deleted.error.kind });
    }
  }
}
