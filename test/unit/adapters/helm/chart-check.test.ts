/**
 * What `mesitis validate` adds for Helm entries: each chart rendered offline
 * by the real helm with the entry's values (stand-in facts), a chart that
 * does not render reported with the entry's ConfigMap, never with a value.
 */
import { expect } from 'chai';
import { checkEntryCharts } from '../../../../src/adapters/helm/chart-check.js';
import { renderChart } from '../../../../src/adapters/helm/helm-calls.js';
import { HelmCommand } from '../../../../src/adapters/helm/helm-command.js';
import type { CatalogEntry } from '../../../../src/domain/catalog-entry.js';
import { checkRenderedChart, type HelmEntry } from '../../../../src/domain/helm-plan.js';
import type { ReleaseSpec } from '../../../../src/domain/helm-release.js';
import { FIXTURE_CHART_DIR } from '../../../contract/helm-releases.contract.js';
import { buildHelm, helmPrerequisite, packageChart } from '../../../support/helm.js';
import { requireOrSkip } from '../../../support/prerequisites.js';
import { silentLogger } from '../../../support/real-cluster.js';
import { urlEntry } from '../../builders.js';

const helmEntry = (archive: Uint8Array, values: Record<string, unknown>): HelmEntry => urlEntry({
  source: 'entry-db', offering: 'db',
  provisioner: { kind: 'HelmChart', namespace: 'db-ns', chart: { kind: 'packaged', configMap: 'db-chart', key: 'db.tgz', archive, digest: 'x' }, values },
}) as HelmEntry;

describe('adapters/helm/chart-check (mesitis validate renders Helm entries\' charts)', function () {
  let render: (spec: ReleaseSpec) => ReturnType<typeof renderChart>;
  let archive: Uint8Array;

  before(async function () {
    requireOrSkip(this, 'rendering charts offline', helmPrerequisite());
    this.timeout(20 * 60_000); // the first run on a machine builds helm
    const helm = new HelmCommand({ binary: await buildHelm() });
    render = (spec) => renderChart(helm, silentLogger(), spec, 60_000);
    archive = await packageChart(FIXTURE_CHART_DIR);
  });

  it('renders each Helm entry\'s chart with its values and finds nothing wrong with the fixture chart', async function () {
    const entries: CatalogEntry[] = [helmEntry(archive, { image: 'db:{{ version }}', password: '{{ generated.p }}' }), urlEntry()];
    expect(await checkEntryCharts(entries, render)).to.deep.equal({ problems: [], rendered: 1 });
  });

  it('reports a chart that does not render with the entry\'s values, naming the entry and the chart ConfigMap, not the value', async function () {
    const { problems } = await checkEntryCharts([helmEntry(archive, { failWith: 'hunter2-{{ team }}' })], render);
    expect(problems).to.have.length(1);
    expect(problems[0]).to.include({ source: 'entry-db', field: 'provisiondata.chart' });
    expect(problems[0]!.message).to.contain('db-chart').and.contain('templates/fail.yaml').and.not.contain('hunter2');
  });

  it('refuses rendered objects of a cluster-scoped kind or in another namespace', function () {
    const entry = helmEntry(new Uint8Array([1]), {});
    const clusterScoped = (_apiVersion: string, kind: string) => kind === 'ClusterRole';
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' } };
    expect(checkRenderedChart(entry, [role], clusterScoped)[0]?.message).to.contain('cluster-scoped');
    const elsewhere = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'kube-system' } };
    expect(checkRenderedChart(entry, [elsewhere], clusterScoped)[0]?.message).to.contain('namespace kube-system');
    expect(checkRenderedChart(entry, [{ ...elsewhere, metadata: { name: 's', namespace: 'db-ns' } }], clusterScoped)).to.deep.equal([]);
  });
});
