/**
 * HelmReleases for use-case tests: a "chart" that makes a Deployment, a
 * Service and a Secret named after the release (like the fixture chart),
 * applied to the FakeCluster, with a release history and helm's promises
 * (a failed install leaves nothing, a failed upgrade leaves the previous
 * revision serving). The Secret is also put where FakeSecrets reads it.
 */
import type { HelmReleases } from '../../../src/application/ports/helm-releases.js';
import { domainError } from '../../../src/domain/errors.js';
import type { ReleaseRef, ReleaseSpec, ReleaseState, ReleaseStatus, ReleaseSummary } from '../../../src/domain/helm-release.js';
import { refOf, type KubeObject, type ObjectRef } from '../../../src/domain/kube-object.js';
import { err, ok, type Result } from '../../../src/domain/result.js';
import type { FakeCluster } from './fake-cluster.js';
import type { FakeSecrets } from './fakes.js';

interface Revision {
  readonly revision: number;
  state: ReleaseState;
  readonly values: Readonly<Record<string, unknown>>;
  readonly objects: readonly KubeObject[];
}

const key = (ref: ReleaseRef): string => `${ref.namespace}/${ref.name}`;

function render(spec: ReleaseRef & { values: Readonly<Record<string, unknown>> }): KubeObject[] {
  const { name, namespace, values } = spec;
  const labels = { 'app.kubernetes.io/managed-by': 'Helm', 'app.kubernetes.io/instance': name };
  const metadata = (objectName: string) => ({ name: objectName, namespace, labels });
  return [
    { apiVersion: 'v1', kind: 'Secret', metadata: metadata(`${name}-credentials`), stringData: { username: 'fixture', password: String(values['password'] ?? 'chart-made') } },
    { apiVersion: 'v1', kind: 'Service', metadata: metadata(name), spec: { ports: [{ port: 5432 }] } },
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: metadata(name),
      spec: { replicas: Number(values['replicas'] ?? 1), selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'db', image: String(values['image'] ?? 'db:1') }] } } },
    },
  ];
}

export class FakeHelmReleases implements HelmReleases {
  private readonly releases = new Map<string, Revision[]>();
  /** Every call, as "install ns/name", "upgrade ns/name", ... */
  readonly calls: string[] = [];
  /** The next install fails (after creating its first object, which it then removes), as a chart the API server refuses. */
  failNextInstall = false;
  /** The next upgrade fails; the previous revision keeps serving. */
  failNextUpgrade = false;
  /** Installs make the objects but leave the release pending-install, answering success: helm when its storage refuses the update. */
  storageRefusesUpdates = false;

  constructor(private readonly cluster: FakeCluster, private readonly secrets: FakeSecrets) {}

  async install(spec: ReleaseSpec): Promise<Result<ReleaseStatus>> {
    this.calls.push(`install ${key(spec)}`);
    const before = this.statusOf(spec);
    if (before.state === 'deployed') return ok(before);
    if (before.state !== 'absent') await this.uninstall(spec);
    const objects = render(spec);
    this.releases.set(key(spec), [{ revision: 1, state: 'pending-install', values: spec.values, objects }]);
    if (this.failNextInstall) {
      this.failNextInstall = false;
      await this.apply(objects.slice(0, 1));
      await this.uninstall(spec);
      return err(domainError('ConfigInvalid', `install ${key(spec)}: the API server refused an object of the chart`));
    }
    await this.apply(objects);
    if (!this.storageRefusesUpdates) this.releases.get(key(spec))![0]!.state = 'deployed';
    return ok(this.statusOf(spec));
  }

  async upgrade(spec: ReleaseSpec): Promise<Result<ReleaseStatus>> {
    this.calls.push(`upgrade ${key(spec)}`);
    const history = this.releases.get(key(spec));
    if (history === undefined) return err(domainError('NotFound', `release ${key(spec)} not found`));
    if (this.failNextUpgrade) {
      this.failNextUpgrade = false;
      history.push({ revision: history.length + 1, state: 'failed', values: spec.values, objects: render(spec) });
      return err(domainError('ConfigInvalid', `upgrade ${key(spec)}: the API server refused an object of the chart`));
    }
    return this.settle(history, spec.values);
  }

  async rollback(ref: ReleaseRef, revision: number): Promise<Result<ReleaseStatus>> {
    this.calls.push(`rollback ${key(ref)} ${revision}`);
    const history = this.releases.get(key(ref));
    const target = history?.find((r) => r.revision === revision);
    if (history === undefined || target === undefined) return err(domainError('NotFound', `release ${key(ref)} revision ${revision} not found`));
    return this.settle(history, target.values);
  }

  async uninstall(ref: ReleaseRef): Promise<Result<'uninstalled' | 'absent'>> {
    this.calls.push(`uninstall ${key(ref)}`);
    const history = this.releases.get(key(ref));
    if (history === undefined) return ok('absent');
    for (const object of [...history.at(-1)!.objects].reverse()) {
      await this.cluster.delete(refOf(object));
      if (object.kind === 'Secret') this.secrets.secrets.delete(`${ref.namespace}/${object.metadata.name}`);
    }
    this.releases.delete(key(ref));
    return ok('uninstalled');
  }

  async status(ref: ReleaseRef): Promise<Result<ReleaseStatus>> {
    return ok(this.statusOf(ref));
  }

  async objects(ref: ReleaseRef): Promise<Result<ObjectRef[]>> {
    const latest = this.releases.get(key(ref))?.filter((r) => r.state === 'deployed').at(-1);
    return ok((latest?.objects ?? []).map(refOf));
  }

  async list(namespace: string): Promise<Result<ReleaseSummary[]>> {
    return ok([...this.releases.entries()]
      .filter(([k]) => k.startsWith(`${namespace}/`))
      .map(([k, history]) => ({ namespace, name: k.slice(namespace.length + 1), revision: history.at(-1)!.revision, state: history.at(-1)!.state, chart: 'fixture-db-0.1.0' })));
  }

  async render(spec: ReleaseSpec): Promise<Result<KubeObject[]>> {
    return ok(render(spec));
  }

  /** What a helm killed mid-upgrade leaves: the target's objects applied, its revision pending-upgrade, the previous one still deployed. */
  async cutOffUpgrade(ref: ReleaseRef, values: Readonly<Record<string, unknown>>): Promise<void> {
    const history = this.releases.get(key(ref))!;
    const objects = render({ ...ref, values });
    await this.apply(objects);
    history.push({ revision: history.at(-1)!.revision + 1, state: 'pending-upgrade', values, objects });
  }

  /** The values the serving revision was made with. */
  servingValues(ref: ReleaseRef): Readonly<Record<string, unknown>> | undefined {
    return this.releases.get(key(ref))?.filter((r) => r.state === 'deployed').at(-1)?.values;
  }

  private async settle(history: Revision[], values: Readonly<Record<string, unknown>>): Promise<Result<ReleaseStatus>> {
    const latest = history.at(-1)!;
    const objects = render({ namespace: latest.objects[0]!.metadata.namespace!, name: latest.objects[1]!.metadata.name, values });
    await this.apply(objects);
    for (const revision of history) if (revision.state === 'deployed') revision.state = 'superseded';
    history.push({ revision: latest.revision + 1, state: 'deployed', values, objects });
    const [ref] = objects;
    return ok(this.statusOf({ namespace: ref!.metadata.namespace!, name: objects[1]!.metadata.name }));
  }

  private async apply(objects: readonly KubeObject[]): Promise<void> {
    for (const object of objects) {
      await this.cluster.apply(object);
      if (object.kind === 'Secret') this.secrets.secrets.set(`${object.metadata.namespace}/${object.metadata.name}`, { ...(object['stringData'] as Record<string, string>) });
    }
  }

  private statusOf(ref: ReleaseRef): ReleaseStatus {
    const history = this.releases.get(key(ref));
    const latest = history?.at(-1);
    if (history === undefined || latest === undefined) return { state: 'absent' };
    const deployed = history.filter((r) => r.state === 'deployed').at(-1);
    return { state: latest.state, revision: latest.revision, ...(deployed ? { deployedRevision: deployed.revision } : {}), chart: 'fixture-db-0.1.0' };
  }
}
