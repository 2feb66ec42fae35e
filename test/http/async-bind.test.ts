/**
 * Asynchronous bindings over OSB (2.14+), through the real Koa app on the
 * memory cluster with no simulated controllers, so a binding's Job stays
 * running until the test completes it: PUT 202 {operation} (again 202 while
 * in progress), 404 on GET meanwhile, binding last_operation, 410 once an
 * unbind finished, 422 AsyncRequired without accepts_incomplete (or from a
 * platform older than 2.14), and no credential on the way.
 */
import { expect } from 'chai';
import { startMemoryBroker, type MemoryBroker } from '../support/memory-broker.js';
import { osb } from '../support/osb-client.js';
import { completeJob, JOB_USERS, jobUsersBody, jobUsersObjects, jobUsersOffering, jobUsersQuery } from '../support/async-binding-fixture.js';
import { providerFixture } from '../support/provider-fixture.js';

const INSTANCE = '/v2/service_instances/i-jobs';
const binding = (id: string) => `${INSTANCE}/service_bindings/${id}`;
const lastOperation = (id: string, query = jobUsersQuery) => osb(brokerUrl, 'GET', `${binding(id)}/last_operation?${query}`);
let brokerUrl = '';

async function pollUntilDone(id: string, operation: string): Promise<{ status: number; body: any }> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const polled = await lastOperation(id, `${jobUsersQuery}&operation=${encodeURIComponent(operation)}`);
    if (polled.status !== 200 || polled.body.state !== 'in progress') return polled;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${id}: still in progress after 2 s`);
}

describe('asynchronous bindings over OSB', () => {
  let broker: MemoryBroker;
  const start = async (settings = {}) => {
    broker = await startMemoryBroker({ objects: [...providerFixture(), ...jobUsersOffering()], simulateControllers: false, settings });
    brokerUrl = broker.url;
    expect((await osb(broker.url, 'PUT', INSTANCE, { body: jobUsersBody() })).status).to.equal(201);
  };
  afterEach(async () => { await broker.stop(); });

  it('advertises bindings_retrievable, as a service offering async binds must', async () => {
    await start();
    const catalog = await osb(broker.url, 'GET', '/v2/catalog');
    const service = (catalog.body.services as { id: string; bindings_retrievable?: boolean }[]).find((s) => s.id === JOB_USERS.serviceId);
    expect(service?.bindings_retrievable).to.equal(true);
  });

  it('refuses a bind without accepts_incomplete with 422 AsyncRequired, leaving nothing', async () => {
    await start();
    const refused = await osb(broker.url, 'PUT', binding('b-sync'), { body: jobUsersBody() });
    expect(refused.status).to.equal(422);
    expect(refused.body).to.deep.equal({ error: 'AsyncRequired', description: 'This service plan requires client support for asynchronous service operations.' });
    expect((await broker.store.getBinding('i-jobs', 'b-sync'))).to.deep.equal({ ok: true, value: undefined });
    expect(broker.cluster.get(jobUsersObjects('i-jobs', 'b-sync').secret)).to.equal(undefined);
    // A 2.13 platform cannot poll a binding: its accepts_incomplete does not make a bind asynchronous.
    const old = await osb(broker.url, 'PUT', `${binding('b-old')}?accepts_incomplete=true`, { body: jobUsersBody(), version: '2.13' });
    expect(old.status).to.equal(422);
    expect(old.body.error).to.equal('AsyncRequired');
  });

  it('answers 202 with an operation, polls in progress while the Job runs, then GET gives the credentials', async () => {
    await start();
    const put = await osb(broker.url, 'PUT', `${binding('b-1')}?accepts_incomplete=true`, { body: jobUsersBody() });
    expect(put.status).to.equal(202);
    expect(Object.keys(put.body)).to.deep.equal(['operation']);
    const repeat = await osb(broker.url, 'PUT', `${binding('b-1')}?accepts_incomplete=true`, { body: jobUsersBody() });
    expect(repeat.status).to.equal(202);
    expect(repeat.body).to.deep.equal(put.body);
    expect((await osb(broker.url, 'PUT', `${binding('b-1')}?accepts_incomplete=true`, { body: { ...jobUsersBody(), parameters: { role: 'admin' } } })).status).to.equal(409);
    expect((await osb(broker.url, 'GET', binding('b-1'))).status).to.equal(404);
    const running = await lastOperation('b-1', `${jobUsersQuery}&operation=${encodeURIComponent(put.body.operation)}`);
    expect(running.status).to.equal(200);
    expect(running.body.state).to.equal('in progress');
    expect((await lastOperation('b-1', 'operation=')).status).to.equal(400);

    completeJob(broker.cluster, 'i-jobs', 'b-1');
    expect((await pollUntilDone('b-1', put.body.operation)).body).to.deep.equal({ state: 'succeeded', description: 'all objects are ready' });
    const fetched = await osb(broker.url, 'GET', binding('b-1'));
    expect(fetched.status).to.equal(200);
    const password = fetched.body.credentials.password as string;
    expect(password).to.match(/^[A-Za-z0-9]{32}$/);
    const again = await osb(broker.url, 'PUT', `${binding('b-1')}?accepts_incomplete=true`, { body: jobUsersBody() });
    expect(again.status).to.equal(200);
    expect(again.body.credentials.password).to.equal(password);
    expect(broker.store.contents().join('\n')).to.not.contain(password);
    expect(broker.logs.join('')).to.contain('b-1').and.not.contain(password);
  });

  it('unbinds: 422 AsyncRequired without accepts_incomplete, 200 when done at once, then 410 from DELETE and last_operation', async () => {
    await start();
    const put = await osb(broker.url, 'PUT', `${binding('b-2')}?accepts_incomplete=true`, { body: jobUsersBody() });
    completeJob(broker.cluster, 'i-jobs', 'b-2');
    expect((await pollUntilDone('b-2', put.body.operation)).body.state).to.equal('succeeded');
    const refused = await osb(broker.url, 'DELETE', `${binding('b-2')}?${jobUsersQuery}`);
    expect(refused.status).to.equal(422);
    expect(refused.body.error).to.equal('AsyncRequired');
    const deleted = await osb(broker.url, 'DELETE', `${binding('b-2')}?${jobUsersQuery}&accepts_incomplete=true`);
    expect(deleted.status).to.equal(200);
    expect(deleted.body).to.deep.equal({});
    expect(broker.cluster.get(jobUsersObjects('i-jobs', 'b-2').job)).to.equal(undefined);
    expect((await lastOperation('b-2')).status).to.equal(410);
    expect((await osb(broker.url, 'DELETE', `${binding('b-2')}?${jobUsersQuery}&accepts_incomplete=true`)).status).to.equal(410);
  });

  it('answers a DELETE of an unbind still under way with 202 and its operation, and last_operation 410 once it is done', async () => {
    await start();
    const put = await osb(broker.url, 'PUT', `${binding('b-3')}?accepts_incomplete=true`, { body: jobUsersBody() });
    completeJob(broker.cluster, 'i-jobs', 'b-3');
    await pollUntilDone('b-3', put.body.operation);
    // As an accepted unbind whose objects were still terminating leaves it (the memory cluster deletes at once).
    const stored = await broker.store.getBinding('i-jobs', 'b-3');
    if (!stored.ok || !stored.value) throw new Error('binding b-3 not stored');
    const operation = { id: 'unbind-op-1', type: 'unbind' as const, state: 'in progress' as const, startedAt: new Date().toISOString() };
    await broker.store.putBinding({ ...stored.value, status: 'unbinding', operation });
    const repeat = await osb(broker.url, 'DELETE', `${binding('b-3')}?${jobUsersQuery}&accepts_incomplete=true`);
    expect(repeat.status).to.equal(202);
    expect(repeat.body).to.deep.equal({ operation: 'unbind-op-1' });
    expect((await osb(broker.url, 'DELETE', `${binding('b-3')}?${jobUsersQuery}`)).body.error).to.equal('ConcurrencyError');
    expect((await lastOperation('b-3', `${jobUsersQuery}&operation=unbind-op-1`)).status).to.equal(410);
    expect(broker.cluster.get(jobUsersObjects('i-jobs', 'b-3').secret)).to.equal(undefined);
  });

  it('reports a bind whose Job never completes as failed, with its objects removed; the orphan-mitigating DELETE then answers 200', async () => {
    await start({ readinessTimeoutMs: 300 });
    const put = await osb(broker.url, 'PUT', `${binding('b-4')}?accepts_incomplete=true`, { body: jobUsersBody() });
    expect(put.status).to.equal(202);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const failed = await lastOperation('b-4');
    expect(failed.body.state).to.equal('failed');
    expect(failed.body.description).to.contain('not ready within 0.3s').and.contain('Job');
    expect(broker.cluster.get(jobUsersObjects('i-jobs', 'b-4').secret)).to.equal(undefined);
    expect((await osb(broker.url, 'GET', binding('b-4'))).status).to.equal(404);
    expect((await osb(broker.url, 'DELETE', `${binding('b-4')}?${jobUsersQuery}&accepts_incomplete=true`)).status).to.equal(200);
    expect((await lastOperation('b-4')).status).to.equal(410);
  });

  it('behaves the same in dev mode, whose simulated controllers complete the Job at once: 202, then succeeded', async () => {
    broker = await startMemoryBroker({ objects: [...providerFixture(), ...jobUsersOffering()] });
    brokerUrl = broker.url;
    expect((await osb(broker.url, 'PUT', INSTANCE, { body: jobUsersBody() })).status).to.equal(201);
    const put = await osb(broker.url, 'PUT', `${binding('b-dev')}?accepts_incomplete=true`, { body: jobUsersBody() });
    expect(put.status).to.equal(202);
    expect((await pollUntilDone('b-dev', put.body.operation)).body.state).to.equal('succeeded');
    expect((await osb(broker.url, 'GET', binding('b-dev'))).body.credentials.username).to.be.a('string');
  });

  it('answers 410 for the last operation of a binding that does not exist, and 400 for an empty hint', async () => {
    await start();
    const unknown = await lastOperation('never');
    expect(unknown.status).to.equal(410);
    expect(unknown.body.description).to.contain('never');
    expect((await lastOperation('never', 'service_id=')).status).to.equal(400);
  });
});
