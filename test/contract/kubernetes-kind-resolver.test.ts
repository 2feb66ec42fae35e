/**
 * Discovery on the test cluster: the KubernetesKindResolver sees a CRD
 * installed after it started, and the catalog follows it (an entry on a
 * custom kind is refused until the cluster serves the kind, then served
 * without a restart). Unit tests (test/unit/adapters/kubernetes/
 * kubernetes-kind-resolver.test.ts) cover the timing rules on a stub.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { kubernetesApis, type KubernetesApis } from '../../src/adapters/kubernetes/api-clients.js';
import { KubernetesKindResolver } from '../../src/adapters/kubernetes/kubernetes-kind-resolver.js';
import { CatalogService } from '../../src/application/catalog-service.js';
import { describeProblem } from '../../src/domain/catalog-entry.js';
import { dedicatedEntry, template } from '../unit/builders.js';
import { FakeConfig, RecordingReporter } from '../unit/application/fakes.js';
import { defineCrd, deleteCrd } from '../support/custom-resources.js';
import { adminApis, kubeConfigFrom, requireTestClusterOrSkip, silentLogger, waitUntil } from '../support/real-cluster.js';
import { sharedTestCluster } from '../support/test-cluster.js';
import { customResourceDefinition } from './cluster-api.contract.js';

const AN_HOUR = 3_600_000;

describe('KubernetesKindResolver on a real kube-apiserver', function () {
  this.timeout(60_000);
  let admin: KubernetesApis;
  let adminConfig: KubeConfig;
  let crds: string[] = [];
  let resolvers: KubernetesKindResolver[] = [];

  before(async function () {
    requireTestClusterOrSkip(this, 'the discovery tests');
    this.timeout(20 * 60_000); // the first run on a machine builds kube-apiserver
    const cluster = await sharedTestCluster();
    adminConfig = kubeConfigFrom(cluster.adminKubeconfig);
    admin = adminApis(cluster.adminKubeconfig);
  });

  afterEach(async () => {
    await Promise.all(resolvers.map((r) => r.stop()));
    await Promise.all(crds.map((name) => deleteCrd(admin, name)));
    [crds, resolvers] = [[], []];
  });

  async function install(crd: ReturnType<typeof customResourceDefinition>['crd']): Promise<void> {
    crds.push(crd.metadata.name);
    await defineCrd(adminConfig, admin, crd);
  }

  async function started(refreshMs: number, missRefreshMs: number): Promise<KubernetesKindResolver> {
    const kinds = new KubernetesKindResolver(kubernetesApis(adminConfig), silentLogger(), { refreshMs, missRefreshMs });
    resolvers.push(kinds);
    await kinds.start();
    return kinds;
  }

  it('discovers the built-in kinds with their scope', async () => {
    const kinds = await started(AN_HOUR, AN_HOUR);
    expect(kinds.revision()).to.equal(1);
    expect(['apps/v1 StatefulSet', 'v1 PersistentVolumeClaim', 'batch/v1 Job', 'networking.k8s.io/v1 NetworkPolicy', 'v1 PersistentVolume', 'rbac.authorization.k8s.io/v1 ClusterRole']
      .map((type) => kinds.lookup(type.split(' ')[0]!, type.split(' ')[1]!)))
      .to.deep.equal(['namespaced', 'namespaced', 'namespaced', 'namespaced', 'cluster', 'cluster']);
  });

  it('serves a CRD installed after start once a lookup miss has refreshed discovery', async () => {
    const database = customResourceDefinition('Namespaced', 'Database');
    const tenant = customResourceDefinition('Cluster', 'Tenant');
    // The periodic refresh is an hour away: only a miss can make it look again.
    const kinds = await started(AN_HOUR, 200);
    const heard: number[] = [];
    kinds.onChange(() => heard.push(kinds.revision()));
    expect(kinds.lookup(database.apiVersion, database.kind)).to.equal('unknown');

    await Promise.all([install(database.crd), install(tenant.crd)]);
    await waitUntil(`${database.kind} to be served`, async () => kinds.lookup(database.apiVersion, database.kind), (scope) => scope === 'namespaced', { timeoutMs: 10_000, intervalMs: 50 });
    await waitUntil(`${tenant.kind} to be served`, async () => kinds.lookup(tenant.apiVersion, tenant.kind), (scope) => scope !== 'unknown', { timeoutMs: 10_000, intervalMs: 50 });
    expect(kinds.lookup(tenant.apiVersion, tenant.kind)).to.equal('cluster');
    expect(kinds.revision()).to.be.greaterThan(1);
    expect(heard.at(-1)).to.equal(kinds.revision());
  });

  it('refuses a catalog entry on a custom kind the cluster does not serve yet, then serves it once discovery sees the CRD', async () => {
    const database = customResourceDefinition('Namespaced', 'Database');
    const entry = dedicatedEntry({ source: 'entry-database' });
    const templates = [template('database-cluster', { apiVersion: database.apiVersion, kind: database.kind, metadata: { name: 'db-{{ instance.shortId }}' }, spec: { instances: 1 } })];
    const reporter = new RecordingReporter();
    // Discovery every half second, and misses never asking again: what reassembles the catalog is the change discovery reports.
    const kinds = await started(500, AN_HOUR);
    const catalog = new CatalogService(new FakeConfig({ entries: [entry], templates, problems: [] }), silentLogger(), reporter, kinds);
    const unfollow = catalog.followChanges();
    try {
      const before = catalog.catalog();
      expect(before.offerings).to.deep.equal([]);
      expect(before.problems.map(describeProblem)).to.deep.equal([
        `entry-database (provisiondata): resource ConfigMap database-cluster: the cluster serves no kind ${database.kind} in ${database.apiVersion} (a missing CRD, or a wrong apiVersion)`,
      ]);

      await install(database.crd);
      // Nobody asks for the catalog meanwhile: the discovery change alone reassembles it, and the report says the problem is gone.
      await waitUntil('the catalog to be reassembled without problems', async () => reporter.reports.at(-1), (problems) => problems?.length === 0, { timeoutMs: 10_000 });
      const after = catalog.catalog();
      expect(after.problems).to.deep.equal([]);
      expect(after.offerings.flatMap((o) => o.plans.map((p) => p.source))).to.deep.equal(['entry-database']);
    } finally {
      unfollow();
    }
  });
});
