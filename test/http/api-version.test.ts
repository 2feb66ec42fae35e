import { expect } from 'chai';
import { deriveServiceId } from '../../src/domain/catalog-entry.js';
import { startMemoryBroker, type MemoryBroker } from '../support/memory-broker.js';
import { osb } from '../support/osb-client.js';
import { kubernetesContext, NS, PLAN, platformGuids, providerFixture } from '../support/provider-fixture.js';
import { versionedFixture } from '../support/versioned-fixture.js';

const URL_SERVICE = deriveServiceId('web', 'time-api');
const urlBody = { service_id: URL_SERVICE, plan_id: PLAN.url, ...platformGuids(NS.client), context: kubernetesContext(NS.client) };

interface Shape { services: string[]; plans: string[]; binding: string[]; repeat: string[]; fetched: string[] }

describe('answers in the dialect of the X-Broker-API-Version sent', () => {
  let broker: MemoryBroker;
  before(async () => {
    broker = await startMemoryBroker({ objects: providerFixture() });
    expect((await osb(broker.url, 'PUT', '/v2/service_instances/v-1', { body: urlBody })).status).to.equal(201);
  });
  after(async () => { await broker.stop(); });

  let bindings = 0;
  /** The field names a client of `version` gets in the catalog and the binding answers. */
  async function shapeFor(version: string): Promise<Shape> {
    const catalog = await osb(broker.url, 'GET', '/v2/catalog', { version });
    expect(catalog.status).to.equal(200);
    const path = `/v2/service_instances/v-1/service_bindings/b-${++bindings}`;
    const bound = await osb(broker.url, 'PUT', path, { version, body: urlBody });
    const repeat = await osb(broker.url, 'PUT', path, { version, body: urlBody });
    const fetched = await osb(broker.url, 'GET', path, { version });
    expect([bound.status, repeat.status, fetched.status]).to.deep.equal([201, 200, 200]);
    const keys = (o: object) => Object.keys(o).sort();
    return {
      services: [...new Set(catalog.body.services.flatMap(keys))].sort() as string[],
      plans: [...new Set(catalog.body.services.flatMap((s: { plans: object[] }) => s.plans.flatMap(keys)))].sort() as string[],
      binding: keys(bound.body), repeat: keys(repeat.body), fetched: keys(fetched.body),
    };
  }

  it('gives a 2.13 client none of the fields 2.14 and later added', async () => {
    const shape = await shapeFor('2.13');
    expect(shape.services).to.not.include('instances_retrievable');
    expect(shape.services).to.not.include('bindings_retrievable');
    expect(shape.plans).to.not.include('plan_updateable');
    expect(shape.binding).to.deep.equal(['credentials']);
  });

  it('gives a 2.14 client the retrievable flags but no plan_updateable in plans and no binding endpoints (2.15)', async () => {
    const shape = await shapeFor('2.14');
    expect(shape.services).to.include.members(['instances_retrievable', 'bindings_retrievable', 'plans', 'id', 'name', 'description', 'bindable']);
    expect(shape.plans).to.include.members(['id', 'name', 'description']);
    expect(shape.plans).to.not.include('plan_updateable');
    expect(shape.binding).to.deep.equal(['credentials']);
    expect(shape.repeat).to.deep.equal(['credentials']);
    expect(shape.fetched).to.deep.equal(['credentials', 'parameters']);
  });

  it('gives a 2.17 client every field, endpoints included', async () => {
    const shape = await shapeFor('2.17');
    expect(shape.services).to.include.members(['instances_retrievable', 'bindings_retrievable']);
    expect(shape.plans).to.include('plan_updateable');
    expect(shape.binding).to.deep.equal(['credentials', 'endpoints']);
    expect(shape.repeat).to.deep.equal(['credentials', 'endpoints']);
    expect(shape.fetched).to.deep.equal(['credentials', 'endpoints', 'parameters']);
  });

  it('accepts any later 2.x and answers it in the newest dialect it knows (2.17)', async () => {
    const newest = await shapeFor('2.17');
    expect(await shapeFor('2.18')).to.deep.equal(newest);
    expect(await shapeFor('2.99')).to.deep.equal(newest);
  });

  it('answers 412 to anything else, naming exactly what it accepts', async () => {
    const accepted = '2.13 and every later 2.x';
    for (const version of ['2.12', '2.0', '1.99', '3.0', '3.13', 'two', '2', '2.13.1']) {
      const refused = await osb(broker.url, 'GET', '/v2/catalog', { version });
      expect(refused.status, version).to.equal(412);
      expect(Object.keys(refused.body), version).to.deep.equal(['description']);
      expect(refused.body.description, version).to.contain(`"${version}" is not supported`).and.to.contain(accepted);
    }
    const missing = await osb(broker.url, 'GET', '/v2/catalog', { version: null });
    expect(missing.status).to.equal(412);
    expect(missing.body.description).to.contain('is missing').and.to.contain(accepted);
  });
});

describe('binding expiry in the dialect of the X-Broker-API-Version sent', () => {
  let broker: MemoryBroker;
  const LEASED_SERVICE = deriveServiceId('web', 'leased-api');
  const body = { service_id: LEASED_SERVICE, plan_id: 'plan-leased-1', ...platformGuids(NS.client), context: kubernetesContext(NS.client) };
  before(async () => {
    broker = await startMemoryBroker({ objects: versionedFixture() });
    expect((await osb(broker.url, 'PUT', '/v2/service_instances/leased-1', { body })).status).to.equal(201);
  });
  after(async () => { await broker.stop(); });

  /** The binding metadata a client of `version` gets when it binds, binds again and fetches. */
  async function metadataFor(version: string, bindingId: string): Promise<unknown[]> {
    const path = `/v2/service_instances/leased-1/service_bindings/${bindingId}`;
    const answers = [
      await osb(broker.url, 'PUT', path, { version, body }),
      await osb(broker.url, 'PUT', path, { version, body }),
      await osb(broker.url, 'GET', path, { version }),
    ];
    expect(answers.map((a) => a.status)).to.deep.equal([201, 200, 200]);
    return answers.map((a) => a.body.metadata);
  }

  const timestamp = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

  it('gives a 2.17 client expires_at and renew_before, 24 hours apart, in every answer', async () => {
    for (const metadata of await metadataFor('2.17', 'm-17') as { expires_at: string; renew_before: string }[]) {
      expect(Object.keys(metadata).sort()).to.deep.equal(['expires_at', 'renew_before']);
      expect(metadata.expires_at).to.match(timestamp);
      expect(Date.parse(metadata.expires_at) - Date.parse(metadata.renew_before)).to.equal(24 * 3600_000);
    }
  });

  it('gives a 2.16 client expires_at only (renew_before came with 2.17), and a 2.15 client no metadata', async () => {
    for (const metadata of await metadataFor('2.16', 'm-16') as object[]) expect(Object.keys(metadata)).to.deep.equal(['expires_at']);
    expect(await metadataFor('2.15', 'm-15')).to.deep.equal([undefined, undefined, undefined]);
  });
});
