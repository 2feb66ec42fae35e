/**
 * D4 (issue 11): kill -9 of the broker in the middle of an async provision
 * and of an async deprovision, with the Kubernetes state store (a second
 * replica already running takes the work over) and with Redis (the broker
 * is started again). On the last commit last_operation said "in progress"
 * for the readiness timeout + 120 s (7 minutes by default) while PUT and
 * DELETE answered 202 with the dead operation, and then "failed" even when
 * every object had in fact been created, or removed.
 *
 * Now the interrupted operation is resumed from its record by whichever
 * replica finds it once the dead one's lock has expired: last_operation
 * reaches succeeded (provision) or succeeded/410 (deprovision) within lock
 * TTL (15 s) + reconcile interval (10 s) + the rollout, and never says
 * "failed". The time from the kill to that answer is printed.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { BrokerProcess } from '../../support/broker-process.js';
import {
  call, createOffering, deploymentTemplate, expectNoDrift, faultNamespaces, killHard, managedObjects, pollLastOperation, report, serviceTemplate, startServe,
  type FaultNamespaces, type TestOffering,
} from '../../support/fault-harness.js';
import { helmPrerequisite } from '../../support/helm.js';
import { requireOrSkip } from '../../support/prerequisites.js';
import { waitForRollout, waitUntil } from '../../support/real-cluster.js';
import { redisServerPrerequisite, startRedisServer, type RedisServer } from '../../support/redis-server.js';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';
import { sharedTestCluster, testClusterPrerequisite } from '../../support/test-cluster.js';

const slowDeployment = (name: string) => {
  const deployment = deploymentTemplate(name);
  return { ...deployment, spec: { ...deployment.spec, minReadySeconds: 4 } };
};

/** Lock TTL 15 s + reconcile interval 10 s + a rollout on a simulated node + a broker start, with room: an upper bound, not a target. */
const RECOVERY_BOUND_MS = 60_000;

describe('faults D4: kill -9 of the broker during async operations', function () {
  this.timeout(150_000);
  let ns: FaultNamespaces;
  let offering: TestOffering;
  let redis: RedisServer | undefined;
  let proxy: TcpProxy | undefined;
  let kubeconfig: string;
  const brokers: BrokerProcess[] = [];

  before(async function () {
    requireOrSkip(this, 'the D4 fault suite', testClusterPrerequisite() ?? helmPrerequisite() ?? redisServerPrerequisite());
    this.timeout(30 * 60_000);
    const cluster = await sharedTestCluster();
    ns = await faultNamespaces(cluster, 'd4');
    offering = await createOffering(ns, {
      offering: 'd4-app',
      // minReadySeconds holds the rollout open for a few seconds after the Pod runs: the kill lands inside it.
      objects: [slowDeployment('d4-{{ instance.shortId }}'), serviceTemplate('d4-{{ instance.shortId }}')],
    });
    redis = await startRedisServer();
    // A little latency between the broker and the apiserver, so the kill can land between two creates.
    proxy = await startTcpProxy('127.0.0.1', Number(new URL(cluster.server).port), { latencyMs: 20 });
    kubeconfig = ns.brokerKubeconfig(`https://127.0.0.1:${proxy.port}`);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') for (const broker of brokers) console.log(`--- broker output (last 6000 chars) ---\n${broker.output().slice(-6000)}`);
    await Promise.all(brokers.splice(0).map((broker) => broker.stop()));
  });

  after(async () => {
    await redis?.stop();
    await proxy?.close();
    await ns?.remove();
  });

  const stores = [
    { store: 'kubernetes', takeover: 'a second replica already running', stateArgs: (): string[] => [] },
    { store: 'redis', takeover: 'the broker started again', stateArgs: (): string[] => ['--redis-url', redis!.url, '--redis-prefix', `d4-${prefix}:`] },
  ] as const;
  const prefix = randomUUID();

  const serve = async (stateArgs: string[]) => {
    const broker = await startServe({ kubeconfig, namespace: ns.brokerNs, extraArgs: ['--readiness-timeout', '60', ...stateArgs] }, [offering.planId]);
    brokers.push(broker);
    return broker;
  };
  /** What the cluster says about an instance's workload, for a failure message. */
  const diagnose = async (id: string) => {
    const objects = await managedObjects(ns, id);
    const deployments = (await ns.admin.apps.listNamespacedDeployment({ namespace: ns.targetNs })).items.map((d) => ({ name: d.metadata?.name, uid: d.metadata?.uid, generation: d.metadata?.generation, status: d.status }));
    const pods = (await ns.admin.core.listNamespacedPod({ namespace: ns.targetNs })).items.map((p) => ({ name: p.metadata?.name, phase: p.status?.phase, node: p.spec?.nodeName, deleting: p.metadata?.deletionTimestamp }));
    const events = (await ns.admin.core.listNamespacedEvent({ namespace: ns.targetNs })).items.map((e) => `${e.involvedObject.kind}/${e.involvedObject.name}: ${e.reason} ${e.message}`);
    const nodes = (await ns.admin.core.listNode()).items.map((n) => ({ name: n.metadata?.name, taints: n.spec?.taints, ready: n.status?.conditions?.find((c) => c.type === 'Ready') }));
    return JSON.stringify({ objects, deployments, pods, events, nodes }, null, 1);
  };
  const podsOfInstance = async (id: string) => (await managedObjects(ns, id)).filter((o) => o.kind === 'Pod');
  const appPods = async (name: string) => (await ns.admin.core.listNamespacedPod({ namespace: ns.targetNs, labelSelector: `app=${name}` })).items;

  for (const { store, takeover, stateArgs } of stores) {
    describe(`with the ${store} state store, ${takeover}`, () => {
      /** The broker that was killed, and the one that finishes. */
      const brokersFor = async () => {
        const args = stateArgs();
        const first = await serve(args);
        const second = store === 'kubernetes' ? await serve(args) : undefined;
        return { args, first, survivor: async () => second ?? (await serve(args)) };
      };

      it('provision: killed while rolling out, finished by the other broker, never "failed"', async () => {
        const { args, first, survivor } = await brokersFor();
        const id = randomUUID();
        const path = `/v2/service_instances/${id}`;
        const put = await call(first.url, 'PUT', `${path}?accepts_incomplete=true`, { body: offering.body() });
        expect(put.status, put.text).to.equal(202);
        // Mid-way: the first object exists; the rollout has not finished.
        const partial = await waitUntil('the provision to be under way', () => managedObjects(ns, id), (o) => o.length >= 1, { timeoutMs: 10_000, intervalMs: 5 });
        await killHard(first);
        const killedAt = Date.now();
        const next = await survivor();
        // The dead broker's lock holds everyone off for its TTL: what the record says now is what the kill left.
        expect((await call(next.url, 'GET', `${path}/last_operation`)).body?.state, 'killed before the rollout finished').to.equal('in progress');
        const result = await pollLastOperation(() => next.url, path, (r) => r.status === 200 && r.body?.state !== 'in progress', RECOVERY_BOUND_MS);
        const recoveryMs = Date.now() - killedAt;
        report(`D4 ${store} provision: killed with ${partial.map((o) => o.kind).join('+')} made; last_operation ${result.seen.join(' -> ')} ${recoveryMs} ms after the kill`);
        if (result.last.body.state !== 'succeeded') console.log(await diagnose(id));
        expect(result.seen, 'states last_operation showed').to.not.include('failed');
        expect(result.last.body.state).to.equal('succeeded');
        const name = `d4-${(await managedObjects(ns, id)).find((o) => o.kind === 'Service')!.name.slice(3)}`;
        await waitForRollout(ns.admin, ns.targetNs, name, 5_000);
        expect((await managedObjects(ns, id)).filter((o) => o.kind === 'Deployment' || o.kind === 'Service')).to.have.length(2);
        expect((await call(next.url, 'GET', path)).status).to.equal(200);

        const deleted = await call(next.url, 'DELETE', `${path}?accepts_incomplete=true&${offering.query}`);
        expect(deleted.status).to.equal(202);
        await pollLastOperation(() => next.url, path, (r) => r.status === 410 || r.body?.state === 'succeeded', RECOVERY_BOUND_MS);
        expect(await managedObjects(ns, id)).to.deep.equal([]);
        await expectNoDrift(ns, store === 'redis' ? args : []);
      });

      it('deprovision: killed while removing, finished by the other broker, never "failed"', async () => {
        const { args, first, survivor } = await brokersFor();
        const id = randomUUID();
        const path = `/v2/service_instances/${id}`;
        expect((await call(first.url, 'PUT', `${path}?accepts_incomplete=true`, { body: offering.body() })).status).to.equal(202);
        await pollLastOperation(() => first.url, path, (r) => r.body?.state === 'succeeded', RECOVERY_BOUND_MS);
        const name = (await managedObjects(ns, id)).find((o) => o.kind === 'Deployment')!.name;
        expect(await appPods(name)).to.have.length(1);

        const deleted = await call(first.url, 'DELETE', `${path}?accepts_incomplete=true&${offering.query}`);
        expect(deleted.status, deleted.text).to.equal(202);
        await killHard(first);
        const killedAt = Date.now();
        const left = (await managedObjects(ns, id)).map((o) => o.kind);
        const next = await survivor();
        const result = await pollLastOperation(() => next.url, path, (r) => r.status === 410 || (r.status === 200 && r.body?.state !== 'in progress'), RECOVERY_BOUND_MS);
        const recoveryMs = Date.now() - killedAt;
        report(`D4 ${store} deprovision: killed with ${left.join('+') || 'nothing'} left; last_operation ${result.seen.join(' -> ')} ${recoveryMs} ms after the kill`);
        expect(result.seen, 'states last_operation showed').to.not.include('failed');
        expect(result.last.status === 410 || result.last.body?.state === 'succeeded', result.last.text).to.equal(true);
        // Finished means gone: the objects, and (Foreground deletion) the Pods too.
        expect(await managedObjects(ns, id)).to.deep.equal([]);
        expect(await podsOfInstance(id)).to.deep.equal([]);
        expect(await appPods(name)).to.deep.equal([]);
        expect((await call(next.url, 'DELETE', `${path}?${offering.query}`)).status).to.equal(410);
        await expectNoDrift(ns, store === 'redis' ? args : []);
      });
    });
  }
});
