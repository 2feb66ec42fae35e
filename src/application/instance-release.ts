/**
 * An instance's Helm release, the helm side of InstanceObjects: installed,
 * upgraded, rolled back and uninstalled through the HelmReleases port, its
 * objects read back with their uids so that readiness, removal and
 * ownership work on them as on any dedicated instance's objects.
 *
 * Helm owns the release's objects: it creates and deletes them, and a
 * failed install or upgrade is undone by the adapter. The broker records
 * the uids it reads after each change, deletes nothing of a release by
 * name, and waits for readiness with its own rules (no `helm --wait`).
 */
import { domainError, type DomainError } from '../domain/errors.js';
import type { ReleaseRef, ReleaseSpec, ReleaseStatus } from '../domain/helm-release.js';
import { describeRef, ownedRefOf, type ObjectRef } from '../domain/kube-object.js';
import type { ReleaseRecord } from '../domain/records.js';
import { err, ok, type Result } from '../domain/result.js';
import type { ClusterApi } from './ports/cluster-api.js';
import type { HelmReleases } from './ports/helm-releases.js';
import type { Logger } from './ports/logger.js';

export interface MadeRelease {
  /** The release's objects, in Helm's install order, with their uids. */
  readonly objects: ObjectRef[];
  readonly release: ReleaseRecord;
}

const describe = (ref: ReleaseRef): string => `release ${ref.namespace}/${ref.name}`;

/**
 * helm answers success when it has made the objects but could not record
 * the release as deployed (its storage refused the write: no right to
 * update Secrets there). Such a release is neither served nor removable by
 * helm's next call, so it is a failure, said so.
 */
function notDeployed(ref: ReleaseRef, status: ReleaseStatus): DomainError | undefined {
  if (status.state === 'deployed') return undefined;
  return domainError('Infrastructure', `${describe(ref)} was not recorded as deployed (it is ${status.state}): may the broker update Secrets in ${ref.namespace}? (the chart's helmReleases)`);
}

export class InstanceRelease {
  constructor(
    private readonly releases: HelmReleases | undefined,
    private readonly cluster: ClusterApi,
    private readonly logger: Logger,
  ) {}

  /**
   * Installs (idempotent: a deployed release is kept, the remains of an
   * interrupted one replaced). On failure `rolledBack` says whether the
   * release is gone again (the adapter uninstalls a failed install).
   */
  async install(spec: ReleaseSpec): Promise<Result<MadeRelease, DomainError & { readonly rolledBack: boolean }>> {
    const helm = this.helm();
    if (!helm.ok) return err({ ...helm.error, rolledBack: true });
    const installed = await helm.value.install(spec);
    const failure = installed.ok ? notDeployed(spec, installed.value) : installed.error;
    if (!installed.ok || failure !== undefined) {
      // helm reports success when it made the objects but could not record the release: undo that too.
      if (installed.ok) await helm.value.uninstall(spec);
      const left = await helm.value.status(spec);
      return err({ ...failure!, rolledBack: left.ok && left.value.state === 'absent' });
    }
    const made = await this.made(helm.value, spec, installed.value);
    return made.ok ? made : err({ ...made.error, rolledBack: false });
  }

  /** Upgrades to the spec; a failed upgrade is rolled back by the adapter and its error returned. */
  async upgrade(spec: ReleaseSpec): Promise<Result<MadeRelease>> {
    const helm = this.helm();
    if (!helm.ok) return helm;
    const upgraded = await helm.value.upgrade(spec);
    if (!upgraded.ok) return upgraded;
    const failure = notDeployed(spec, upgraded.value);
    return failure === undefined ? this.made(helm.value, spec, upgraded.value) : err(failure);
  }

  /** Makes `release.revision` serve again (a new revision with its content). */
  async rollback(release: ReleaseRecord): Promise<Result<MadeRelease>> {
    const helm = this.helm();
    if (!helm.ok) return helm;
    if (release.revision === undefined) return err(domainError('Infrastructure', `${describe(release)} has no recorded revision to roll back to`));
    const rolled = await helm.value.rollback(release, release.revision);
    if (!rolled.ok) return rolled;
    const failure = notDeployed(release, rolled.value);
    return failure === undefined ? this.made(helm.value, release, rolled.value, release.revision) : err(failure);
  }

  /**
   * The release serving `release.revision`'s content: its objects with uids.
   * As it is after the adapter undid a failed change; a change cut off (its
   * helm killed with the broker: the latest revision pending, or failed) is
   * rolled back first, so no release is left half changed and refusing the
   * next upgrade.
   */
  async current(release: ReleaseRecord): Promise<Result<MadeRelease>> {
    const helm = this.helm();
    if (!helm.ok) return helm;
    const status = await helm.value.status(release);
    if (!status.ok) return status;
    if (status.value.state !== 'deployed' && status.value.state !== 'absent') return this.rollback(release);
    return this.made(helm.value, release, status.value, release.revision);
  }

  /** Uninstalls; an absent release counts as done. Helm deletes the objects: the caller follows their uids until they are gone. */
  async uninstall(release: ReleaseRef): Promise<Result<void>> {
    const helm = this.helm();
    if (!helm.ok) return helm;
    const removed = await helm.value.uninstall(release);
    if (removed.ok && removed.value === 'uninstalled') this.logger.info('helm release uninstalled', { release: describe(release) });
    return removed.ok ? ok(undefined) : removed;
  }

  /** The objects of the release as it is now, with uids; `revision` the one to record (default: the latest). */
  private async made(helm: HelmReleases, ref: ReleaseRef, status: ReleaseStatus, revision?: number): Promise<Result<MadeRelease>> {
    if (status.state === 'absent') return err(domainError('Infrastructure', `${describe(ref)} is gone right after it was changed`));
    const refs = await helm.objects(ref);
    if (!refs.ok) return refs;
    const objects: ObjectRef[] = [];
    for (const object of refs.value) {
      const found = await this.cluster.get(object);
      if (!found.ok) return found;
      // Helm has accepted every object; one missing now was deleted meanwhile: readiness finds that out.
      if (found.value === undefined) this.logger.warn('an object of a helm release is missing', { release: describe(ref), object: describeRef(object) });
      objects.push(found.value === undefined ? object : ownedRefOf(found.value));
    }
    return ok({ objects, release: { namespace: ref.namespace, name: ref.name, revision: revision ?? status.deployedRevision ?? status.revision } });
  }

  private helm(): Result<HelmReleases> {
    return this.releases !== undefined ? ok(this.releases) : err(domainError('Infrastructure', 'Helm chart offerings need helm, which this broker was started without'));
  }
}
