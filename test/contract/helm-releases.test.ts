/**
 * The HelmReleases contract against the helm CLI (helm 4, built from
 * tools/helm) on the test cluster: real controllers, kwok making Pods
 * Ready. A fresh namespace per test, deleted after. helm acts as the cluster
 * admin here; what a release may create under the broker's Role is the
 * least-privilege suite's business.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { kubernetesApis, type KubernetesApis } from '../../src/adapters/kubernetes/api-clients.js';
import { KubernetesClusterApi } from '../../src/adapters/kubernetes/kubernetes-cluster-api.js';
import { CliHelmReleases } from '../../src/adapters/helm/cli-helm-releases.js';
import type { ChartSource } from '../../src/domain/helm-release.js';
import { buildHelm, helmPrerequisite, packageChart } from '../support/helm.js';
import { requireOrSkip } from '../support/prerequisites.js';
import { adminApis, deleteNamespace, freshNamespace, kubeConfigFrom, silentLogger, withServer } from '../support/real-cluster.js';
import { sharedTestCluster, testClusterPrerequisite } from '../support/test-cluster.js';
import { describeHelmReleases, FIXTURE_CHART_DIR } from './helm-releases.contract.js';

const execFileAsync = promisify(execFile);

describe('Helm releases on a real cluster (helm CLI)', function () {
  let helm: string;
  let chart: ChartSource;
  let admin: KubernetesApis;
  let adminConfig: KubeConfig;
  let adminKubeconfig: string;

  before(async function () {
    requireOrSkip(this, 'the Helm release contract on the test cluster', testClusterPrerequisite() ?? helmPrerequisite());
    this.timeout(30 * 60_000); // the first run on a machine builds kube-apiserver and helm
    const [cluster, binary] = await Promise.all([sharedTestCluster(), buildHelm()]);
    helm = binary;
    adminKubeconfig = cluster.adminKubeconfig;
    adminConfig = kubeConfigFrom(cluster.adminKubeconfig);
    admin = adminApis(cluster.adminKubeconfig);
    chart = { kind: 'packaged', archive: await packageChart(FIXTURE_CHART_DIR) };
  });

  const releasesWith = (config: KubeConfig) => new CliHelmReleases({ binary: helm, kubeConfig: config }, silentLogger());

  describeHelmReleases('CliHelmReleases', async () => {
    const namespace = await freshNamespace(admin, 'helm');
    return {
      releases: releasesWith(adminConfig),
      namespace,
      chart,
      cluster: new KubernetesClusterApi(kubernetesApis(adminConfig), silentLogger()),
      lookupSeesCluster: true,
      cleanup: () => deleteNamespace(admin, namespace),
    };
  });

  describe('beyond the contract', function () {
    this.timeout(120_000);
    let namespace: string;
    let home: string;

    beforeEach(async function () {
      namespace = await freshNamespace(admin, 'helm-beyond');
      home = await mkdtemp(join(tmpdir(), 'mesitis-helm-home-'));
    });

    afterEach(async function () {
      await deleteNamespace(admin, namespace);
      await rm(home, { recursive: true, force: true });
    });

    /** helm as a person runs it, with the admin kubeconfig, in the test's namespace. */
    const helmAsAdmin = (args: string[]) =>
      execFileAsync(helm, [args[0]!, '--namespace', namespace, '--kubeconfig', adminKubeconfig, ...args.slice(1)], { env: { PATH: process.env['PATH'] ?? '', HOME: home } });
    /** `helm list`: names of the releases in the namespace. */
    const helmList = async (): Promise<string[]> => (await helmAsAdmin(['list', '--short'])).stdout.split('\n').filter((line) => line !== '');

    it('`helm list` in the target namespace shows the release while it lives, and its history lives in Secrets there', async function () {
      const releases = releasesWith(adminConfig);
      const ref = { namespace, name: 'listed' };
      expect(await helmList()).to.deep.equal([]);
      expect((await releases.install({ ...ref, chart, values: {} })).ok).to.equal(true);
      expect(await helmList()).to.deep.equal(['listed']);
      const storage = await admin.core.listNamespacedSecret({ namespace, labelSelector: 'owner=helm,name=listed' });
      expect(storage.items.map((s) => s.metadata?.name)).to.deep.equal(['sh.helm.release.v1.listed.v1']);
      expect((await releases.uninstall(ref)).ok).to.equal(true);
      expect(await helmList()).to.deep.equal([]);
      expect((await admin.core.listNamespacedSecret({ namespace, labelSelector: 'owner=helm' })).items).to.deep.equal([]);
    });

    it('install clears the remains of an install that failed outside the broker (helm itself, a crash), then installs', async function () {
      await helmAsAdmin(['install', '--set', 'brokenJob=true', '--', 'remains', FIXTURE_CHART_DIR]).then(() => expect.fail('the broken install succeeded'), () => undefined);
      const releases = releasesWith(adminConfig);
      const ref = { namespace, name: 'remains' };
      expect(await releases.status(ref)).to.deep.equal({ ok: true, value: { state: 'failed', revision: 1, chart: 'fixture-db-0.1.0' } });
      expect(await releases.install({ ...ref, chart, values: {} })).to.deep.equal({ ok: true, value: { state: 'deployed', revision: 1, deployedRevision: 1, chart: 'fixture-db-0.1.0' } });
    });

    it('reports a cluster it cannot reach as Unavailable', async function () {
      const releases = releasesWith(withServer(adminConfig, 'https://127.0.0.1:1'));
      const status = await releases.status({ namespace, name: 'anything' });
      expect(status.ok ? 'ok' : status.error.kind).to.equal('Unavailable');
    });

    it('reports a helm binary that is not there as Infrastructure, naming it', async function () {
      const releases = new CliHelmReleases({ binary: '/nonexistent/helm', kubeConfig: adminConfig }, silentLogger());
      const status = await releases.status({ namespace, name: 'anything' });
      expect(status.ok ? 'ok' : `${status.error.kind}: ${status.error.message}`).to.match(/^Infrastructure: .*\/nonexistent\/helm/);
    });
  });
});
