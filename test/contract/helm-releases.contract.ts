/**
 * The HelmReleases contract, run against every adapter: the helm CLI on the
 * test cluster and the dev-mode fake on the memory cluster. The chart is
 * test/fixtures/charts/fixture-db, packaged as a provider packages it.
 */
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { ClusterApi } from '../../src/application/ports/cluster-api.js';
import type { HelmReleases } from '../../src/application/ports/helm-releases.js';
import type { ChartSource, ReleaseSpec, ReleaseStatus } from '../../src/domain/helm-release.js';
import type { KubeObject, ObjectRef } from '../../src/domain/kube-object.js';
import type { Result } from '../../src/domain/result.js';
import { waitUntil } from '../support/real-cluster.js';

export const FIXTURE_CHART_DIR = fileURLToPath(new URL('../fixtures/charts/fixture-db/', import.meta.url));

export interface HelmReleasesSubject {
  readonly releases: HelmReleases;
  /** A namespace of its own for this test. */
  readonly namespace: string;
  /** The fixture chart. */
  readonly chart: ChartSource;
  /** The cluster the releases land in, to look at and to put foreign objects into. */
  readonly cluster: ClusterApi;
  /** Whether the chart's `lookup` sees the cluster: real helm does; the dev-mode fake renders offline (documented difference). */
  readonly lookupSeesCluster: boolean;
  cleanup(): Promise<void>;
}

function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`expected success, got ${result.error.kind}: ${result.error.message}`);
  return result.value;
}

const deployed = (status: ReleaseStatus): { revision: number; deployedRevision: number | undefined } => {
  expect(status.state).to.equal('deployed');
  if (status.state === 'absent') throw new Error('unreachable');
  return { revision: status.revision, deployedRevision: status.deployedRevision };
};

export function describeHelmReleases(name: string, makeSubject: () => Promise<HelmReleasesSubject>): void {
  describe(`HelmReleases contract: ${name}`, function () {
    this.timeout(120_000);
    let subject: HelmReleasesSubject;
    let releases: HelmReleases;
    let release: string;

    beforeEach(async function () {
      subject = await makeSubject();
      releases = subject.releases;
      release = `fx-${Math.random().toString(16).slice(2, 8)}`;
    });

    afterEach(async function () {
      await subject?.cleanup();
    });

    const spec = (values: Record<string, unknown> = {}): ReleaseSpec => ({ namespace: subject.namespace, name: release, chart: subject.chart, values });
    const ref = (kind: string, objectName: string): ObjectRef => ({
      apiVersion: kind === 'Deployment' ? 'apps/v1' : kind === 'Job' ? 'batch/v1' : 'v1', kind, namespace: subject.namespace, name: objectName,
    });
    const read = async (kind: string, objectName: string): Promise<KubeObject | undefined> => value(await subject.cluster.get(ref(kind, objectName)));
    const image = async (): Promise<string> => {
      const deployment = (await read('Deployment', release)) as { spec: { template: { spec: { containers: { image: string }[] } } } } | undefined;
      return deployment?.spec.template.spec.containers[0]?.image ?? '(no Deployment)';
    };
    const password = async (): Promise<string | undefined> => ((await read('Secret', `${release}-credentials`))?.['data'] as Record<string, string> | undefined)?.['password'];
    const status = async () => value(await releases.status({ namespace: subject.namespace, name: release }));
    const gone = (kind: string, objectName: string) =>
      waitUntil(`${kind} ${objectName} to be gone`, () => read(kind, objectName), (object) => object === undefined, { timeoutMs: 60_000, intervalMs: 200 });

    it('installs a release: deployed at revision 1, with its chart named and its objects in the cluster', async function () {
      const installed = value(await releases.install(spec()));
      expect(installed).to.deep.equal({ state: 'deployed', revision: 1, deployedRevision: 1, chart: 'fixture-db-0.1.0' });
      expect(await status()).to.deep.equal(installed);
      expect(await image()).to.equal('registry.example/fixture-db:1.0');
      expect(await password()).to.match(/^[A-Za-z0-9+/]{32}$/); // 24 random characters, base64
      expect((await read('Service', release))?.metadata.annotations?.['meta.helm.sh/release-name']).to.equal(release);
    });

    it('lists the objects the release made, with their kinds and names, in the release namespace', async function () {
      value(await releases.install(spec()));
      const objects = value(await releases.objects({ namespace: subject.namespace, name: release }));
      expect(objects.map((o) => `${o.apiVersion} ${o.kind} ${o.namespace}/${o.name}`)).to.deep.equal([
        `v1 Secret ${subject.namespace}/${release}-credentials`,
        `v1 Service ${subject.namespace}/${release}`,
        `apps/v1 Deployment ${subject.namespace}/${release}`,
      ]);
    });

    it('shows the release in the list of its namespace while it lives', async function () {
      const before = value(await releases.list(subject.namespace));
      expect(before.map((r) => r.name)).to.not.include(release);
      value(await releases.install(spec()));
      expect(value(await releases.list(subject.namespace))).to.deep.include({ namespace: subject.namespace, name: release, revision: 1, state: 'deployed', chart: 'fixture-db-0.1.0' });
      value(await releases.uninstall({ namespace: subject.namespace, name: release }));
      expect(value(await releases.list(subject.namespace)).map((r) => r.name)).to.not.include(release);
    });

    it('install is idempotent: a second install (even with other values) changes nothing', async function () {
      value(await releases.install(spec()));
      const generated = await password();
      expect(value(await releases.install(spec({ image: 'registry.example/fixture-db:9.9' })))).to.deep.include({ state: 'deployed', revision: 1 });
      expect(await image()).to.equal('registry.example/fixture-db:1.0');
      expect(await password()).to.equal(generated);
    });

    it('upgrade changes the Deployment image and adds a revision; values replace the previous ones', async function () {
      value(await releases.install(spec({ port: 6543 })));
      const upgraded = value(await releases.upgrade(spec({ image: 'registry.example/fixture-db:2.0' })));
      expect(upgraded).to.deep.equal({ state: 'deployed', revision: 2, deployedRevision: 2, chart: 'fixture-db-0.1.0' });
      expect(await image()).to.equal('registry.example/fixture-db:2.0');
      const service = (await read('Service', release)) as { spec: { ports: { port: number }[] } } | undefined;
      expect(service?.spec.ports[0]?.port, 'port back to the chart default').to.equal(5432);
    });

    it('keeps a password the chart generates (randAlphaNum, found again with lookup) across upgrades, where lookup sees the cluster', async function () {
      value(await releases.install(spec()));
      const generated = await password();
      value(await releases.upgrade(spec({ image: 'registry.example/fixture-db:2.0' })));
      if (subject.lookupSeesCluster) expect(await password()).to.equal(generated);
      else expect(await password(), 'the documented dev-mode difference: lookup finds nothing, so the password is generated again').to.not.equal(generated);
    });

    it('a failed upgrade (an object the API server refuses) is rolled back: the previous revision serves again', async function () {
      value(await releases.install(spec()));
      value(await releases.upgrade(spec({ image: 'registry.example/fixture-db:2.0' })));
      const failed = await releases.upgrade(spec({ image: 'registry.example/fixture-db:3.0', brokenJob: true }));
      expect(failed.ok).to.equal(false);
      if (failed.ok) return;
      expect(failed.error.kind).to.equal('ConfigInvalid');
      expect(failed.error.message).to.include(`${release}-broken`).and.not.include('valid values');
      // 3 is the failed upgrade, 4 the rollback to 2.
      expect(deployed(await status())).to.deep.equal({ revision: 4, deployedRevision: 4 });
      expect(await image()).to.equal('registry.example/fixture-db:2.0');
      expect(await read('Job', `${release}-broken`)).to.equal(undefined);
    });

    it('a failed install leaves nothing behind', async function () {
      const failed = await releases.install(spec({ brokenJob: true }));
      expect(failed.ok).to.equal(false);
      if (failed.ok) return;
      expect(failed.error.kind).to.equal('ConfigInvalid');
      expect(await status()).to.deep.equal({ state: 'absent' });
      await Promise.all([gone('Secret', `${release}-credentials`), gone('Service', release), gone('Deployment', release)]);
    });

    it('rollback makes an earlier revision serve again, as a new revision', async function () {
      value(await releases.install(spec()));
      value(await releases.upgrade(spec({ image: 'registry.example/fixture-db:2.0' })));
      expect(deployed(value(await releases.rollback({ namespace: subject.namespace, name: release }, 1)))).to.deep.equal({ revision: 3, deployedRevision: 3 });
      expect(await image()).to.equal('registry.example/fixture-db:1.0');
    });

    it('uninstall removes the release and every object it made; again, it is absent', async function () {
      value(await releases.install(spec()));
      const objects = value(await releases.objects({ namespace: subject.namespace, name: release }));
      expect(value(await releases.uninstall({ namespace: subject.namespace, name: release }))).to.equal('uninstalled');
      expect(await status()).to.deep.equal({ state: 'absent' });
      expect(value(await releases.objects({ namespace: subject.namespace, name: release }))).to.deep.equal([]);
      await Promise.all(objects.map((o) => gone(o.kind, o.name)));
      expect(value(await releases.uninstall({ namespace: subject.namespace, name: release }))).to.equal('absent');
    });

    it('installs afresh after an uninstall, at revision 1', async function () {
      value(await releases.install(spec({ image: 'registry.example/fixture-db:2.0' })));
      value(await releases.uninstall({ namespace: subject.namespace, name: release }));
      await gone('Deployment', release);
      expect(value(await releases.install(spec()))).to.deep.include({ state: 'deployed', revision: 1 });
      expect(await image()).to.equal('registry.example/fixture-db:1.0');
    });

    it('takes over no object that belongs to no release: ObjectsExist, and the object is left as it was', async function () {
      const foreign: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: `${release}-credentials`, namespace: subject.namespace }, stringData: { password: 'theirs' } };
      value(await subject.cluster.create(foreign));
      const refused = await releases.install(spec());
      expect(refused.ok).to.equal(false);
      if (refused.ok) return;
      expect(refused.error.kind).to.equal('ObjectsExist');
      expect(refused.error.message).to.include(`${release}-credentials`);
      expect(await status()).to.deep.equal({ state: 'absent' });
      expect(await password()).to.equal(Buffer.from('theirs').toString('base64'));
      expect(await read('Deployment', release)).to.equal(undefined);
    });

    it('upgrade and rollback of an absent release are NotFound; status is absent and it has no objects', async function () {
      expect(await status()).to.deep.equal({ state: 'absent' });
      expect(value(await releases.objects({ namespace: subject.namespace, name: release }))).to.deep.equal([]);
      const upgraded = await releases.upgrade(spec());
      expect(upgraded.ok ? 'ok' : upgraded.error.kind).to.equal('NotFound');
      const rolled = await releases.rollback({ namespace: subject.namespace, name: release }, 1);
      expect(rolled.ok ? 'ok' : rolled.error.kind).to.equal('NotFound');
    });

    it('renders offline in install order, namespaced, creating nothing', async function () {
      const objects = value(await releases.render(spec({ image: 'registry.example/fixture-db:2.0' })));
      expect(objects.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).to.deep.equal([
        `Secret ${subject.namespace}/${release}-credentials`,
        `Service ${subject.namespace}/${release}`,
        `Deployment ${subject.namespace}/${release}`,
      ]);
      expect(await status()).to.deep.equal({ state: 'absent' });
      expect(await read('Deployment', release)).to.equal(undefined);
    });

    it('reports a chart that cannot render as ConfigInvalid, naming the template but not the values', async function () {
      const rendered = await releases.render(spec({ failWith: 'hunter2-value' }));
      expect(rendered.ok).to.equal(false);
      if (rendered.ok) return;
      expect(rendered.error.kind).to.equal('ConfigInvalid');
      expect(rendered.error.message).to.include('templates/fail.yaml').and.not.include('hunter2');
      const installed = await releases.install(spec({ failWith: 'hunter2-value' }));
      expect(installed.ok ? 'ok' : `${installed.error.kind} ${installed.error.message.includes('hunter2')}`).to.equal('ConfigInvalid false');
      expect(await status()).to.deep.equal({ state: 'absent' });
    });

    it('refuses a release name or chart that helm would refuse or read as a flag, before running anything', async function () {
      const flag = await releases.install({ ...spec(), name: '--set=x' });
      expect(flag.ok ? 'ok' : flag.error.kind).to.equal('ConfigInvalid');
      const url = await releases.install({ ...spec(), chart: { kind: 'repository', url: 'https://user:token@charts.example', chart: 'db', version: '1.0.0' } });
      expect(url.ok ? 'ok' : url.error.message).to.not.include('token');
      expect(url.ok).to.equal(false);
      expect(value(await releases.list(subject.namespace))).to.deep.equal([]);
    });
  });
}
