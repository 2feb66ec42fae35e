import { expect } from 'chai';
import { deriveServiceId } from '../../src/domain/catalog-entry.js';
import { startMemoryBroker, type MemoryBroker } from '../support/memory-broker.js';
import { osb, provisionAndWait } from '../support/osb-client.js';
import { KNOWN_PASSWORD, kubernetesContext, NS, PLAN, platformGuids, providerFixture, SECRET_PASSWORD } from '../support/provider-fixture.js';

const URL_SERVICE = deriveServiceId('web', 'time-api');
const SHARED_SERVICE = deriveServiceId('data', 'postgres');
const DEDICATED_SERVICE = deriveServiceId('api', 'api-service');
const urlBody = { service_id: URL_SERVICE, plan_id: PLAN.url, ...platformGuids(NS.client), context: kubernetesContext(NS.client) };
const sharedBody = { service_id: SHARED_SERVICE, plan_id: PLAN.shared, ...platformGuids(NS.client), context: kubernetesContext(NS.client) };
const unbindQuery = `service_id=${URL_SERVICE}&plan_id=${PLAN.url}`;

describe('bind, fetch binding and unbind over OSB', () => {
  let broker: MemoryBroker;
  beforeEach(async () => {
    broker = await startMemoryBroker({ objects: providerFixture() });
    expect((await osb(broker.url, 'PUT', '/v2/service_instances/i-url', { body: urlBody })).status).to.equal(201);
    expect((await osb(broker.url, 'PUT', '/v2/service_instances/i-pg', { body: sharedBody })).status).to.equal(201);
  });
  afterEach(async () => { await broker.stop(); });

  it('answers 201 with the entry credentials merged with the coordinates, 200 for an identical repeat', async () => {
    const created = await osb(broker.url, 'PUT', '/v2/service_instances/i-url/service_bindings/b-1', { body: urlBody });
    expect(created.status).to.equal(201);
    expect(created.body.credentials).to.deep.equal({
      type: 'time-api', provider: 'web', host: 'time.example.com', port: 8443, uri: 'https://time.example.com:8443/v1',
      username: 'time-user', password: KNOWN_PASSWORD,
    });
    expect(created.body.endpoints).to.deep.equal([{ host: 'time.example.com', ports: ['8443'], protocol: 'tcp' }]);
    const repeat = await osb(broker.url, 'PUT', '/v2/service_instances/i-url/service_bindings/b-1', { body: urlBody });
    expect(repeat.status).to.equal(200);
    expect(repeat.body.credentials.password).to.equal(KNOWN_PASSWORD);
  });

  it('reads credentials from the provider Secret for a shared in-cluster service', async () => {
    const created = await osb(broker.url, 'PUT', '/v2/service_instances/i-pg/service_bindings/b-pg', { body: sharedBody });
    expect(created.status).to.equal(201);
    expect(created.body.credentials).to.deep.equal({
      type: 'postgres', provider: 'data', host: 'postgres.data-ns.svc.cluster.local', port: 5432,
      username: 'pg-user', password: SECRET_PASSWORD,
    });
  });

  it('answers 409 for the same binding id with different parameters', async () => {
    await osb(broker.url, 'PUT', '/v2/service_instances/i-url/service_bindings/b-2', { body: urlBody });
    const different = await osb(broker.url, 'PUT', '/v2/service_instances/i-url/service_bindings/b-2', { body: { ...urlBody, parameters: { role: 'admin' } } });
    expect(different.status).to.equal(409);
  });

  it('answers a 4xx with a description for an unknown instance and 400 for a bad body', async () => {
    const unknown = await osb(broker.url, 'PUT', '/v2/service_instances/nope/service_bindings/b-3', { body: urlBody });
    expect(unknown.status).to.equal(404);
    expect(unknown.body.description).to.contain('nope');
    expect((await osb(broker.url, 'PUT', '/v2/service_instances/i-url/service_bindings/b-3', { body: { plan_id: PLAN.url } })).status).to.equal(400);
  });

  it('refuses a bind for a namespace the entry does not whitelist', async () => {
    const response = await osb(broker.url, 'PUT', '/v2/service_instances/i-pg/service_bindings/b-4', {
      body: { ...sharedBody, context: kubernetesContext(NS.other) },
    });
    expect(response.status).to.equal(403);
  });

  it('GET binding: 200 with credentials and parameters; 404 when unknown', async () => {
    await osb(broker.url, 'PUT', '/v2/service_instances/i-url/service_bindings/b-5', { body: { ...urlBody, parameters: { role: 'reader' } } });
    const fetched = await osb(broker.url, 'GET', '/v2/service_instances/i-url/service_bindings/b-5');
    expect(fetched.status).to.equal(200);
    expect(fetched.body.credentials.username).to.equal('time-user');
    expect(fetched.body.parameters).to.deep.equal({ role: 'reader' });
    expect((await osb(broker.url, 'GET', '/v2/service_instances/i-url/service_bindings/none')).status).to.equal(404);
  });

  it('DELETE binding: 400 without query, 200 {}, then 410', async () => {
    await osb(broker.url, 'PUT', '/v2/service_instances/i-url/service_bindings/b-6', { body: urlBody });
    expect((await osb(broker.url, 'DELETE', '/v2/service_instances/i-url/service_bindings/b-6')).status).to.equal(400);
    const deleted = await osb(broker.url, 'DELETE', `/v2/service_instances/i-url/service_bindings/b-6?${unbindQuery}`);
    expect(deleted.status).to.equal(200);
    expect(deleted.body).to.deep.equal({});
    expect((await osb(broker.url, 'DELETE', `/v2/service_instances/i-url/service_bindings/b-6?${unbindQuery}`)).status).to.equal(410);
  });

  it('gives a dedicated instance coordinates of its own Service', async () => {
    const body = { service_id: DEDICATED_SERVICE, plan_id: PLAN.dedicated, ...platformGuids(NS.client), context: kubernetesContext(NS.client) };
    expect((await provisionAndWait(broker.url, '/v2/service_instances/i-d', body)).last.body.state).to.equal('succeeded');
    const bound = await osb(broker.url, 'PUT', '/v2/service_instances/i-d/service_bindings/b-d', { body });
    expect(bound.status).to.equal(201);
    const [service] = broker.cluster.list('Service', NS.target);
    expect(bound.body.credentials.host).to.equal(`${service!.metadata.name}.${NS.target}.svc.cluster.local`);
    expect(bound.body.credentials.port).to.equal(80);
  });
});
