/**
 * Least privilege, end to end: `mesitis serve` under exactly the chart's
 * RBAC (test/support/chart-rbac.ts, default targetKinds) refuses an entry
 * whose template is a kind it may not create in its target namespace as a
 * catalog problem, found by a SelfSubjectAccessReview at start-up, while
 * the other entries serve. Once the chart's RBAC is applied again with the
 * kind added to targetKinds, the next configuration change has the broker
 * review its rights again, and the entry serves and provisions.
 */
import { expect } from 'chai';
import type { BrokerProcess } from '../support/broker-process.js';
import { applyChartRbac } from '../support/chart-rbac.js';
import { call, configMapTemplate, createOffering, faultNamespaces, pollLastOperation, startServe, waitForPlan, type FaultNamespaces, type TestOffering } from '../support/fault-harness.js';
import { helmPrerequisite } from '../support/helm.js';
import { requireOrSkip } from '../support/prerequisites.js';
import { waitUntil } from '../support/real-cluster.js';
import { sharedTestCluster, testClusterPrerequisite } from '../support/test-cluster.js';
import { DEFAULT_TARGET_KINDS } from '../deploy/chart-expectations.js';

// DaemonSets: a kind the chart's default targetKinds do not grant.
const daemonSetTemplate = (name: string) => ({
  apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name },
  spec: {
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'store', image: 'example/store:1' }] } },
  },
});

type Problem = { source: string; field: string; message: string };

describe('the broker refuses entries whose kinds the chart does not grant (SelfSubjectAccessReview)', function () {
  this.timeout(120_000);
  let ns: FaultNamespaces;
  let web: TestOffering;
  let store: TestOffering;
  let broker: BrokerProcess | undefined;

  const problems = async (): Promise<Problem[]> =>
    ((await call(broker!.url, 'GET', '/admin/catalog/problems')).body.problems as Problem[]).map(({ source, field, message }) => ({ source, field, message }));

  before(async function () {
    requireOrSkip(this, 'the catalog access suite', testClusterPrerequisite() ?? helmPrerequisite());
    this.timeout(30 * 60_000); // the first run on a machine builds the test cluster and helm
    ns = await faultNamespaces(await sharedTestCluster(), 'access');
    web = await createOffering(ns, { offering: 'web', objects: [configMapTemplate('web-{{ instance.shortId }}')] });
    store = await createOffering(ns, { offering: 'store', objects: [daemonSetTemplate('store-{{ instance.shortId }}')] });
    broker = await startServe({ kubeconfig: ns.brokerKubeconfig(), namespace: ns.brokerNs }, [web.planId]);
  });

  afterEach(function () {
    // Without the request lines: the catalog polls would fill it.
    const output = broker?.output().split('\n').filter((line) => !line.includes('"msg":"request"')).join('\n');
    if (this.currentTest?.state === 'failed') console.log(`--- broker output (last 6000 chars, no request lines) ---\n${output?.slice(-6000)}`);
  });

  after(async () => {
    await broker?.stop();
    await ns?.remove();
  });

  it('lists the entry as a catalog problem naming the ConfigMaps, the kind, the namespace and targetKinds; the other entry serves', async () => {
    // Reviewed before the broker listens: no waiting needed.
    expect(await problems()).to.deep.equal([{
      source: store.entryName, field: 'provisiondata',
      message: `resource ConfigMap store-t00: the broker may not create DaemonSet (apps/v1) in namespace ${ns.targetNs}: add {apiGroup: "apps", resources: [daemonsets]} to the chart's targetKinds`,
    }]);
    const catalog = await call(broker!.url, 'GET', '/v2/catalog');
    const plans = (catalog.body.services as { plans: { id: string }[] }[]).flatMap((s) => s.plans.map((p) => p.id));
    expect(plans).to.deep.equal([web.planId]);
    const refused = await call(broker!.url, 'PUT', '/v2/service_instances/refused-store?accepts_incomplete=true', { body: store.body() });
    expect(refused.status, 'a refused entry is not a plan: no provision reaches the cluster').to.equal(400);
  });

  it('serves the entry once the chart grants the kind and the configuration changes, and provisions it', async () => {
    await applyChartRbac(ns.cluster.adminKubeconfig, ns.brokerNs, {
      targetNamespaces: [ns.targetNs], targetKinds: [...DEFAULT_TARGET_KINDS, { apiGroup: 'apps', resources: ['daemonsets'] }],
    });
    // RBAC sends no event: a change of the catalog's ConfigMaps has the broker review its rights again (or the minute's refresh).
    await ns.admin.core.patchNamespacedConfigMap({ namespace: ns.brokerNs, name: store.entryName, body: [{ op: 'add', path: '/metadata/labels/touched', value: 'after-the-grant' }] });
    await waitForPlan(broker!.url, store.planId);
    expect(await problems()).to.deep.equal([]);

    const path = '/v2/service_instances/granted-store';
    const accepted = await call(broker!.url, 'PUT', `${path}?accepts_incomplete=true`, { body: store.body() });
    expect(accepted.status, JSON.stringify(accepted.body)).to.be.oneOf([201, 202]);
    if (accepted.status === 202) {
      const { last } = await pollLastOperation(() => broker!.url, path, (r) => r.body?.state !== 'in progress', 60_000);
      expect(last.body?.state, JSON.stringify(last.body)).to.equal('succeeded');
    }
    const sets = await waitUntil('the DaemonSet', () => ns.admin.apps.listNamespacedDaemonSet({ namespace: ns.targetNs, labelSelector: 'app.kubernetes.io/managed-by=mesitis' }), (l) => l.items.length === 1);
    expect(sets.items[0]!.metadata!.name).to.match(/^store-/);
    const gone = await call(broker!.url, 'DELETE', `${path}?accepts_incomplete=true&${store.query}`);
    expect(gone.status, JSON.stringify(gone.body)).to.be.oneOf([200, 202]);
  });
});
