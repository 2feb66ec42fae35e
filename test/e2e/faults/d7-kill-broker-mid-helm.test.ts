/**
 * D7: kill -9 of the broker in the middle of a Helm operation, on the test
 * cluster with the real helm, the Kubernetes state store and a second
 * replica already running. The fixture chart's offering (Secret, Service,
 * Deployment) is installed, upgraded (plan 1 -> 2, a new image) and
 * uninstalled; each time the broker that accepted the request is killed
 * while its helm runs.
 *
 * The moment: helm writes its release record (a Secret labelled owner=helm,
 * name=<release>, status=<state>) before it touches the objects and again
 * when it is done. The test watches those Secrets and, as soon as the one it
 * waits for appears (pending-install, pending-upgrade, uninstalling), stalls
 * the proxy between the killed broker and the apiserver (helm and broker
 * freeze where they are) and kills the broker together with its helm child,
 * as a container's death would: a helm left running by a killed parent
 * would simply finish. When helm was quicker than the watch (the state seen
 * is already deployed, or the release already gone), the kill lands after
 * helm returned and before the record says so: the line printed says which.
 *
 * The other replica (reaching the apiserver directly) takes the operation
 * over once the dead one's lock has expired: the provision ends succeeded
 * with one deployed revision whose objects the record names by uid; the
 * upgrade ends succeeded on the new revision, or failed with the previous
 * one serving and the instance usable, never with a release left pending;
 * the deprovision ends gone. Each ends with nothing left: no release, no
 * release storage, no object of the chart.
 *
 * An upgrade cut off whose target entry then changes cannot be finished as
 * asked: it ends failed, the previous revision serving. On the commit
 * before this test the release was left pending-upgrade (half upgraded,
 * while the record said the previous plan was restored), and the poll that
 * resumed it answered 500 (a TypeError settling a record already restored).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KubernetesObject } from '@kubernetes/client-node';
import { expect } from 'chai';
import { deriveServiceId } from '../../../src/domain/catalog-entry.js';
import { FIXTURE_CHART_DIR } from '../../contract/helm-releases.contract.js';
import type { BrokerProcess } from '../../support/broker-process.js';
import { applyChartRbac, applyObjects } from '../../support/chart-rbac.js';
import {
  call, expectNoDrift, faultNamespaces, killHard, kubernetesRecords, pollLastOperation, report, startServe, type FaultNamespaces,
} from '../../support/fault-harness.js';
import { buildHelm, helmPrerequisite, packageChart } from '../../support/helm.js';
import { HELM_OFFERING, HELM_PLAN, HELM_TEAM, helmOffering, releaseNameOf } from '../../support/helm-offering-fixture.js';
import { requireOrSkip } from '../../support/prerequisites.js';
import { kubeConfigFrom, waitUntil } from '../../support/real-cluster.js';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';
import { sharedTestCluster, testClusterPrerequisite } from '../../support/test-cluster.js';

const execFileAsync = promisify(execFile);
const SERVICE_ID = deriveServiceId(HELM_TEAM, HELM_OFFERING);
const CONSUMER = 'client-ns';
const V2_IMAGE = 'registry.example/fixture-db:2.0';
/** Lock TTL 15 s + reconcile interval 10 s + helm and a rollout on a simulated node, with room: an upper bound, not a target. */
const RECOVERY_BOUND_MS = 60_000;

interface HelmRecord { readonly version: number; readonly status: string }

/** Every process whose parent is `pid`, and theirs (from /proc). */
function descendantsOf(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch { /* gone meanwhile */ }
  }
  const found: number[] = [];
  for (let queue = [pid]; queue.length > 0;) {
    const children = parents.get(queue.shift()!) ?? [];
    found.push(...children);
    queue.push(...children);
  }
  return found;
}

describe('faults D7: kill -9 of the broker during a Helm operation (real helm)', function () {
  this.timeout(150_000);
  let ns: FaultNamespaces;
  let helm: string;
  let home: string;
  let proxy: TcpProxy | undefined;
  let proxied: string;
  let direct: string;
  const brokers: BrokerProcess[] = [];

  before(async function () {
    requireOrSkip(this, 'the D7 fault suite', testClusterPrerequisite() ?? helmPrerequisite());
    this.timeout(30 * 60_000);
    const [cluster, binary] = await Promise.all([sharedTestCluster(), buildHelm()]);
    helm = binary;
    home = await mkdtemp(join(tmpdir(), 'mesitis-d7-'));
    ns = await faultNamespaces(cluster, 'd7');
    await applyChartRbac(cluster.adminKubeconfig, ns.brokerNs, { targetNamespaces: [ns.targetNs], helmReleases: true });
    const chart = await packageChart(FIXTURE_CHART_DIR);
    await applyObjects(kubeConfigFrom(cluster.adminKubeconfig),
      helmOffering(chart, { provider: ns.brokerNs, target: ns.targetNs, consumer: CONSUMER, v2Values: { image: V2_IMAGE } }) as KubernetesObject[]);
    // The broker that is killed reaches the apiserver through a proxy it can be frozen behind; a little latency widens helm's window.
    proxy = await startTcpProxy('127.0.0.1', Number(new URL(cluster.server).port), { latencyMs: 20 });
    proxied = ns.brokerKubeconfig(`https://127.0.0.1:${proxy.port}`);
    direct = ns.brokerKubeconfig();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') for (const broker of brokers) console.log(`--- broker output (last 6000 chars) ---\n${broker.output().slice(-6000)}`);
    await Promise.all(brokers.splice(0).map((broker) => broker.stop()));
  });

  after(async () => {
    await proxy?.close();
    await ns?.remove();
    if (home !== undefined) await rm(home, { recursive: true, force: true });
  });

  /** The broker to kill (behind the proxy) and the replica that takes over, both serving the Helm plans. */
  const replicas = async () => {
    const serve = async (kubeconfig: string) => {
      const broker = await startServe({ kubeconfig, namespace: ns.brokerNs, extraArgs: ['--helm-binary', helm, '--readiness-timeout', '60'] }, [HELM_PLAN.v1, HELM_PLAN.v2]);
      brokers.push(broker);
      return broker;
    };
    const [first, second] = await Promise.all([serve(proxied), serve(direct)]);
    return { first, second };
  };

  /**
   * kill -9 of the broker and the helm it runs, at the moment the test saw:
   * the proxy stalls first (nothing either sends reaches the apiserver any
   * more), the broker is stopped so that its process tree holds still, then
   * everything is killed. Answers how many helm processes were running.
   */
  async function killWithHelm(broker: BrokerProcess): Promise<number> {
    proxy!.stall();
    const pid = broker.child.pid!;
    process.kill(pid, 'SIGSTOP');
    const children = descendantsOf(pid);
    for (const child of children) {
      try { process.kill(child, 'SIGKILL'); } catch { /* already gone */ }
    }
    await killHard(broker);
    await proxy!.restore();
    return children.length;
  }

  const helmRecords = async (release: string): Promise<HelmRecord[]> =>
    (await ns.admin.core.listNamespacedSecret({ namespace: ns.targetNs, labelSelector: `owner=helm,name=${release}` })).items
      .map((s) => ({ version: Number(s.metadata?.labels?.['version']), status: s.metadata?.labels?.['status'] ?? '?' }))
      .sort((a, b) => a.version - b.version);
  const waitForHelm = (what: string, release: string, done: (records: HelmRecord[]) => boolean) =>
    waitUntil(what, () => helmRecords(release), done, { timeoutMs: 30_000, intervalMs: 5 });
  const describeRecords = (records: readonly HelmRecord[]) => records.map((r) => `v${r.version} ${r.status}`).join(', ') || 'no release';

  /** `helm list` in the target namespace, every state, as a person runs it: "name revision status". */
  async function helmList(): Promise<string[]> {
    const { stdout } = await execFileAsync(helm, ['list', '--deployed', '--failed', '--pending', '--superseded', '--uninstalling', '--uninstalled', '--namespace', ns.targetNs, '--kubeconfig', ns.cluster.adminKubeconfig, '--output', 'json'], { env: { PATH: process.env['PATH'] ?? '', HOME: home } });
    return (JSON.parse(stdout) as { name: string; revision: string; status: string }[]).map((r) => `${r.name} ${r.revision} ${r.status}`);
  }

  /** The chart's objects of a release: kind/name/uid. */
  async function chartObjects(release: string) {
    const labelSelector = `app.kubernetes.io/instance=${release}`;
    const [deployments, services, secrets, pods] = await Promise.all([
      ns.admin.apps.listNamespacedDeployment({ namespace: ns.targetNs, labelSelector }),
      ns.admin.core.listNamespacedService({ namespace: ns.targetNs, labelSelector }),
      ns.admin.core.listNamespacedSecret({ namespace: ns.targetNs, labelSelector }),
      ns.admin.core.listNamespacedPod({ namespace: ns.targetNs, labelSelector }),
    ]);
    return [
      ...deployments.items.map((o) => ({ kind: 'Deployment', o })), ...services.items.map((o) => ({ kind: 'Service', o })),
      ...secrets.items.map((o) => ({ kind: 'Secret', o })), ...pods.items.map((o) => ({ kind: 'Pod', o })),
    ].map(({ kind, o }) => ({ kind, name: o.metadata!.name!, uid: o.metadata!.uid! }));
  }

  /** Rewrites a catalog entry's fields in place; answers how to put it back. */
  async function changeEntry(name: string, change: (fields: Record<string, unknown>) => void): Promise<() => Promise<void>> {
    const entry = await ns.admin.core.readNamespacedConfigMap({ namespace: ns.brokerNs, name });
    const original = entry.data!['wrapped-resource']!;
    const fields = JSON.parse(original) as Record<string, unknown>;
    change(fields);
    const write = (text: string) => ns.admin.core.patchNamespacedConfigMap({ namespace: ns.brokerNs, name, body: [{ op: 'replace', path: '/data/wrapped-resource', value: text }] });
    await write(JSON.stringify(fields));
    return async () => { await write(original); };
  }

  const imageOf = async (name: string) => (await ns.admin.apps.readNamespacedDeployment({ namespace: ns.targetNs, name })).spec?.template?.spec?.containers[0]?.image;
  const recordOf = async (id: string) => (await kubernetesRecords(ns)).find((r) => r.id === id && r.instanceId === undefined);
  const body = (plan: string) => ({
    service_id: SERVICE_ID, plan_id: plan, organization_guid: 'faults-org', space_guid: 'faults-space', context: { platform: 'kubernetes', namespace: CONSUMER },
  });
  const query = (plan: string) => `service_id=${SERVICE_ID}&plan_id=${plan}`;

  async function provisioned(url: string): Promise<{ id: string; path: string; release: string }> {
    const id = randomUUID();
    const path = `/v2/service_instances/${id}`;
    const put = await call(url, 'PUT', `${path}?accepts_incomplete=true`, { body: body(HELM_PLAN.v1) });
    expect(put.status, put.text).to.equal(202);
    const done = await pollLastOperation(() => url, path, (r) => r.status === 200 && r.body?.state !== 'in progress', RECOVERY_BOUND_MS);
    expect(done.last.body.state, done.last.text).to.equal('succeeded');
    return { id, path, release: releaseNameOf(id) };
  }

  /** The deprovision through `url` runs to 410, after which nothing of the release is left. */
  async function expectRemoved(url: string, path: string, plan: string, release: string): Promise<void> {
    const deleted = await call(url, 'DELETE', `${path}?accepts_incomplete=true&${query(plan)}`);
    expect(deleted.status, deleted.text).to.equal(202);
    await pollLastOperation(() => url, path, (r) => r.status === 410, RECOVERY_BOUND_MS);
    await expectNothingLeft(release);
  }

  async function expectNothingLeft(release: string): Promise<void> {
    expect(await helmList(), 'helm list').to.deep.equal([]);
    expect(await helmRecords(release), 'release storage').to.deep.equal([]);
    // helm deletes with background propagation: the Pods go a moment after their Deployment.
    await waitUntil('the release\'s Pods to be gone', () => chartObjects(release), (o) => o.length === 0, { timeoutMs: 30_000, intervalMs: 250 });
    await expectNoDrift(ns);
  }

  it('provision: killed while helm installs, finished by the other replica: one deployed revision, never "failed"; the deprovision removes it all', async () => {
    const { first, second } = await replicas();
    const id = randomUUID();
    const path = `/v2/service_instances/${id}`;
    const release = releaseNameOf(id);
    const put = await call(first.url, 'PUT', `${path}?accepts_incomplete=true`, { body: body(HELM_PLAN.v1) });
    expect(put.status, put.text).to.equal(202);
    const seen = await waitForHelm('helm to record the install', release, (r) => r.length > 0);
    const helms = await killWithHelm(first);
    const killedAt = Date.now();
    const left = await recordOf(id);
    expect(left?.status, 'the record the kill left').to.equal('provisioning');

    const result = await pollLastOperation(() => second.url, path, (r) => r.status === 200 && r.body?.state !== 'in progress', RECOVERY_BOUND_MS);
    report(`D7 provision: killed at ${describeRecords(seen)} (${helms} helm process(es) killed), record ${left?.status}; last_operation ${result.seen.join(' -> ')} ${Date.now() - killedAt} ms after the kill`);
    expect(result.seen.filter((state) => state === 'failed' || state.startsWith('HTTP 5')), 'states last_operation showed').to.deep.equal([]);
    expect(result.last.body.state, result.last.text).to.equal('succeeded');
    expect(await helmList()).to.deep.equal([`${release} 1 deployed`]);
    expect(await helmRecords(release)).to.deep.equal([{ version: 1, status: 'deployed' }]);
    // The record names the objects that exist (their uids), not those of an install the resume replaced.
    const live = (await chartObjects(release)).filter((o) => o.kind !== 'Pod');
    expect(live.map((o) => o.kind).sort()).to.deep.equal(['Deployment', 'Secret', 'Service']);
    const recorded = (await recordOf(id))?.objects ?? [];
    expect(recorded.map((o) => `${o.kind}/${o.name}/${o.uid}`).sort()).to.deep.equal(live.map((o) => `${o.kind}/${o.name}/${o.uid}`).sort());

    await expectRemoved(second.url, path, HELM_PLAN.v1, release);
  });

  it('upgrade: killed while helm upgrades, settled by the other replica: the new revision serves (or the previous one, usable), never a pending release', async () => {
    const { first, second } = await replicas();
    const { id, path, release } = await provisioned(first.url);
    const patch = await call(first.url, 'PATCH', `${path}?accepts_incomplete=true`, { body: body(HELM_PLAN.v2) });
    expect(patch.status, patch.text).to.equal(202);
    const seen = await waitForHelm('helm to record the upgrade', release, (r) => r.some((record) => record.version >= 2));
    const helms = await killWithHelm(first);
    const killedAt = Date.now();
    const left = await recordOf(id);

    const result = await pollLastOperation(() => second.url, path, (r) => r.status === 200 && r.body?.state !== 'in progress', RECOVERY_BOUND_MS);
    const records = await helmRecords(release);
    report(`D7 upgrade: killed at ${describeRecords(seen)} (${helms} helm process(es) killed), record ${left?.status}; last_operation ${result.seen.join(' -> ')} ${Date.now() - killedAt} ms after the kill; helm history ${describeRecords(records)}`);
    expect(result.seen.filter((state) => state.startsWith('HTTP 5')), 'server errors last_operation answered').to.deep.equal([]);
    const [listed] = await helmList();
    expect(listed, 'the latest revision is deployed, not pending').to.match(new RegExp(`^${release} \\d+ deployed$`));
    expect(records.filter((r) => r.status === 'deployed'), 'one revision serves').to.have.length(1);
    const fetched = await call(second.url, 'GET', path);
    if (result.last.body.state === 'succeeded') {
      expect(await imageOf(release)).to.equal(V2_IMAGE);
      expect(fetched.body.plan_id).to.equal(HELM_PLAN.v2);
    } else {
      expect(result.last.body, 'a failed update leaves the instance usable').to.deep.include({ state: 'failed', instance_usable: true });
      expect(await imageOf(release)).to.equal('registry.example/fixture-db:1.0');
      expect(fetched.body.plan_id).to.equal(HELM_PLAN.v1);
    }

    await expectRemoved(second.url, path, fetched.body.plan_id as string, release);
  });

  it('upgrade: killed while helm upgrades, the target changed before anyone resumed: failed, the previous revision serving and usable, nothing pending', async () => {
    const { first, second } = await replicas();
    const { id, path, release } = await provisioned(first.url);
    const patch = await call(first.url, 'PATCH', `${path}?accepts_incomplete=true`, { body: body(HELM_PLAN.v2) });
    expect(patch.status, patch.text).to.equal(202);
    const seen = await waitForHelm('helm to record the upgrade', release, (r) => r.some((record) => record.version >= 2));
    const helms = await killWithHelm(first);
    const killedAt = Date.now();
    const left = await recordOf(id);
    // The provider changes the target entry while the dead broker's lock holds everyone off: the update cannot be finished as asked.
    const restoreEntry = await changeEntry('entry-helm-v2', (fields) => {
      const provisiondata = fields['ProvisionHelmChart'] as { values: Record<string, unknown> };
      provisiondata.values['image'] = 'registry.example/fixture-db:2.1';
    });
    try {
      const result = await pollLastOperation(() => second.url, path, (r) => r.status === 200 && r.body?.state !== 'in progress', RECOVERY_BOUND_MS);
      const records = await helmRecords(release);
      report(`D7 upgrade, target changed: killed at ${describeRecords(seen)} (${helms} helm process(es) killed), record ${left?.status}; last_operation ${result.seen.join(' -> ')} ${Date.now() - killedAt} ms after the kill; helm history ${describeRecords(records)}`);
      expect(result.seen, 'states last_operation showed').to.deep.equal(['in progress', 'failed']);
      expect(result.last.body, 'the update cannot finish: failed, the instance usable').to.deep.include({ state: 'failed', instance_usable: true });
      const [listed] = await helmList();
      expect(listed, 'the latest revision is deployed, not pending').to.match(new RegExp(`^${release} \\d+ deployed$`));
      expect(records.filter((r) => r.status === 'deployed'), 'one revision serves').to.have.length(1);
      expect(await imageOf(release), 'the previous revision\'s content serves').to.equal('registry.example/fixture-db:1.0');
      expect((await call(second.url, 'GET', path)).body.plan_id).to.equal(HELM_PLAN.v1);
      await expectRemoved(second.url, path, HELM_PLAN.v1, release);
    } finally {
      await restoreEntry();
    }
  });

  it('deprovision: killed while helm uninstalls, finished by the other replica: gone, nothing left', async () => {
    const { first, second } = await replicas();
    const { id, path, release } = await provisioned(first.url);
    const deleted = await call(first.url, 'DELETE', `${path}?accepts_incomplete=true&${query(HELM_PLAN.v1)}`);
    expect(deleted.status, deleted.text).to.equal(202);
    const seen = await waitForHelm('helm to start uninstalling', release, (r) => r.length === 0 || r.some((record) => record.status === 'uninstalling'));
    const helms = await killWithHelm(first);
    const killedAt = Date.now();
    const left = await recordOf(id);

    const result = await pollLastOperation(() => second.url, path, (r) => r.status === 410 || (r.status === 200 && r.body?.state !== 'in progress'), RECOVERY_BOUND_MS);
    report(`D7 deprovision: killed at ${describeRecords(seen)} (${helms} helm process(es) killed), record ${left?.status}; last_operation ${result.seen.join(' -> ')} ${Date.now() - killedAt} ms after the kill`);
    expect(result.seen.filter((state) => state === 'failed' || state.startsWith('HTTP 5')), 'states last_operation showed').to.deep.equal([]);
    expect(result.last.status, result.last.text).to.equal(410);
    expect((await call(second.url, 'DELETE', `${path}?${query(HELM_PLAN.v1)}`)).status).to.equal(410);
    await expectNothingLeft(release);
  });
});
