/**
 * The HelmReleases contract against the dev-mode fake: charts rendered by
 * the real helm binary (`helm template`), applied to the memory cluster.
 * It needs helm, not the test cluster.
 */
import { expect } from 'chai';
import { HelmCommand } from '../../src/adapters/helm/helm-command.js';
import { MemoryHelmReleases } from '../../src/adapters/helm/memory-helm-releases.js';
import { MemoryCluster } from '../../src/adapters/memory/memory-cluster.js';
import { MemoryClusterApi } from '../../src/adapters/memory/memory-cluster-api.js';
import type { ChartSource } from '../../src/domain/helm-release.js';
import { buildHelm, helmPrerequisite, packageChart } from '../support/helm.js';
import { requireOrSkip } from '../support/prerequisites.js';
import { silentLogger } from '../support/real-cluster.js';
import { describeHelmReleases, FIXTURE_CHART_DIR } from './helm-releases.contract.js';

const NAMESPACE = 'helm-ns';

describe('Helm releases in dev mode (helm template on the memory cluster)', function () {
  let helm: string;
  let chart: ChartSource;

  before(async function () {
    requireOrSkip(this, 'the Helm release contract in dev mode', helmPrerequisite());
    this.timeout(20 * 60_000); // the first run on a machine builds helm
    helm = await buildHelm();
    chart = { kind: 'packaged', archive: await packageChart(FIXTURE_CHART_DIR) };
  });

  describeHelmReleases('MemoryHelmReleases', async () => {
    const cluster = new MemoryCluster();
    cluster.createNamespace(NAMESPACE);
    const api = new MemoryClusterApi(cluster);
    return {
      releases: new MemoryHelmReleases(api, new HelmCommand({ binary: helm }), silentLogger()),
      namespace: NAMESPACE,
      chart,
      cluster: api,
      lookupSeesCluster: false,
      cleanup: async () => {},
    };
  });

  it('without a helm binary, says which binary it could not run', async function () {
    const cluster = new MemoryCluster();
    cluster.createNamespace(NAMESPACE);
    const releases = new MemoryHelmReleases(new MemoryClusterApi(cluster), new HelmCommand({ binary: 'mesitis-no-such-helm' }), silentLogger());
    const installed = await releases.install({ namespace: NAMESPACE, name: 'db', chart, values: {} });
    expect(installed.ok ? 'ok' : `${installed.error.kind}: ${installed.error.message}`).to.match(/^Infrastructure: .*"mesitis-no-such-helm" could not be run/);
    expect(cluster.list({ apiVersion: 'v1', kind: 'Secret' }, NAMESPACE)).to.deep.equal([]);
  });
});
