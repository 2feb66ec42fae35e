/**
 * A Helm-chart offering end to end on the test cluster: `mesitis serve`
 * drives the real helm (built from tools/helm) with the fixture chart
 * packaged into a ConfigMap, under exactly the Roles the chart grants with
 * `helmReleases: true` (namespaces of this test's own).
 * The Deployment and ReplicaSet controllers and kwok's Node make the
 * release's Pods ready; no test writes a status.
 *
 * - provision -> bind (credentials from the Secret the chart generated) ->
 *   upgrade (a plan update) -> deprovision, with `helm list` in the target
 *   namespace showing the release while it lives and nothing after;
 * - an install the API server refuses leaves no release and no object;
 * - an upgrade the API server refuses leaves the previous revision serving.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KubernetesObject } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { KubernetesApis } from '../../src/adapters/kubernetes/api-clients.js';
import { deriveServiceId } from '../../src/domain/catalog-entry.js';
import { FIXTURE_CHART_DIR } from '../contract/helm-releases.contract.js';
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js';
import { applyChartRbac, applyObjects } from '../support/chart-rbac.js';
import { faultNamespaces, type FaultNamespaces } from '../support/fault-harness.js';
import { buildHelm, helmPrerequisite, packageChart } from '../support/helm.js';
import { HELM_OFFERING, HELM_PLAN, HELM_TEAM, helmOffering, releaseNameOf } from '../support/helm-offering-fixture.js';
import { osb, type OsbRequestOptions, type OsbResponse } from '../support/osb-client.js';
import { requireOrSkip } from '../support/prerequisites.js';
import { adminApis, deleteNamespace, freshNamespace, kubeConfigFrom } from '../support/real-cluster.js';
import { sharedTestCluster, testClusterPrerequisite } from '../support/test-cluster.js';

const execFileAsync = promisify(execFile);
const AUTH = { username: 'platform', password: `e2e-${randomUUID()}` };
const SERVICE_ID = deriveServiceId(HELM_TEAM, HELM_OFFERING);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An entry of the same offering whose chart repository does not answer (nothing listens on port 9). */
function unreachableChartEntry(provider: string, target: string, consumer: string): KubernetesObject {
  return {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name: 'entry-unreachable-chart', namespace: provider, labels: { 'mesitis/kind': 'catalog-entry', 'mesitis/enabled': 'true' } },
    data: { 'wrapped-resource': JSON.stringify({
      team: HELM_TEAM, offering: HELM_OFFERING, description: 'A chart from a repository that is away', uuid: 'plan-helm-unreachable', version: '9', whitelist: [consumer],
      provisionkind: 'ProvisionHelmChart', provisiondata: { namespace: target, chart: { repository: 'http://127.0.0.1:9/charts', name: 'db', version: '1.0.0' } },
    }) },
  } as KubernetesObject;
}

describe('a Helm-chart offering served by `mesitis serve` on the test cluster (real helm)', function () {
  this.timeout(240_000);
  let admin: KubernetesApis;
  let adminKubeconfig: string;
  let helm: string;
  let home: string;
  let broker: BrokerProcess;
  let provider: string;
  let target: string;
  let consumer: string;
  let namespaces: FaultNamespaces | undefined;
  const call = (method: string, path: string, options: OsbRequestOptions = {}): Promise<OsbResponse> => osb(broker.url, method, path, { auth: AUTH, ...options });

  /** `helm list` in the target namespace, as a person runs it: "name revision status". */
  async function helmList(): Promise<string[]> {
    const { stdout } = await execFileAsync(helm, ['list', '--deployed', '--failed', '--pending', '--superseded', '--uninstalling', '--namespace', target, '--kubeconfig', adminKubeconfig, '--output', 'json'], { env: { PATH: process.env['PATH'] ?? '', HOME: home } });
    return (JSON.parse(stdout) as { name: string; revision: string; status: string }[]).map((r) => `${r.name} ${r.revision} ${r.status}`);
  }

  async function finished(base: string, operation: string, timeoutMs = 120_000): Promise<OsbResponse> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const polled = await call('GET', `${base}/last_operation?operation=${encodeURIComponent(operation)}`);
      if (polled.status !== 200 || polled.body.state !== 'in progress') return polled;
      if (Date.now() > deadline) throw new Error(`still in progress after ${timeoutMs} ms: ${JSON.stringify(polled.body)}\n${broker.output().slice(-3000)}`);
      await sleep(250);
    }
  }

  const provisionBody = (plan: string) => ({
    service_id: SERVICE_ID, plan_id: plan, organization_guid: 'e2e-org', space_guid: 'e2e-space',
    context: { platform: 'kubernetes', namespace: consumer, instance_name: 'e2e-helm' },
  });

  async function provision(plan: string): Promise<{ id: string; base: string; last: OsbResponse }> {
    const id = randomUUID();
    const base = `/v2/service_instances/${id}`;
    const accepted = await call('PUT', `${base}?accepts_incomplete=true`, { body: provisionBody(plan) });
    expect(accepted.status, JSON.stringify(accepted.body)).to.equal(202);
    return { id, base, last: await finished(base, accepted.body.operation) };
  }

  async function update(base: string, plan: string): Promise<OsbResponse> {
    const accepted = await call('PATCH', `${base}?accepts_incomplete=true`, { body: { service_id: SERVICE_ID, plan_id: plan, context: { platform: 'kubernetes', namespace: consumer } } });
    expect(accepted.status, JSON.stringify(accepted.body)).to.equal(202);
    return finished(base, accepted.body.operation);
  }

  const imageOf = async (name: string) => (await admin.apps.readNamespacedDeployment({ namespace: target, name })).spec?.template?.spec?.containers[0]?.image;
  const secretPassword = async (name: string) =>
    Buffer.from((await admin.core.readNamespacedSecret({ namespace: target, name })).data?.['password'] ?? '', 'base64').toString('utf8');
  const objectsOf = async (release: string) => {
    const selector = `app.kubernetes.io/instance=${release}`;
    const [deployments, services, secrets] = await Promise.all([
      admin.apps.listNamespacedDeployment({ namespace: target, labelSelector: selector }),
      admin.core.listNamespacedService({ namespace: target, labelSelector: selector }),
      admin.core.listNamespacedSecret({ namespace: target, labelSelector: selector }),
    ]);
    return [...deployments.items, ...services.items, ...secrets.items].map((o) => o.metadata?.name);
  };

  before(async function () {
    requireOrSkip(this, 'the Helm offering end-to-end suite', testClusterPrerequisite() ?? helmPrerequisite());
    this.timeout(30 * 60_000); // the first run on a machine builds the test cluster and helm
    const [cluster, binary] = await Promise.all([sharedTestCluster(), buildHelm()]);
    helm = binary;
    adminKubeconfig = cluster.adminKubeconfig;
    admin = adminApis(adminKubeconfig);
    home = await mkdtemp(join(tmpdir(), 'mesitis-helm-e2e-'));
    namespaces = await faultNamespaces(cluster, 'helm');
    ({ brokerNs: provider, targetNs: target } = namespaces);
    consumer = await freshNamespace(admin, 'helm-consumer');
    // The broker's identity may write helm's release storage in the target namespace, and the targetKinds there: nothing more.
    await applyChartRbac(adminKubeconfig, provider, { targetNamespaces: [target], helmReleases: true });
    const chart = await packageChart(FIXTURE_CHART_DIR);
    await applyObjects(kubeConfigFrom(adminKubeconfig), [
      ...helmOffering(chart, { provider, target, consumer, broken: true, v2Values: { image: 'registry.example/fixture-db:2.0' } }),
      unreachableChartEntry(provider, target, consumer),
    ] as KubernetesObject[]);
    broker = await startBrokerProcess([
      'serve', '--kubeconfig', namespaces.brokerKubeconfig(), '--namespace', provider, '--username', AUTH.username, '--password', AUTH.password,
      '--helm-binary', helm, '--readiness-timeout', '120', '--log-level', 'debug',
    ]);
  });

  after(async () => {
    const code = await broker?.stop();
    await namespaces?.remove();
    if (consumer !== undefined) await deleteNamespace(admin, consumer);
    if (home !== undefined) await rm(home, { recursive: true, force: true });
    if (broker) expect(code, broker.output()).to.equal(0);
  });

  it('refuses, as a catalog problem for that entry alone, a chart that cannot be fetched', async () => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const problems = (await call('GET', '/admin/catalog/problems')).body.problems as { source: string; field: string; message: string }[];
      const found = problems.find((p) => p.source === 'entry-unreachable-chart');
      if (found !== undefined) {
        expect(found.field).to.equal('provisiondata.chart');
        expect(found.message).to.match(/^the chart cannot be (fetched|rendered)/);
        expect(problems.map((p) => p.source), 'the other entries serve').to.deep.equal(['entry-unreachable-chart']);
        return;
      }
      if (Date.now() > deadline) throw new Error(`no problem reported: ${JSON.stringify(problems)}\n${broker.output().slice(-3000)}`);
      await sleep(250);
    }
  });

  it('offers the chart\'s versions as plans', async () => {
    const services = (await call('GET', '/v2/catalog')).body.services as { id: string; plans: { name: string }[] }[];
    expect(services.find((s) => s.id === SERVICE_ID)?.plans.map((p) => p.name).sort(), broker.output().slice(-3000))
      .to.deep.equal(['data-fixture-db-1', 'data-fixture-db-2', 'data-fixture-db-3']);
  });

  it('provisions, binds, upgrades and deprovisions a release; a refused upgrade leaves the previous revision serving', async () => {
    const { id, base, last } = await provision(HELM_PLAN.v1);
    expect(last.body.state, `${JSON.stringify(last.body)}\n${broker.output().slice(-3000)}`).to.equal('succeeded');
    const release = releaseNameOf(id);
    expect(await helmList()).to.deep.equal([`${release} 1 deployed`]);
    expect(await imageOf(release)).to.equal('registry.example/fixture-db:1.0');

    const bound = await call('PUT', `${base}/service_bindings/${randomUUID()}`, { body: { service_id: SERVICE_ID, plan_id: HELM_PLAN.v1, context: { platform: 'kubernetes', namespace: consumer } } });
    expect(bound.status, JSON.stringify(bound.body)).to.equal(201);
    const password = await secretPassword(`${release}-credentials`);
    expect(password).to.match(/^[A-Za-z0-9]{24}$/);
    expect(bound.body.credentials).to.deep.equal({ type: HELM_OFFERING, provider: HELM_TEAM, host: `${release}.${target}.svc.cluster.local`, port: 5432, username: 'fixture', password });

    const upgraded = await update(base, HELM_PLAN.v2);
    expect(upgraded.body.state, `${JSON.stringify(upgraded.body)}\n${broker.output().slice(-3000)}`).to.equal('succeeded');
    expect(await helmList()).to.deep.equal([`${release} 2 deployed`]);
    expect(await imageOf(release)).to.equal('registry.example/fixture-db:2.0');
    expect(await secretPassword(`${release}-credentials`), 'the chart keeps its password across upgrades (lookup)').to.equal(password);

    const refused = await update(base, HELM_PLAN.broken);
    expect(refused.body).to.deep.include({ state: 'failed', instance_usable: true });
    const [listed] = await helmList();
    expect(listed, 'a new revision with revision 2\'s content serves').to.match(new RegExp(`^${release} \\d+ deployed$`));
    expect(await imageOf(release)).to.equal('registry.example/fixture-db:2.0');
    const fetched = await call('GET', base);
    expect(fetched.body.plan_id).to.equal(HELM_PLAN.v2);

    const deleted = await call('DELETE', `${base}?service_id=${SERVICE_ID}&plan_id=${HELM_PLAN.v2}&accepts_incomplete=true`);
    expect(deleted.status, JSON.stringify(deleted.body)).to.equal(202);
    expect((await finished(base, deleted.body.operation)).status).to.equal(410);
    expect(await helmList()).to.deep.equal([]);
    expect(await objectsOf(release)).to.deep.equal([]);
    expect((await admin.core.listNamespacedSecret({ namespace: target, labelSelector: 'owner=helm' })).items, 'no release storage left').to.deep.equal([]);
  });

  it('leaves nothing behind when the install is refused', async () => {
    const { id, last } = await provision(HELM_PLAN.broken);
    expect(last.body.state, JSON.stringify(last.body)).to.equal('failed');
    expect(await helmList()).to.deep.equal([]);
    expect(await objectsOf(releaseNameOf(id))).to.deep.equal([]);
  });
});
