/**
 * D3 (issue 11): bindings die with their instance. On the last commit,
 * binds sent while a synchronous deprovision ran got 201 and left binding
 * records behind the deleted instance; when an instance with the same id was
 * later provisioned from another namespace, the first namespace's view
 * fetched a stale binding carrying the new instance's credentials.
 *
 * Now a bind takes the instance lock and is refused once a deprovision has
 * started (422 ConcurrencyError), or finds the instance gone (410/404);
 * no binding record remains. The apiserver is reached through a proxy with
 * a little latency so the 20-object deprovision lasts long enough to bind
 * into it. Binds wait for the instance lock (up to lockWaitMs), so during a
 * short synchronous deprovision they answer 404 once it is done; the second
 * test holds an async deprovision open with a finalizer the test owns, to see
 * the 422 itself.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { BrokerProcess } from '../../support/broker-process.js';
import {
  call, configMapTemplate, createOffering, expectNoDrift, faultNamespaces, kubernetesRecords, managedObjects, report, serviceTemplate, startServe,
  type FaultNamespaces, type TestOffering,
} from '../../support/fault-harness.js';
import { helmPrerequisite } from '../../support/helm.js';
import { requireOrSkip } from '../../support/prerequisites.js';
import { waitUntil } from '../../support/real-cluster.js';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';
import { sharedTestCluster, testClusterPrerequisite } from '../../support/test-cluster.js';

const FINALIZER = 'faults.mesitis.test/hold';

describe('faults D3: binds racing a deprovision', function () {
  this.timeout(120_000);
  let ns: FaultNamespaces;
  let offering: TestOffering;
  let held: TestOffering;
  let proxy: TcpProxy;
  let broker: BrokerProcess | undefined;

  before(async function () {
    requireOrSkip(this, 'the D3 fault suite', testClusterPrerequisite() ?? helmPrerequisite());
    this.timeout(30 * 60_000);
    const cluster = await sharedTestCluster();
    ns = await faultNamespaces(cluster, 'd3');
    offering = await createOffering(ns, {
      offering: 'd3-svc',
      objects: [...Array.from({ length: 19 }, (_, i) => configMapTemplate(`d3-{{ instance.shortId }}-${i}`)), serviceTemplate('d3-{{ instance.shortId }}')],
      name: 'd3-{{ instance.shortId }}',
    });
    // A ConfigMap with a finalizer the test owns: its deprovision stays in progress until the test lets it go.
    held = await createOffering(ns, {
      offering: 'd3-held',
      objects: [{ ...configMapTemplate('d3-held-{{ instance.shortId }}'), metadata: { name: 'd3-held-{{ instance.shortId }}', finalizers: [FINALIZER] } }],
    });
    proxy = await startTcpProxy('127.0.0.1', Number(new URL(cluster.server).port), { latencyMs: 15 });
    broker = await startServe({ kubeconfig: ns.brokerKubeconfig(`https://127.0.0.1:${proxy.port}`), namespace: ns.brokerNs }, [offering.planId, held.planId]);
  });

  /** Lets go of every object the test's finalizer still holds (else the namespace could never be deleted). */
  const release = async () => {
    for (const item of (await ns.admin.core.listNamespacedConfigMap({ namespace: ns.targetNs })).items) {
      if (!item.metadata?.finalizers?.includes(FINALIZER)) continue;
      await ns.admin.core.replaceNamespacedConfigMap({ namespace: ns.targetNs, name: item.metadata.name!, body: { ...item, metadata: { ...item.metadata, finalizers: item.metadata.finalizers.filter((f) => f !== FINALIZER) } } });
    }
  };

  after(async () => {
    if (ns) await release().catch(() => undefined);
    await broker?.stop();
    await proxy?.close();
    await ns?.remove();
  });

  it('refuses binds once the deprovision started, keeps no binding record, and the next owner of the id sees none of them', async () => {
    const id = randomUUID();
    const first = `/namespaces/client-ns/v2/service_instances/${id}`;
    expect((await call(broker!.url, 'PUT', first, { body: offering.body('client-ns') })).status).to.equal(201);

    const deleting = call(broker!.url, 'DELETE', `${first}?${offering.query}`);
    let deleted = false;
    void deleting.then(() => (deleted = true), () => (deleted = true));
    // The deprovision has started once its intent is in the record.
    await waitUntil('the deprovision to start', async () => (await kubernetesRecords(ns)).find((r) => r.id === id)?.status, (s) => s !== 'ready', { timeoutMs: 10_000, intervalMs: 5 });

    const answers: { binding: string; status: number; during: boolean }[] = [];
    const bindOnce = async () => {
      const binding = randomUUID();
      const during = !deleted;
      const r = await call(broker!.url, 'PUT', `${first}/service_bindings/${binding}`, { body: offering.body('client-ns') });
      answers.push({ binding, status: r.status, during });
    };
    // Several binds at once, again and again, until the DELETE has answered; then one more.
    while (!deleted) await Promise.all([bindOnce(), bindOnce(), bindOnce()]);
    await bindOnce();
    expect((await deleting).status).to.equal(200);

    report(`D3: ${answers.length} binds: ${JSON.stringify(answers.reduce<Record<string, number>>((acc, a) => ({ ...acc, [`${a.status}${a.during ? ' during' : ' after'}`]: (acc[`${a.status}${a.during ? ' during' : ' after'}`] ?? 0) + 1 }), {}))}`);
    expect(answers.filter((a) => a.during), 'binds sent while the deprovision ran').to.not.be.empty;
    expect(answers.filter((a) => ![422, 410, 404].includes(a.status)), 'binds not refused').to.deep.equal([]);
    expect((await kubernetesRecords(ns)).filter((r) => r.instanceId === id), 'binding records of the deleted instance').to.deep.equal([]);
    expect(await managedObjects(ns, id)).to.deep.equal([]);

    // The same id, provisioned from another namespace: the first namespace's view finds none of the old bindings.
    const second = `/namespaces/other-ns/v2/service_instances/${id}`;
    expect((await call(broker!.url, 'PUT', second, { body: offering.body('other-ns') })).status).to.equal(201);
    for (const { binding } of answers) {
      const fetched = await call(broker!.url, 'GET', `${first}/service_bindings/${binding}`);
      expect(fetched.status, `binding ${binding} through the first namespace's view`).to.be.oneOf([404, 410]);
      expect(fetched.body?.credentials).to.equal(undefined);
    }
    expect((await call(broker!.url, 'GET', first)).status, 'the instance through the first namespace\'s view').to.be.oneOf([404, 410]);
    expect((await call(broker!.url, 'DELETE', `${second}?${offering.query}`)).status).to.equal(200);
    expect(await managedObjects(ns, id)).to.deep.equal([]);
    await expectNoDrift(ns);
  });

  // An object held by a finalizer (a custom resource's operator; here a ConfigMap) keeps the deprovision in
  // progress until it is really gone: last_operation must not say 410, nor binds 404, before that.
  it('refuses binds with 422 ConcurrencyError while an async deprovision is still removing, and keeps no binding record', async () => {
    const id = randomUUID();
    const path = `/v2/service_instances/${id}`;
    expect((await call(broker!.url, 'PUT', path, { body: held.body() })).status).to.equal(201);
    const [object] = await managedObjects(ns, id);
    const deleted = await call(broker!.url, 'DELETE', `${path}?accepts_incomplete=true&${held.query}`);
    expect(deleted.status, deleted.text).to.equal(202);
    // The object is terminating, held by the finalizer: the deprovision is running.
    await waitUntil('the object to be terminating', () => ns.admin.core.readNamespacedConfigMap({ namespace: ns.targetNs, name: object!.name }), (c) => c.metadata?.deletionTimestamp !== undefined, { timeoutMs: 10_000 });

    const bindings = [randomUUID(), randomUUID(), randomUUID()];
    const started = Date.now();
    const answers = await Promise.all(bindings.map((b) => call(broker!.url, 'PUT', `${path}/service_bindings/${b}`, { body: held.body() })));
    const during = await call(broker!.url, 'GET', `${path}/last_operation`);
    report(`D3 (async deprovision held open): binds answered ${answers.map((a) => `${a.status} ${a.body?.error ?? ''}`.trim()).join(', ')} after ${Date.now() - started} ms; ` +
      `last_operation meanwhile ${during.status} ${during.text}; record ${JSON.stringify((await kubernetesRecords(ns)).find((r) => r.id === id)?.status)}; object still there: ${(await managedObjects(ns, id)).length}`);
    for (const answer of answers) {
      expect(answer.status, answer.text).to.equal(422);
      expect(answer.body.error).to.equal('ConcurrencyError');
    }
    expect(during.body?.state, 'the deprovision while its object is still there').to.equal('in progress');

    // Let the object go: the deprovision finishes, and the binds sent meanwhile left nothing.
    await release();
    await waitUntil('the deprovision to finish', () => call(broker!.url, 'GET', `${path}/last_operation`), (r) => r.status === 410 || r.body?.state === 'succeeded', { timeoutMs: 30_000, intervalMs: 250 });
    for (const b of bindings) expect((await call(broker!.url, 'GET', `${path}/service_bindings/${b}`)).status).to.be.oneOf([404, 410]);
    expect((await kubernetesRecords(ns)).filter((r) => r.instanceId === id)).to.deep.equal([]);
    expect(await managedObjects(ns, id)).to.deep.equal([]);
    await expectNoDrift(ns);
  });
});
