import { expect } from 'chai';
import { deriveServiceId } from '../../src/domain/catalog-entry.js';
import type { KubeObject } from '../../src/domain/kube-object.js';
import { startMemoryBroker, type MemoryBroker } from '../support/memory-broker.js';
import { osb } from '../support/osb-client.js';
import { kubernetesContext, NS, PLAN, platformGuids, providerFixture } from '../support/provider-fixture.js';

const URL_SERVICE = deriveServiceId('web', 'time-api');
const FIXED_SERVICE = deriveServiceId('api', 'fixed-service');
const urlBody = () => ({ service_id: URL_SERVICE, plan_id: PLAN.url, ...platformGuids(NS.client), context: kubernetesContext(NS.client) });

/** The fixed plan's one Service, named and labelled from caller input: a synchronous plan. */
const callerNamedService = {
  apiVersion: 'v1', kind: 'Service',
  metadata: { name: 'svc-{{ parameters.suffix }}', labels: { tier: '{{ parameters.tier }}', owner: '{{ instance.name }}' } },
  spec: { selector: { app: 'x' }, ports: [{ port: 80 }] },
};
function fixture(): KubeObject[] {
  return providerFixture().map((object) => object.metadata.name === 'fixed-service-service'
    ? { ...object, data: { 'wrapped-resource': JSON.stringify(callerNamedService) } }
    : object);
}
const fixedBody = (parameters: Record<string, unknown>, instanceName = 'my-instance') =>
  ({ service_id: FIXED_SERVICE, plan_id: PLAN.fixed, ...platformGuids(NS.client), context: kubernetesContext(NS.client, instanceName), parameters });

const nested = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('bad input is the caller\'s 400, never a 5xx, and leaves nothing behind', () => {
  let broker: MemoryBroker;
  // A body limit above the document limit, so the 64 KiB check is what answers.
  before(async () => { broker = await startMemoryBroker({ objects: fixture(), bodyLimitBytes: 1024 * 1024 }); });
  after(async () => { await broker.stop(); });

  async function expectNothingRecorded(id: string): Promise<void> {
    expect(await broker.store.getInstance(id)).to.deep.equal({ ok: true, value: undefined });
    expect(broker.cluster.list('Service', NS.target)).to.deep.equal([]);
  }

  describe('organization_guid and space_guid are required non-empty strings on provision', () => {
    for (const field of ['organization_guid', 'space_guid'] as const) {
      it(`answers 400 naming ${field} when it is missing, empty or not a string`, async () => {
        const { [field]: _dropped, ...without } = urlBody();
        for (const [label, sent] of [['missing', without], ['empty', { ...urlBody(), [field]: '' }], ['a number', { ...urlBody(), [field]: 7 }]] as const) {
          const response = await osb(broker.url, 'PUT', `/v2/service_instances/g-${field}`, { body: sent });
          expect(response.status, label).to.equal(400);
          expect(response.body.description, label).to.contain(field);
        }
        await expectNothingRecorded(`g-${field}`);
      });
    }

    it('answers 400 for an empty service_id or plan_id', async () => {
      for (const field of ['service_id', 'plan_id']) {
        const response = await osb(broker.url, 'PUT', '/v2/service_instances/g-ids', { body: { ...urlBody(), [field]: '' } });
        expect(response.status, field).to.equal(400);
        expect(response.body.description, field).to.contain(field);
      }
      await expectNothingRecorded('g-ids');
    });

    it('provisions with both present', async () => {
      expect((await osb(broker.url, 'PUT', '/v2/service_instances/g-ok', { body: urlBody() })).status).to.equal(201);
    });
  });

  describe('names and labels Kubernetes would refuse, checked per kind before anything is created', () => {
    for (const [why, suffix] of [['a dot', 'a.b'], ['62 characters', 'x'.repeat(62)], ['an upper-case letter', 'Ab']] as const) {
      it(`answers 400 naming the parameter when it makes a Service name with ${why}`, async () => {
        const response = await osb(broker.url, 'PUT', '/v2/service_instances/n-1', { body: fixedBody({ suffix, tier: 'web' }) });
        expect(response.status).to.equal(400);
        expect(response.body.description).to.contain('parameter "suffix"').and.to.contain('metadata.name');
        await expectNothingRecorded('n-1');
      });
    }

    it('answers 400 naming the parameter when it makes an invalid label value', async () => {
      const response = await osb(broker.url, 'PUT', '/v2/service_instances/n-2', { body: fixedBody({ suffix: 'ok', tier: 'front end' }) });
      expect(response.status).to.equal(400);
      expect(response.body.description).to.contain('parameter "tier"').and.to.contain('metadata.labels.tier');
      await expectNothingRecorded('n-2');
    });

    it('answers 400 naming context.instance_name when it is used in a label and is no valid label value', async () => {
      const response = await osb(broker.url, 'PUT', '/v2/service_instances/n-3', { body: fixedBody({ suffix: 'ok', tier: 'web' }, 'My Instance (test)') });
      expect(response.status).to.equal(400);
      expect(response.body.description).to.contain('context.instance_name');
      await expectNothingRecorded('n-3');
    });

    it('provisions when every rendered name and label is valid', async () => {
      const response = await osb(broker.url, 'PUT', '/v2/service_instances/n-ok', { body: fixedBody({ suffix: 'ok', tier: 'web' }) });
      expect(response.status).to.equal(201);
      expect(broker.cluster.list('Service', NS.target).map((s) => s.metadata.name)).to.deep.equal(['svc-ok']);
      const query = `service_id=${FIXED_SERVICE}&plan_id=${PLAN.fixed}`;
      expect((await osb(broker.url, 'DELETE', `/v2/service_instances/n-ok?${query}`)).status).to.equal(200);
    });
  });

  describe('over-deep and over-large JSON documents', () => {
    it('answers 400 for a body nested 10,000 levels deep', async () => {
      const deep = JSON.stringify(urlBody()).replace(/}$/, `,"parameters":${nested(10_000)}}`);
      const response = await osb(broker.url, 'PUT', '/v2/service_instances/j-1', { rawBody: deep });
      expect(response.status).to.equal(400);
      expect(response.body.description).to.contain('deeper');
      expect(await broker.store.getInstance('j-1')).to.deep.equal({ ok: true, value: undefined });
    });

    it('answers 400 for parameters nested beyond 32 levels, and takes shallower ones', async () => {
      const body = (depth: number) => JSON.stringify(urlBody()).replace(/}$/, `,"parameters":${nested(depth)}}`);
      expect((await osb(broker.url, 'PUT', '/v2/service_instances/j-2', { rawBody: body(40) })).status).to.equal(400);
      expect((await osb(broker.url, 'PUT', '/v2/service_instances/j-2', { rawBody: body(20) })).status).to.equal(201);
    });

    it('answers 400 for parameters or a context over 64 KiB of JSON', async () => {
      const big = 'x'.repeat(65 * 1024);
      for (const sent of [{ ...urlBody(), parameters: { blob: big } }, { ...urlBody(), context: { ...kubernetesContext(NS.client), blob: big } }]) {
        const response = await osb(broker.url, 'PUT', '/v2/service_instances/j-3', { body: sent });
        expect(response.status).to.equal(400);
        expect(response.body.description).to.contain('64 KiB');
      }
      expect(await broker.store.getInstance('j-3')).to.deep.equal({ ok: true, value: undefined });
      expect((await osb(broker.url, 'PUT', '/v2/service_instances/j-3', { body: { ...urlBody(), parameters: { blob: 'x'.repeat(60 * 1024) } } })).status).to.equal(201);
    });

    it('answers 400 for an over-large bind parameters document too', async () => {
      expect((await osb(broker.url, 'PUT', '/v2/service_instances/j-4', { body: urlBody() })).status).to.equal(201);
      const response = await osb(broker.url, 'PUT', '/v2/service_instances/j-4/service_bindings/b-1', { body: { ...urlBody(), parameters: { blob: 'x'.repeat(65 * 1024) } } });
      expect(response.status).to.equal(400);
      expect(await broker.store.getBinding('j-4', 'b-1')).to.deep.equal({ ok: true, value: undefined });
    });
  });
});
