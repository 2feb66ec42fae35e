import { expect } from 'chai';
import { deriveServiceId } from '../../src/domain/catalog-entry.js';
import { startMemoryBroker, type MemoryBroker } from '../support/memory-broker.js';
import { osb } from '../support/osb-client.js';
import { NS, PLAN, providerFixture } from '../support/provider-fixture.js';

describe('GET /v2/catalog', () => {
  let broker: MemoryBroker;
  before(async () => { broker = await startMemoryBroker({ objects: providerFixture() }); });
  after(async () => { await broker.stop(); });

  it('lists one service per team-offering with one plan per entry and stable ids', async () => {
    const response = await osb(broker.url, 'GET', '/v2/catalog');
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.equal('application/json; charset=utf-8');
    const names = response.body.services.map((s: { name: string }) => s.name).sort();
    expect(names).to.deep.equal(['api-api-service', 'api-fixed-service', 'data-postgres', 'web-time-api']);
    const time = response.body.services.find((s: { name: string }) => s.name === 'web-time-api');
    expect(time.id).to.equal(deriveServiceId('web', 'time-api'));
    expect(time.bindable).to.equal(true);
    expect(time.plans).to.have.length(1);
    expect(time.plans[0]).to.include({ id: PLAN.url, name: 'web-time-api-1', description: 'The time, over HTTPS' });
  });

  it('shows a consumer namespace only what it is whitelisted for', async () => {
    const other = await osb(broker.url, 'GET', `/namespaces/${NS.other}/v2/catalog`);
    expect(other.body.services.map((s: { name: string }) => s.name).sort()).to.deep.equal(['api-api-service', 'api-fixed-service', 'web-time-api']);
    const client = await osb(broker.url, 'GET', `/namespaces/${NS.client}/v2/catalog`);
    expect(client.body.services).to.have.length(4);
    const stranger = await osb(broker.url, 'GET', '/namespaces/stranger-ns/v2/catalog');
    expect(stranger.body.services).to.deep.equal([]);
  });

  it('follows ConfigMap changes without a restart, and a broken entry disables only itself', async () => {
    const entry = broker.cluster.get({ kind: 'ConfigMap', namespace: NS.provider, name: 'entry-url' });
    expect(entry).to.not.equal(undefined);
    broker.cluster.replace({ ...entry!, data: { 'wrapped-resource': '{ "team": "web", broken' } });
    const response = await osb(broker.url, 'GET', '/v2/catalog');
    expect(response.body.services.map((s: { name: string }) => s.name)).to.not.include('web-time-api');
    expect(response.body.services).to.have.length(3);
    const problems = await osb(broker.url, 'GET', '/admin/catalog/problems');
    expect(problems.body.problems.map((p: { source: string }) => p.source)).to.include('entry-url');
    const { resourceVersion: _stale, ...metadata } = entry!.metadata;
    broker.cluster.replace({ ...entry!, metadata });
    expect((await osb(broker.url, 'GET', '/v2/catalog')).body.services).to.have.length(4);
  });
});
