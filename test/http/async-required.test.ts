import { expect } from 'chai';
import { deriveServiceId } from '../../src/domain/catalog-entry.js';
import { startMemoryBroker, type MemoryBroker } from '../support/memory-broker.js';
import { osb, provisionAndWait } from '../support/osb-client.js';
import { kubernetesContext, NS, PLAN, platformGuids, providerFixture } from '../support/provider-fixture.js';

const DEDICATED_SERVICE = deriveServiceId('api', 'api-service');
const FIXED_SERVICE = deriveServiceId('api', 'fixed-service');
const URL_SERVICE = deriveServiceId('web', 'time-api');
const body = (serviceId: string, planId: string) => ({ service_id: serviceId, plan_id: planId, ...platformGuids(NS.client), context: kubernetesContext(NS.client) });
const dedicated = body(DEDICATED_SERVICE, PLAN.dedicated);
const dedicatedQuery = `service_id=${DEDICATED_SERVICE}&plan_id=${PLAN.dedicated}`;

// The spec's sentences, which clients compare word for word (the Go client's IsAsyncRequiredError, IsConcurrencyError).
const ASYNC_REQUIRED = { error: 'AsyncRequired', description: 'This service plan requires client support for asynchronous service operations.' };
const CONCURRENCY = { error: 'ConcurrencyError', description: 'The Service Broker does not support concurrent requests that mutate the same resource.' };

describe('a synchronous answer means a usable instance: plans with workloads require accepts_incomplete', () => {
  let broker: MemoryBroker;
  beforeEach(async () => { broker = await startMemoryBroker({ objects: providerFixture() }); });
  afterEach(async () => { await broker.stop(); });

  const targetObjects = () => [...broker.cluster.list('Deployment', NS.target), ...broker.cluster.list('Service', NS.target)];

  it('answers a provision of a Deployment plan without accepts_incomplete with 422 AsyncRequired, creating and recording nothing', async () => {
    for (const path of ['/v2/service_instances/a-1', '/v2/service_instances/a-1?accepts_incomplete=false']) {
      const response = await osb(broker.url, 'PUT', path, { body: dedicated });
      expect(response.status, path).to.equal(422);
      expect(response.body, path).to.deep.equal(ASYNC_REQUIRED);
    }
    expect(targetObjects()).to.deep.equal([]);
    expect(await broker.store.getInstance('a-1')).to.deep.equal({ ok: true, value: undefined });
    expect((await osb(broker.url, 'GET', '/v2/service_instances/a-1/last_operation')).status).to.equal(404);
  });

  it('answers a deprovision of a Deployment instance without accepts_incomplete with 422 AsyncRequired, removing nothing', async () => {
    expect((await provisionAndWait(broker.url, '/v2/service_instances/a-2', dedicated)).last.body.state).to.equal('succeeded');
    const before = targetObjects().length;
    const response = await osb(broker.url, 'DELETE', `/v2/service_instances/a-2?${dedicatedQuery}`);
    expect(response.status).to.equal(422);
    expect(response.body).to.deep.equal(ASYNC_REQUIRED);
    expect(targetObjects()).to.have.length(before).and.to.have.length.above(0);
    expect((await osb(broker.url, 'GET', '/v2/service_instances/a-2')).status).to.equal(200);
    expect((await osb(broker.url, 'DELETE', `/v2/service_instances/a-2?${dedicatedQuery}&accepts_incomplete=true`)).status).to.equal(202);
  });

  it('answers an identical synchronous repeat of a finished Deployment instance with 200', async () => {
    await provisionAndWait(broker.url, '/v2/service_instances/a-3', dedicated);
    const repeat = await osb(broker.url, 'PUT', '/v2/service_instances/a-3', { body: dedicated });
    expect(repeat.status).to.equal(200);
    expect(repeat.body).to.deep.equal({});
  });

  it('keeps URL plans, shared services and plans without workloads synchronous', async () => {
    expect((await osb(broker.url, 'PUT', '/v2/service_instances/q-url', { body: body(URL_SERVICE, PLAN.url) })).status).to.equal(201);
    expect((await osb(broker.url, 'PUT', '/v2/service_instances/q-pg', { body: body(deriveServiceId('data', 'postgres'), PLAN.shared) })).status).to.equal(201);
    expect((await osb(broker.url, 'PUT', '/v2/service_instances/q-svc', { body: body(FIXED_SERVICE, PLAN.fixed) })).status).to.equal(201);
    expect((await osb(broker.url, 'DELETE', `/v2/service_instances/q-svc?service_id=${FIXED_SERVICE}&plan_id=${PLAN.fixed}`)).status).to.equal(200);
    expect((await osb(broker.url, 'DELETE', `/v2/service_instances/q-url?service_id=${URL_SERVICE}&plan_id=${PLAN.url}`)).status).to.equal(200);
  });

  it('answers ConcurrencyError with the spec\'s sentence', async () => {
    await broker.stop();
    broker = await startMemoryBroker({ objects: providerFixture(), simulateControllers: false });
    expect((await osb(broker.url, 'PUT', '/v2/service_instances/c-1?accepts_incomplete=true', { body: dedicated })).status).to.equal(202);
    const sync = await osb(broker.url, 'PUT', '/v2/service_instances/c-1', { body: dedicated });
    expect(sync.status).to.equal(422);
    expect(sync.body).to.deep.equal(CONCURRENCY);
  });
});
