import { expect } from 'chai';
import { deriveServiceId } from '../../src/domain/catalog-entry.js';
import { startMemoryBroker, type MemoryBroker } from '../support/memory-broker.js';
import { osb } from '../support/osb-client.js';
import { KNOWN_PASSWORD, kubernetesContext, NS, PLAN, platformGuids, providerFixture, SECRET_PASSWORD } from '../support/provider-fixture.js';

/** The promise that matters most to a providing team: credentials are handed out, never kept or logged. */
describe('credentials stay secret', () => {
  let broker: MemoryBroker;
  before(async () => { broker = await startMemoryBroker({ objects: providerFixture() }); });
  after(async () => { await broker.stop(); });

  it('never writes a credential value to the state store, a log line or an error body', async () => {
    const bodies: string[] = [];
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await osb(broker.url, method, path, body === undefined ? {} : { body });
      bodies.push(response.text);
      return response;
    };
    const url = { service_id: deriveServiceId('web', 'time-api'), plan_id: PLAN.url, ...platformGuids(NS.client), context: kubernetesContext(NS.client) };
    const pg = { service_id: deriveServiceId('data', 'postgres'), plan_id: PLAN.shared, ...platformGuids(NS.client), context: kubernetesContext(NS.client) };
    expect((await call('PUT', '/v2/service_instances/s-url', url)).status).to.equal(201);
    expect((await call('PUT', '/v2/service_instances/s-pg', pg)).status).to.equal(201);
    const bound = await call('PUT', '/v2/service_instances/s-url/service_bindings/b-url', url);
    expect(bound.body.credentials.password).to.equal(KNOWN_PASSWORD); // the consumer does get it
    expect((await call('PUT', '/v2/service_instances/s-pg/service_bindings/b-pg', pg)).body.credentials.password).to.equal(SECRET_PASSWORD);
    await call('GET', '/v2/service_instances/s-url/service_bindings/b-url');
    await call('PUT', '/v2/service_instances/s-url/service_bindings/b-url', { ...url, parameters: { x: 1 } }); // 409
    await call('PUT', '/v2/service_instances/s-pg/service_bindings/b-x', { ...pg, context: kubernetesContext(NS.other) }); // 403

    const stored = broker.store.contents().join('\n');
    expect(stored).to.contain('s-url'); // the store is not empty: the search below means something
    expect(stored).to.not.contain(KNOWN_PASSWORD);
    expect(stored).to.not.contain(SECRET_PASSWORD);
    const logs = broker.logs.join('');
    expect(logs).to.contain('b-url');
    expect(logs).to.not.contain(KNOWN_PASSWORD);
    expect(logs).to.not.contain(SECRET_PASSWORD);
    const errorBodies = bodies.filter((text) => !text.includes('"credentials"')).join('\n');
    expect(errorBodies).to.not.contain(KNOWN_PASSWORD);
    expect(errorBodies).to.not.contain(SECRET_PASSWORD);
  });
});
