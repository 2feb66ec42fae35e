import { expect } from 'chai';
import { deriveServiceId } from '../../src/domain/catalog-entry.js';
import { startMemoryBroker, type MemoryBroker } from '../support/memory-broker.js';
import { osb } from '../support/osb-client.js';
import { kubernetesContext, NS, PLAN, platformGuids, providerFixture } from '../support/provider-fixture.js';

const auth = { username: 'platform', password: 'broker-password' };

describe('OSB check order, auth and identity headers', () => {
  let broker: MemoryBroker;
  before(async () => { broker = await startMemoryBroker({ objects: providerFixture(), auth }); });
  after(async () => { await broker.stop(); });

  it('answers 412 naming the supported versions when the version header is missing', async () => {
    const response = await osb(broker.url, 'GET', '/v2/catalog', { version: null, auth });
    expect(response.status).to.equal(412);
    expect(response.body.description).to.contain('2.13');
  });

  for (const version of ['2.12', '3.0', 'two']) {
    it(`answers 412 for version ${version}`, async () => {
      expect((await osb(broker.url, 'GET', '/v2/catalog', { version, auth })).status).to.equal(412);
    });
  }

  it('checks the version before auth and auth before the body', async () => {
    expect((await osb(broker.url, 'PUT', '/v2/service_instances/x', { version: null, rawBody: '' })).status).to.equal(412);
    expect((await osb(broker.url, 'PUT', '/v2/service_instances/x', { rawBody: 'not json' })).status).to.equal(401);
    expect((await osb(broker.url, 'PUT', '/v2/service_instances/x', { rawBody: 'not json', auth })).status).to.equal(400);
  });

  it('refuses wrong credentials and accepts the right ones', async () => {
    expect((await osb(broker.url, 'GET', '/v2/catalog', { auth: { ...auth, password: 'nope' } })).status).to.equal(401);
    expect((await osb(broker.url, 'GET', '/v2/catalog', { auth })).status).to.equal(200);
  });

  it('protects the consumer view and admin endpoints too, but not the probes', async () => {
    expect((await osb(broker.url, 'GET', `/namespaces/${NS.client}/v2/catalog`)).status).to.equal(401);
    expect((await osb(broker.url, 'GET', '/admin/instances')).status).to.equal(401);
    expect((await osb(broker.url, 'GET', '/healthz', { version: null })).status).to.equal(200);
    expect((await osb(broker.url, 'GET', '/readyz', { version: null })).status).to.equal(200);
  });

  it('echoes X-Broker-API-Request-Identity', async () => {
    const response = await osb(broker.url, 'GET', '/v2/catalog', { auth, headers: { 'X-Broker-API-Request-Identity': 'req-123' } });
    expect(response.headers.get('X-Broker-API-Request-Identity')).to.equal('req-123');
  });

  it('records the originating identity on instance and binding records', async () => {
    const identity = { username: 'jane', uid: 'u-1', groups: ['team-a'], extra: {} };
    const header = `kubernetes ${Buffer.from(JSON.stringify(identity)).toString('base64')}`;
    const serviceId = deriveServiceId('web', 'time-api');
    const headers = { 'X-Broker-API-Originating-Identity': header };
    const body = { service_id: serviceId, plan_id: PLAN.url, ...platformGuids(NS.client), context: kubernetesContext(NS.client) };
    expect((await osb(broker.url, 'PUT', '/v2/service_instances/who-1', { auth, headers, body })).status).to.equal(201);
    expect((await osb(broker.url, 'PUT', '/v2/service_instances/who-1/service_bindings/b-1', { auth, headers, body })).status).to.equal(201);
    const inventory = await osb(broker.url, 'GET', '/admin/instances', { auth });
    const instance = inventory.body.instances.find((i: { instanceId: string }) => i.instanceId === 'who-1');
    expect(instance.requestedBy).to.equal('jane');
    expect(instance.bindings[0].requestedBy).to.equal('jane');
  });

  it('answers 400 for a malformed originating identity', async () => {
    const headers = { 'X-Broker-API-Originating-Identity': 'kubernetes not-base64-json' };
    const response = await osb(broker.url, 'GET', '/v2/service_instances/who-1', { auth, headers });
    expect(response.status).to.equal(400);
  });
});
