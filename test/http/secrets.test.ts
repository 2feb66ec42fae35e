import { expect } from 'chai';
import { deriveServiceId } from '../../src/domain/catalog-entry.js';
import { startMemoryBroker, type MemoryBroker } from '../support/memory-broker.js';
import { osb } from '../support/osb-client.js';
import { shortId } from '../../src/domain/template-variables.js';
import { GENERATED_PLAN, generatedOffering, KNOWN_PASSWORD, kubernetesContext, NS, PLAN, platformGuids, providerFixture, SECRET_PASSWORD } from '../support/provider-fixture.js';

/** The promise that matters most to a providing team: credentials are handed out, never kept or logged. */
describe('credentials stay secret', () => {
  let broker: MemoryBroker;
  before(async () => { broker = await startMemoryBroker({ objects: [...providerFixture(), ...generatedOffering()] }); });
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

  it('hands out a generated password only from the instance\'s own Secret: never stored, logged or in an error body', async () => {
    const bodies: string[] = [];
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await osb(broker.url, method, path, body === undefined ? {} : { body });
      bodies.push(response.text);
      return response;
    };
    const own = { service_id: deriveServiceId('data', 'own-db'), plan_id: GENERATED_PLAN, ...platformGuids(NS.client), context: kubernetesContext(NS.client) };
    expect((await call('PUT', '/v2/service_instances/s-gen', own)).status).to.equal(201);
    const made = broker.cluster.get({ kind: 'Secret', namespace: NS.target, name: `db-${shortId('s-gen')}` });
    const generated = Buffer.from(String((made?.['data'] as Record<string, string>)['password']), 'base64').toString('utf8');
    expect(generated).to.match(/^[A-Za-z0-9]{32}$/);
    const config = broker.cluster.get({ kind: 'ConfigMap', namespace: NS.target, name: `db-config-${shortId('s-gen')}` });
    expect((config?.['data'] as Record<string, string>)['init.sql']).to.equal(`CREATE USER app PASSWORD '${generated}';`);

    const bound = await call('PUT', '/v2/service_instances/s-gen/service_bindings/b-gen', own);
    expect(bound.status).to.equal(201);
    expect(bound.body.credentials).to.deep.include({ username: 'app', password: generated, host: `db-${shortId('s-gen')}.${NS.target}.svc.cluster.local` });
    expect((await call('GET', '/v2/service_instances/s-gen/service_bindings/b-gen')).body.credentials.password).to.equal(generated);
    expect((await call('PUT', '/v2/service_instances/s-gen', { ...own, parameters: { x: 1 } })).status).to.equal(409);
    await call('PUT', '/v2/service_instances/s-gen/service_bindings/b-gen', { ...own, parameters: { x: 1 } }); // 409
    // A second instance gets a password of its own.
    expect((await call('PUT', '/v2/service_instances/s-gen-2', own)).status).to.equal(201);
    const second = (await call('PUT', '/v2/service_instances/s-gen-2/service_bindings/b-gen-2', own)).body.credentials.password;
    expect(second).to.be.a('string').and.not.equal(generated);

    const stored = broker.store.contents().join('\n');
    expect(stored).to.contain('s-gen').and.contain(`db-${shortId('s-gen')}`); // the reference is there, the value is not
    const logs = broker.logs.join('');
    expect(logs).to.contain('s-gen');
    const errorBodies = bodies.filter((text) => !text.includes('"credentials"')).join('\n');
    expect(errorBodies).to.contain('already exists'); // the 409s are in there
    for (const value of [generated, second]) {
      expect(stored).to.not.contain(value);
      expect(logs).to.not.contain(value);
      expect(errorBodies).to.not.contain(value);
    }
  });
});
