import { expect } from 'chai';
import { deriveServiceId } from '../../src/domain/catalog-entry.js';
import { startMemoryBroker, type MemoryBroker } from '../support/memory-broker.js';
import { osb, type OsbResponse } from '../support/osb-client.js';
import { kubernetesContext, NS, PLAN, platformGuids, providerFixture } from '../support/provider-fixture.js';

const URL_SERVICE = deriveServiceId('web', 'time-api');
// The URL plan is whitelisted for both client-ns and other-ns: only the instance's own namespace separates them.
const body = (namespace: string) => ({ service_id: URL_SERVICE, plan_id: PLAN.url, ...platformGuids(namespace), context: kubernetesContext(namespace) });
const query = `service_id=${URL_SERVICE}&plan_id=${PLAN.url}`;
const OTHER_VIEW = `/namespaces/${NS.other}/v2`;

/**
 * Every verb on one id through other-ns's view. client-ns owns instance i-1
 * and its binding b-1 on one broker; on the other broker they never existed.
 * The view must not be able to tell the two apart.
 */
const VERBS: readonly [string, (url: string) => Promise<OsbResponse>][] = [
  ['GET instance', (url) => osb(url, 'GET', `${OTHER_VIEW}/service_instances/i-1`)],
  ['PATCH instance', (url) => osb(url, 'PATCH', `${OTHER_VIEW}/service_instances/i-1`, { body: { service_id: URL_SERVICE, plan_id: PLAN.url, context: kubernetesContext(NS.other) } })],
  ['last_operation', (url) => osb(url, 'GET', `${OTHER_VIEW}/service_instances/i-1/last_operation?${query}`)],
  ['DELETE instance', (url) => osb(url, 'DELETE', `${OTHER_VIEW}/service_instances/i-1?${query}`)],
  ['DELETE instance async', (url) => osb(url, 'DELETE', `${OTHER_VIEW}/service_instances/i-1?${query}&accepts_incomplete=true`)],
  ['bind', (url) => osb(url, 'PUT', `${OTHER_VIEW}/service_instances/i-1/service_bindings/b-2`, { body: body(NS.other) })],
  ['bind to the existing binding id', (url) => osb(url, 'PUT', `${OTHER_VIEW}/service_instances/i-1/service_bindings/b-1`, { body: body(NS.other) })],
  ['fetch binding', (url) => osb(url, 'GET', `${OTHER_VIEW}/service_instances/i-1/service_bindings/b-1`)],
  ['unbind', (url) => osb(url, 'DELETE', `${OTHER_VIEW}/service_instances/i-1/service_bindings/b-1?${query}`)],
];

describe('a namespace view cannot tell another namespace\'s instance from one that does not exist', () => {
  let owned: MemoryBroker;
  let empty: MemoryBroker;
  before(async () => {
    [owned, empty] = await Promise.all([startMemoryBroker({ objects: providerFixture() }), startMemoryBroker({ objects: providerFixture() })]);
    expect((await osb(owned.url, 'PUT', `/namespaces/${NS.client}/v2/service_instances/i-1`, { body: body(NS.client) })).status).to.equal(201);
    expect((await osb(owned.url, 'PUT', `/namespaces/${NS.client}/v2/service_instances/i-1/service_bindings/b-1`, { body: body(NS.client) })).status).to.equal(201);
  });
  after(async () => { await Promise.all([owned.stop(), empty.stop()]); });

  for (const [verb, send] of VERBS) {
    it(`${verb}: the same status and body as for an unknown id`, async () => {
      const [elsewhere, unknown] = await Promise.all([send(owned.url), send(empty.url)]);
      expect(unknown.status, 'an unknown id is a 4xx').to.be.within(400, 499);
      expect({ status: elsewhere.status, body: elsewhere.body }).to.deep.equal({ status: unknown.status, body: unknown.body });
    });
  }

  it('DELETE answers 410 and bind 404, as for an unknown id', async () => {
    expect((await osb(owned.url, 'DELETE', `${OTHER_VIEW}/service_instances/i-1?${query}`)).status).to.equal(410);
    expect((await osb(owned.url, 'PUT', `${OTHER_VIEW}/service_instances/i-1/service_bindings/b-3`, { body: body(NS.other) })).status).to.equal(404);
  });

  it('PUT of the taken id answers 409 with the same body as any conflicting provision (ids are global)', async () => {
    const elsewhere = await osb(owned.url, 'PUT', `${OTHER_VIEW}/service_instances/i-1`, { body: body(NS.other) });
    const conflicting = await osb(owned.url, 'PUT', `/namespaces/${NS.client}/v2/service_instances/i-1`, { body: { ...body(NS.client), parameters: { other: 'value' } } });
    expect(conflicting.status).to.equal(409);
    expect({ status: elsewhere.status, body: elsewhere.body }).to.deep.equal({ status: conflicting.status, body: conflicting.body });
  });

  it('leaves the instance and its binding as they were', async () => {
    for (const [, send] of VERBS) await send(owned.url);
    const view = `/namespaces/${NS.client}/v2/service_instances/i-1`;
    expect((await osb(owned.url, 'GET', view)).status).to.equal(200);
    const binding = await osb(owned.url, 'GET', `${view}/service_bindings/b-1`);
    expect(binding.status).to.equal(200);
    expect(binding.body.credentials.username).to.equal('time-user');
    const bindings = await owned.store.listBindings('i-1');
    expect(bindings.ok && bindings.value.map((b) => b.id)).to.deep.equal(['b-1']);
  });
});
