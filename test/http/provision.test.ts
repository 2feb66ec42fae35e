import { expect } from 'chai';
import { deriveServiceId } from '../../src/domain/catalog-entry.js';
import { startMemoryBroker, type MemoryBroker } from '../support/memory-broker.js';
import { osb, provisionAndWait } from '../support/osb-client.js';
import { kubernetesContext, NS, PLAN, platformGuids, providerFixture } from '../support/provider-fixture.js';
import { instanceLabelValue } from '../../src/domain/resource-plan.js';

const URL_SERVICE = deriveServiceId('web', 'time-api');
const DEDICATED_SERVICE = deriveServiceId('api', 'api-service');
const FIXED_SERVICE = deriveServiceId('api', 'fixed-service');
const SHARED_SERVICE = deriveServiceId('data', 'postgres');

const urlBody = (namespace: string = NS.client, parameters: object = {}) =>
  ({ service_id: URL_SERVICE, plan_id: PLAN.url, ...platformGuids(namespace), context: kubernetesContext(namespace), parameters });
/** The dedicated plan has a Deployment: it provisions and deprovisions asynchronously only. */
const dedicatedBody = (namespace: string = NS.client) =>
  ({ service_id: DEDICATED_SERVICE, plan_id: PLAN.dedicated, ...platformGuids(namespace), context: kubernetesContext(namespace) });

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await probe();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition not reached');
}

describe('provision, update, fetch and deprovision over OSB', () => {
  let broker: MemoryBroker;
  beforeEach(async () => { broker = await startMemoryBroker({ objects: providerFixture() }); });
  afterEach(async () => { await broker.stop(); });

  const targetObjects = (kind: string) => broker.cluster.list(kind, NS.target);

  describe('PUT /v2/service_instances/:id', () => {
    it('answers 201 for a new instance, 200 for an identical repeat, 409 for different attributes', async () => {
      expect((await osb(broker.url, 'PUT', '/v2/service_instances/i-1', { body: urlBody() })).status).to.equal(201);
      const repeat = await osb(broker.url, 'PUT', '/v2/service_instances/i-1', { body: urlBody() });
      expect(repeat.status).to.equal(200);
      expect(repeat.body).to.deep.equal({});
      const different = await osb(broker.url, 'PUT', '/v2/service_instances/i-1', { body: urlBody(NS.client, { size: 'large' }) });
      expect(different.status).to.equal(409);
      expect(different.body.description).to.be.a('string');
    });

    it('answers 400 for a malformed body, an unknown plan or a missing context', async () => {
      const missingPlan = await osb(broker.url, 'PUT', '/v2/service_instances/i-2', { body: { service_id: URL_SERVICE } });
      expect(missingPlan.status).to.equal(400);
      expect(missingPlan.body.description).to.contain('plan_id');
      const unknown = await osb(broker.url, 'PUT', '/v2/service_instances/i-2', { body: { ...urlBody(), plan_id: 'nope' } });
      expect(unknown.status).to.equal(400);
      const noContext = await osb(broker.url, 'PUT', '/v2/service_instances/i-2', { body: { service_id: URL_SERVICE, plan_id: PLAN.url, ...platformGuids(NS.client) } });
      expect(noContext.status).to.equal(400);
      expect(noContext.body.description).to.contain('context.namespace');
      expect(await broker.store.listInstances()).to.deep.include({ ok: true, value: [] });
    });

    it('ignores unknown fields and refuses maintenance_info the plan does not have', async () => {
      expect((await osb(broker.url, 'PUT', '/v2/service_instances/i-3', { body: { ...urlBody(), future_field: 1 } })).status).to.equal(201);
      const maintenance = await osb(broker.url, 'PUT', '/v2/service_instances/i-4', { body: { ...urlBody(), maintenance_info: { version: '1.0.0' } } });
      expect(maintenance.status).to.equal(422);
      expect(maintenance.body.error).to.equal('MaintenanceInfoConflict');
    });

    it('answers 400, not 5xx, when a parameter makes an object name Kubernetes would refuse', async () => {
      await broker.stop();
      const objects = providerFixture().map((object) =>
        object.metadata.name === 'api-service-service'
          ? { ...object, data: { 'wrapped-resource': JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'api-{{ parameters.suffix }}' }, spec: { ports: [{ port: 80 }] } }) } }
          : object);
      broker = await startMemoryBroker({ objects });
      const response = await osb(broker.url, 'PUT', '/v2/service_instances/n-1?accepts_incomplete=true', { body: { ...dedicatedBody(), parameters: { suffix: 'Not_Valid' } } });
      expect(response.status).to.equal(400);
      expect(response.body.description).to.contain('parameter "suffix"').and.to.contain('Kubernetes refuses');
      expect(targetObjects('Deployment')).to.deep.equal([]);
      const valid = await provisionAndWait(broker.url, '/v2/service_instances/n-2', { ...dedicatedBody(), parameters: { suffix: 'ok' } });
      expect(valid.last.body.state).to.equal('succeeded');
    });

    it('answers 413 for a body over the size limit', async () => {
      const huge = { ...urlBody(), parameters: { blob: 'x'.repeat(100 * 1024) } };
      expect((await osb(broker.url, 'PUT', '/v2/service_instances/i-5', { body: huge })).status).to.equal(413);
    });

    it('refuses a namespace that is not whitelisted with a 403 and writes nothing', async () => {
      const response = await osb(broker.url, 'PUT', '/v2/service_instances/i-6', {
        body: { service_id: SHARED_SERVICE, plan_id: PLAN.shared, ...platformGuids(NS.other), context: kubernetesContext(NS.other) },
      });
      expect(response.status).to.equal(403);
      expect(response.body.description).to.contain(NS.other);
      expect((await broker.store.getInstance('i-6'))).to.deep.equal({ ok: true, value: undefined });
    });

    it('in a consumer view, refuses a context naming another namespace and plans the view cannot see', async () => {
      const mismatch = await osb(broker.url, 'PUT', `/namespaces/${NS.client}/v2/service_instances/i-7`, { body: urlBody(NS.other) });
      expect(mismatch.status).to.equal(400);
      const hidden = await osb(broker.url, 'PUT', `/namespaces/${NS.other}/v2/service_instances/i-7`, {
        body: { service_id: SHARED_SERVICE, plan_id: PLAN.shared, ...platformGuids(NS.other), context: kubernetesContext(NS.other) },
      });
      expect(hidden.status).to.equal(400);
      expect((await osb(broker.url, 'PUT', `/namespaces/${NS.client}/v2/service_instances/i-7`, { body: urlBody(NS.client) })).status).to.equal(201);
    });

    it('creates dedicated objects, labelled, in the provisioner namespace', async () => {
      expect((await provisionAndWait(broker.url, '/v2/service_instances/d-1', dedicatedBody())).last.body.state).to.equal('succeeded');
      const [deployment] = targetObjects('Deployment');
      const [service] = targetObjects('Service');
      expect(deployment?.metadata.name).to.match(/^api-[0-9a-f]{8}$/);
      expect(service?.metadata.name).to.equal(deployment?.metadata.name);
      expect(deployment?.metadata.labels).to.include({
        'app.kubernetes.io/managed-by': 'mesitis', 'mesitis/instance': instanceLabelValue('d-1'), 'mesitis/offering': 'api-service', 'mesitis/consumer-namespace': NS.client,
      });
    });

    it('gives two consumers their own objects, and refuses a second instance of a fixed-name plan cleanly', async () => {
      expect((await provisionAndWait(broker.url, '/v2/service_instances/d-a', dedicatedBody(NS.client))).last.body.state).to.equal('succeeded');
      expect((await provisionAndWait(broker.url, '/v2/service_instances/d-b', dedicatedBody(NS.other))).last.body.state).to.equal('succeeded');
      expect(targetObjects('Deployment')).to.have.length(2);
      // The fixed plan is a single Service: synchronous.
      const fixed = (id: string) => ({ service_id: FIXED_SERVICE, plan_id: PLAN.fixed, ...platformGuids(NS.client), context: kubernetesContext(NS.client, id) });
      expect((await osb(broker.url, 'PUT', '/v2/service_instances/f-1', { body: fixed('f-1') })).status).to.equal(201);
      const second = await osb(broker.url, 'PUT', '/v2/service_instances/f-2', { body: fixed('f-2') });
      expect(second.status).to.equal(422);
      expect(second.body.description).to.contain('already exists');
      expect(targetObjects('Service').map((s) => s.metadata.labels?.['mesitis/instance']).sort()).to.deep.equal(['d-a', 'd-b', 'f-1'].map(instanceLabelValue).sort());
      expect(await broker.store.getInstance('f-2')).to.deep.equal({ ok: true, value: undefined });
    });

    it('provisions asynchronously when accepts_incomplete=true: 202, the same operation again, then last_operation succeeded', async () => {
      const first = await osb(broker.url, 'PUT', '/v2/service_instances/a-1?accepts_incomplete=true', { body: dedicatedBody() });
      expect(first.status).to.equal(202);
      expect(first.body.operation).to.be.a('string');
      const state = await until(
        () => osb(broker.url, 'GET', `/v2/service_instances/a-1/last_operation?operation=${encodeURIComponent(first.body.operation)}`),
        (r) => r.body.state !== 'in progress',
      );
      expect(state.status).to.equal(200);
      expect(state.body.state).to.equal('succeeded');
      expect((await osb(broker.url, 'PUT', '/v2/service_instances/a-1?accepts_incomplete=true', { body: dedicatedBody() })).status).to.equal(200);
    });
  });

  describe('while an async provision is still running', () => {
    beforeEach(async () => {
      await broker.stop();
      broker = await startMemoryBroker({ objects: providerFixture(), simulateControllers: false });
    });

    it('answers 202 with the same operation, 404 on fetch, 422 on bind, and a DELETE stops it and cleans up', async () => {
      const first = await osb(broker.url, 'PUT', '/v2/service_instances/s-1?accepts_incomplete=true', { body: dedicatedBody() });
      const again = await osb(broker.url, 'PUT', '/v2/service_instances/s-1?accepts_incomplete=true', { body: dedicatedBody() });
      expect(again.status).to.equal(202);
      expect(again.body.operation).to.equal(first.body.operation);
      expect((await osb(broker.url, 'GET', '/v2/service_instances/s-1/last_operation')).body.state).to.equal('in progress');
      expect((await osb(broker.url, 'GET', '/v2/service_instances/s-1')).status).to.equal(404);
      const bind = await osb(broker.url, 'PUT', '/v2/service_instances/s-1/service_bindings/b-1', { body: dedicatedBody() });
      expect(bind.status).to.equal(422);
      expect(bind.body.error).to.equal('ConcurrencyError');
      const deleted = await osb(broker.url, 'DELETE', `/v2/service_instances/s-1?service_id=${DEDICATED_SERVICE}&plan_id=${PLAN.dedicated}&accepts_incomplete=true`);
      expect(deleted.status).to.equal(202);
      const done = await until(() => osb(broker.url, 'GET', '/v2/service_instances/s-1/last_operation'), (r) => r.status !== 200);
      expect(done.status).to.equal(410);
      expect(targetObjects('Deployment')).to.deep.equal([]);
      expect(targetObjects('Service')).to.deep.equal([]);
    });

    it('answers a synchronous repeat while an async provision runs with 422 ConcurrencyError', async () => {
      await osb(broker.url, 'PUT', '/v2/service_instances/s-2?accepts_incomplete=true', { body: dedicatedBody() });
      const sync = await osb(broker.url, 'PUT', '/v2/service_instances/s-2', { body: dedicatedBody() });
      expect(sync.status).to.equal(422);
      expect(sync.body.error).to.equal('ConcurrencyError');
    });
  });

  describe('PATCH, GET and DELETE /v2/service_instances/:id', () => {
    beforeEach(async () => {
      expect((await provisionAndWait(broker.url, '/v2/service_instances/p-1', dedicatedBody())).last.body.state).to.equal('succeeded');
    });

    it('PATCH: 200 {} when nothing changes, 400 for a plan of another service, 400 without service_id', async () => {
      const same = await osb(broker.url, 'PATCH', '/v2/service_instances/p-1', { body: { service_id: DEDICATED_SERVICE, plan_id: PLAN.dedicated } });
      expect(same.status).to.equal(200);
      expect(same.body).to.deep.equal({});
      const change = await osb(broker.url, 'PATCH', '/v2/service_instances/p-1', { body: { service_id: DEDICATED_SERVICE, plan_id: PLAN.fixed } });
      expect(change.status).to.equal(400);
      expect(change.body.description).to.contain(`has no plan ${PLAN.fixed}`);
      expect((await osb(broker.url, 'PATCH', '/v2/service_instances/p-1', { body: {} })).status).to.equal(400);
    });

    it('GET: 200 with service_id, plan_id and parameters; 404 for an unknown instance', async () => {
      const fetched = await osb(broker.url, 'GET', '/v2/service_instances/p-1');
      expect(fetched.status).to.equal(200);
      expect(fetched.body).to.deep.include({ service_id: DEDICATED_SERVICE, plan_id: PLAN.dedicated, parameters: {} });
      expect(Object.keys(fetched.body)).to.have.members(['service_id', 'plan_id', 'parameters', 'maintenance_info']);
      expect((await osb(broker.url, 'GET', '/v2/service_instances/nope')).status).to.equal(404);
      expect((await osb(broker.url, 'GET', '/v2/service_instances/nope/last_operation')).status).to.equal(404);
    });

    it('DELETE: 400 without service_id/plan_id, 200 {} and every object gone, then 410 (a plan without workloads)', async () => {
      const fixed = { service_id: FIXED_SERVICE, plan_id: PLAN.fixed, ...platformGuids(NS.client), context: kubernetesContext(NS.client) };
      expect((await osb(broker.url, 'PUT', '/v2/service_instances/f-1', { body: fixed })).status).to.equal(201);
      expect((await osb(broker.url, 'DELETE', '/v2/service_instances/f-1')).status).to.equal(400);
      const query = `service_id=${FIXED_SERVICE}&plan_id=${PLAN.fixed}`;
      const deleted = await osb(broker.url, 'DELETE', `/v2/service_instances/f-1?${query}`);
      expect(deleted.status).to.equal(200);
      expect(deleted.body).to.deep.equal({});
      expect(targetObjects('Service').filter((s) => s.metadata.name === 'fixed')).to.deep.equal([]);
      expect((await osb(broker.url, 'DELETE', `/v2/service_instances/f-1?${query}`)).status).to.equal(410);
    });

    it('DELETE async: 202 with an operation, then last_operation 410 once done', async () => {
      const query = `service_id=${DEDICATED_SERVICE}&plan_id=${PLAN.dedicated}&accepts_incomplete=true`;
      const accepted = await osb(broker.url, 'DELETE', `/v2/service_instances/p-1?${query}`);
      expect(accepted.status).to.equal(202);
      expect(accepted.body.operation).to.be.a('string');
      const done = await until(() => osb(broker.url, 'GET', '/v2/service_instances/p-1/last_operation'), (r) => r.status !== 200);
      expect(done.status).to.equal(410);
      expect(targetObjects('Deployment')).to.deep.equal([]);
      expect((await osb(broker.url, 'GET', '/v2/service_instances/p-1')).status).to.equal(404);
    });
  });
});
