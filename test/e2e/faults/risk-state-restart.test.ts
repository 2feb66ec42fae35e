/**
 * Risk 1 (issue 11): on the last commit `mesitis serve` kept its state in
 * memory by default, so a pod restart forgot every instance and orphaned
 * its objects for good. Now the default store is the cluster: a broker
 * killed with SIGKILL and started again still knows a 20-object instance
 * and its binding, and removes everything on DELETE.
 *
 * Redis losing its data is a Redis-mode matter, documented here rather than
 * prevented: with the records gone the broker answers DELETE with 410 (it
 * cannot know the instance) and the objects stay; `mesitis doctor` then lists
 * them as orphans and `doctor --fix` removes them (they carry the instance
 * label and no record claims them).
 *
 * Risk 2 (/readyz turns 503 within a few seconds of an apiserver stall) is
 * test/e2e/readyz-apiserver.test.ts; not repeated here.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { BrokerProcess } from '../../support/broker-process.js';
import {
  call, configMapTemplate, createOffering, expectNoDrift, faultNamespaces, killHard, managedObjects, report, runDoctor, serviceTemplate, startServe,
  type DoctorJson, type FaultNamespaces, type TestOffering,
} from '../../support/fault-harness.js';
import { helmPrerequisite } from '../../support/helm.js';
import { requireOrSkip } from '../../support/prerequisites.js';
import { redisServerPrerequisite, startRedisServer, type RedisServer } from '../../support/redis-server.js';
import { waitUntil } from '../../support/real-cluster.js';
import { sharedTestCluster, testClusterPrerequisite } from '../../support/test-cluster.js';

describe('faults risk 1: a restarted broker, and a Redis that lost its data', function () {
  this.timeout(120_000);
  let ns: FaultNamespaces;
  let offering: TestOffering;
  let broker: BrokerProcess | undefined;
  let redis: RedisServer | undefined;

  before(async function () {
    requireOrSkip(this, 'the state-restart fault suite', testClusterPrerequisite() ?? helmPrerequisite());
    this.timeout(30 * 60_000);
    const cluster = await sharedTestCluster();
    ns = await faultNamespaces(cluster, 'risk1');
    offering = await createOffering(ns, {
      offering: 'risk1-svc',
      objects: [...Array.from({ length: 19 }, (_, i) => configMapTemplate(`r1-{{ instance.shortId }}-${i}`)), serviceTemplate('r1-{{ instance.shortId }}')],
      name: 'r1-{{ instance.shortId }}',
    });
  });

  afterEach(async () => {
    await broker?.stop();
    broker = undefined;
  });

  after(async () => {
    await redis?.stop();
    await ns?.remove();
  });

  it('default state: still knows the instance after kill -9 and a restart, and DELETE removes all 20 objects', async () => {
    const start = () => startServe({ kubeconfig: ns.brokerKubeconfig(), namespace: ns.brokerNs }, [offering.planId]);
    broker = await start();
    const id = randomUUID();
    const instance = `/v2/service_instances/${id}`;
    const binding = `${instance}/service_bindings/${randomUUID()}`;
    expect((await call(broker.url, 'PUT', instance, { body: offering.body() })).status).to.equal(201);
    const bound = await call(broker.url, 'PUT', binding, { body: offering.body() });
    expect(bound.status).to.equal(201);
    expect(await managedObjects(ns, id)).to.have.length(20);

    await killHard(broker);
    const restartedAt = Date.now();
    broker = await start();
    report(`risk 1 (default state): restarted broker serving again ${Date.now() - restartedAt} ms after the kill`);

    expect((await call(broker.url, 'GET', instance)).status).to.equal(200);
    const fetched = await call(broker.url, 'GET', binding);
    expect(fetched.status).to.equal(200);
    expect(fetched.body.credentials).to.deep.equal(bound.body.credentials);
    expect((await call(broker.url, 'DELETE', `${binding}?${offering.query}`)).status).to.equal(200);
    expect((await call(broker.url, 'DELETE', `${instance}?${offering.query}`)).status).to.equal(200);
    expect(await managedObjects(ns, id)).to.deep.equal([]);
    await expectNoDrift(ns);
  });

  it('Redis mode, Redis restarted empty: DELETE answers 410, the objects stay, doctor lists them and --fix removes them', async function () {
    requireOrSkip(this, 'the Redis data-loss case', redisServerPrerequisite());
    redis = await startRedisServer();
    const stateArgs = ['--redis-url', redis.url, '--redis-prefix', `risk1-${randomUUID()}:`];
    broker = await startServe({ kubeconfig: ns.brokerKubeconfig(), namespace: ns.brokerNs, extraArgs: stateArgs }, [offering.planId]);
    const id = randomUUID();
    const instance = `/v2/service_instances/${id}`;
    expect((await call(broker.url, 'PUT', instance, { body: offering.body() })).status).to.equal(201);
    expect(await managedObjects(ns, id)).to.have.length(20);

    await redis.halt();
    await redis.start(); // nothing persisted: every record is gone

    // The broker cannot know an instance whose record is lost (503 until its client has reconnected).
    const deleted = await waitUntil('Redis to answer again', () => call(broker!.url, 'DELETE', `${instance}?${offering.query}`), (r) => r.status !== 503, { timeoutMs: 20_000, intervalMs: 250 });
    expect(deleted.status, deleted.text).to.equal(410);
    expect(await managedObjects(ns, id), 'the objects of the forgotten instance').to.have.length(20);

    const found = await runDoctor(ns, '-o', 'json', ...stateArgs);
    expect(found.code, found.stderr).to.equal(1);
    const drift = JSON.parse(found.stdout) as DoctorJson;
    expect(drift.orphans.filter((o) => o.removable)).to.have.length(20);
    const fixedAt = Date.now();
    const fixed = await runDoctor(ns, '--fix', ...stateArgs);
    expect(fixed.code, `${fixed.stdout}\n${fixed.stderr}`).to.equal(0);
    report(`risk 1 (Redis lost its data): DELETE 410, 20 orphans; doctor --fix removed them in ${Date.now() - fixedAt} ms`);
    expect(await managedObjects(ns, id)).to.deep.equal([]);
    await expectNoDrift(ns, stateArgs);
  });
});
