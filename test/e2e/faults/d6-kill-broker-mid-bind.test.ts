/**
 * D6 (issue 13, point 3): kill -9 of the broker in the middle of an
 * asynchronous bind, with the Kubernetes state store and a second replica
 * already running. Each binding of the offering gets a ConfigMap and then a
 * Deployment of its own (minReadySeconds holds its rollout open for a few
 * seconds), so binds answer 202 and are polled through the binding's
 * last_operation. The apiserver is reached through a proxy with a little
 * latency, and the broker is killed as soon as the ConfigMap exists: most
 * often before the Deployment's create (the bind job still held the lock),
 * else while the rollout runs. The measured line says which.
 *
 * The dead broker's bind is taken over from its record once its lock has
 * expired: the surviving replica creates what was not created yet (or finds
 * it all there) and judges readiness, so last_operation reaches succeeded
 * without ever saying failed, GET binding then answers, and the unbind
 * removes exactly what the bind made (its Deployment and the Pods behind it).
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { BrokerProcess } from '../../support/broker-process.js';
import {
  call, configMapTemplate, createOffering, deploymentTemplate, expectNoDrift, faultNamespaces, killHard, kubernetesRecords, managedObjects, pollLastOperation, report,
  serviceTemplate, startServe,
  type FaultNamespaces, type TestOffering,
} from '../../support/fault-harness.js';
import { helmPrerequisite } from '../../support/helm.js';
import { requireOrSkip } from '../../support/prerequisites.js';
import { waitUntil } from '../../support/real-cluster.js';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';
import { sharedTestCluster, testClusterPrerequisite } from '../../support/test-cluster.js';

/** Lock TTL 15 s + reconcile interval 10 s + a rollout on a simulated node, with room: an upper bound, not a target. */
const RECOVERY_BOUND_MS = 60_000;

describe('faults D6: kill -9 of the broker during an asynchronous bind', function () {
  this.timeout(150_000);
  let ns: FaultNamespaces;
  let offering: TestOffering;
  let proxy: TcpProxy | undefined;
  let kubeconfig: string;
  const brokers: BrokerProcess[] = [];

  before(async function () {
    requireOrSkip(this, 'the D6 fault suite', testClusterPrerequisite() ?? helmPrerequisite());
    this.timeout(30 * 60_000);
    const cluster = await sharedTestCluster();
    ns = await faultNamespaces(cluster, 'd6');
    offering = await createOffering(ns, { offering: 'd6-db', objects: [serviceTemplate('d6-{{ instance.shortId }}')] });
    // The entry's bindings get objects of their own: a Deployment per binding, which takes time to roll out.
    const entry = await ns.admin.core.readNamespacedConfigMap({ namespace: ns.brokerNs, name: offering.entryName });
    const payload = JSON.parse(entry.data!['wrapped-resource']!) as { provisiondata: Record<string, unknown> };
    payload.provisiondata['bindingLabelSelector'] = 'mesitis/binding-of=d6-db';
    await ns.admin.core.replaceNamespacedConfigMap({ namespace: ns.brokerNs, name: offering.entryName, body: { ...entry, data: { 'wrapped-resource': JSON.stringify(payload) } } });
    const user = deploymentTemplate('d6-user-{{ binding.shortId }}');
    const templates = [configMapTemplate('d6-user-grant-{{ binding.shortId }}'), { ...user, spec: { ...user.spec, minReadySeconds: 4 } }];
    for (const [i, object] of templates.entries()) {
      await ns.admin.core.createNamespacedConfigMap({ namespace: ns.brokerNs, body: {
        metadata: { name: `d6-db-binding-t0${i}`, labels: { 'mesitis/kind': 'wrapped-resource', 'mesitis/enabled': 'true', 'mesitis/binding-of': 'd6-db', 'mesitis/order': String(i + 1) } },
        data: { 'wrapped-resource': JSON.stringify(object) },
      } });
    }
    // A little latency between the brokers and the apiserver, so the kill can land between two creates.
    proxy = await startTcpProxy('127.0.0.1', Number(new URL(cluster.server).port), { latencyMs: 20 });
    kubeconfig = ns.brokerKubeconfig(`https://127.0.0.1:${proxy.port}`);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') for (const broker of brokers) console.log(`--- broker output (last 6000 chars) ---\n${broker.output().slice(-6000)}`);
    await Promise.all(brokers.splice(0).map((broker) => broker.stop()));
  });

  after(async () => {
    await proxy?.close();
    await ns?.remove();
  });

  const serve = async () => {
    const broker = await startServe({ kubeconfig, namespace: ns.brokerNs, extraArgs: ['--readiness-timeout', '60'] }, [offering.planId]);
    brokers.push(broker);
    return broker;
  };
  const bindingObjects = async (id: string) => (await managedObjects(ns, id)).filter((o) => o.name.startsWith('d6-user-'));

  it('bind: killed mid-way, finished by the other replica, never "failed"; the unbind then removes exactly what it made', async () => {
    const [first, second] = [await serve(), await serve()];
    const id = randomUUID();
    const instance = `/v2/service_instances/${id}`;
    expect((await call(first.url, 'PUT', instance, { body: offering.body() })).status).to.equal(201);
    const path = `${instance}/service_bindings/b-${randomUUID()}`;
    const put = await call(first.url, 'PUT', `${path}?accepts_incomplete=true`, { body: offering.body() });
    expect(put.status, put.text).to.equal(202);
    // Mid-way: the binding's first object exists.
    const partial = await waitUntil('the bind to be under way', () => bindingObjects(id), (o) => o.length > 0, { timeoutMs: 10_000, intervalMs: 5 });
    await killHard(first);
    const killedAt = Date.now();
    const left = (await kubernetesRecords(ns)).find((r) => r.instanceId === id);
    expect((await call(second.url, 'GET', path)).status, 'GET binding while the bind is in progress').to.equal(404);

    const result = await pollLastOperation(() => second.url, path, (r) => r.status === 200 && r.body?.state !== 'in progress', RECOVERY_BOUND_MS);
    report(`D6 bind: killed with ${partial.map((o) => o.kind).join('+')} made, the record ${left?.status ?? 'absent'}; binding last_operation ${result.seen.join(' -> ')} ${Date.now() - killedAt} ms after the kill`);
    expect(result.seen, 'states last_operation showed').to.not.include('failed');
    expect(result.last.body.state).to.equal('succeeded');
    expect((await call(second.url, 'GET', path)).status).to.equal(200);
    expect((await bindingObjects(id)).filter((o) => o.kind === 'Deployment' || o.kind === 'ConfigMap').map((o) => o.kind).sort()).to.deep.equal(['ConfigMap', 'Deployment']);

    const deleted = await call(second.url, 'DELETE', `${path}?accepts_incomplete=true&${offering.query}`);
    expect([200, 202], deleted.text).to.include(deleted.status);
    if (deleted.status === 202) await pollLastOperation(() => second.url, path, (r) => r.status === 410, RECOVERY_BOUND_MS);
    expect((await call(second.url, 'GET', `${path}/last_operation`)).status).to.equal(410);
    await waitUntil('the binding\'s Deployment and Pods to be gone', () => bindingObjects(id), (o) => o.length === 0, { timeoutMs: 30_000, intervalMs: 250 });
    // The instance's own Service is untouched by the unbind.
    expect((await managedObjects(ns, id)).map((o) => o.kind)).to.deep.equal(['Service']);

    expect((await call(second.url, 'DELETE', `${instance}?accepts_incomplete=true&${offering.query}`)).status).to.be.oneOf([200, 202]);
    await pollLastOperation(() => second.url, instance, (r) => r.status === 410 || r.body?.state === 'succeeded', RECOVERY_BOUND_MS);
    await expectNoDrift(ns);
  });
});
