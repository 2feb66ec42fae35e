/**
 * A Helm-chart offering over OSB in dev mode: the chart packaged into a
 * ConfigMap, rendered by the real helm binary and applied to the fake
 * cluster (MemoryHelmReleases). The catalog publishes the parameters, bad
 * ones are refused before anything is installed, and an instance goes
 * through provision, bind, update and deprovision.
 */
import { expect } from 'chai';
import { deriveServiceId } from '../../src/domain/catalog-entry.js';
import { HELM_NS, HELM_OFFERING, HELM_PLAN, HELM_TEAM, helmOffering, releaseNameOf } from '../support/helm-offering-fixture.js';
import { buildHelm, helmPrerequisite, packageChart } from '../support/helm.js';
import { startMemoryBroker, type MemoryBroker } from '../support/memory-broker.js';
import { osb, provisionAndWait, type OsbResponse } from '../support/osb-client.js';
import { requireOrSkip } from '../support/prerequisites.js';
import { kubernetesContext, NS, platformGuids, providerFixture } from '../support/provider-fixture.js';
import { FIXTURE_CHART_DIR } from '../contract/helm-releases.contract.js';

const SERVICE = deriveServiceId(HELM_TEAM, HELM_OFFERING);
const INSTANCE = '/v2/service_instances/helm-1';
const body = (parameters: Record<string, unknown> = {}, plan: string = HELM_PLAN.v1) =>
  ({ service_id: SERVICE, plan_id: plan, ...platformGuids(NS.client), context: kubernetesContext(NS.client), parameters });

async function waitFor(broker: MemoryBroker, path: string, answer: OsbResponse): Promise<OsbResponse> {
  const operation = encodeURIComponent(String(answer.body?.['operation'] ?? ''));
  for (let attempt = 0; attempt < 500; attempt++) {
    const last = await osb(broker.url, 'GET', `${path}/last_operation?operation=${operation}`);
    if (last.status !== 200 || last.body?.['state'] !== 'in progress') return last;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${path}: still in progress after 5 s`);
}

describe('a Helm-chart offering over OSB (dev mode: helm template on the fake cluster)', function () {
  this.timeout(60_000);
  let helm: string;
  let chart: Uint8Array;
  let broker: MemoryBroker;

  before(async function () {
    requireOrSkip(this, 'the dev-mode Helm offering', helmPrerequisite());
    this.timeout(20 * 60_000); // the first run on a machine builds helm
    helm = await buildHelm();
    chart = await packageChart(FIXTURE_CHART_DIR);
  });
  beforeEach(async () => { broker = await startMemoryBroker({ objects: [...providerFixture(), ...helmOffering(chart)], helmBinary: helm }); });
  afterEach(async () => { await broker?.stop(); });

  const releaseObjects = () => ['Deployment', 'Service', 'Secret'].flatMap((kind) => broker.cluster.list(kind, HELM_NS).map((o) => `${kind}/${o.metadata.name}`));

  it('publishes the parameters a consumer may set as the plan\'s schema', async () => {
    const catalog = await osb(broker.url, 'GET', '/v2/catalog');
    const service = (catalog.body?.['services'] as { id: string; plans: Record<string, unknown>[] }[]).find((s) => s.id === SERVICE)!;
    const plan = service.plans.find((p) => p['id'] === HELM_PLAN.v1)!;
    expect(plan['schemas']).to.deep.equal({
      service_instance: {
        create: { parameters: {
          $schema: 'http://json-schema.org/draft-04/schema#', type: 'object', additionalProperties: false,
          properties: { tag: { type: 'string', enum: ['1.0', '1.1'], default: '1.0', description: 'the image tag' } },
        } },
        update: { parameters: {
          $schema: 'http://json-schema.org/draft-04/schema#', type: 'object', additionalProperties: false,
          properties: { tag: { type: 'string', enum: ['1.0', '1.1'], default: '1.0', description: 'the image tag' } },
        } },
      },
    });
  });

  it('refuses a parameter outside the schema with 400 and a description, installing nothing', async () => {
    const refused = await osb(broker.url, 'PUT', `${INSTANCE}?accepts_incomplete=true`, { body: body({ tag: '9.9' }) });
    expect(refused.status).to.equal(400);
    expect(refused.body?.['description']).to.equal('parameter "tag" must be one of "1.0", "1.1"');
    const sync = await osb(broker.url, 'PUT', INSTANCE, { body: body() });
    expect(sync.status).to.equal(422);
    expect(sync.body?.['error']).to.equal('AsyncRequired');
    expect(releaseObjects()).to.deep.equal([]);
  });

  it('provisions, binds with the chart\'s own Secret, updates and deprovisions', async () => {
    const release = releaseNameOf('helm-1');
    const { last } = await provisionAndWait(broker.url, INSTANCE, body());
    expect(last.body).to.deep.include({ state: 'succeeded' });
    expect(releaseObjects()).to.have.members([`Deployment/${release}`, `Service/${release}`, `Secret/${release}-credentials`]);

    const binding = await osb(broker.url, 'PUT', `${INSTANCE}/service_bindings/b-1`, { body: { service_id: SERVICE, plan_id: HELM_PLAN.v1, context: kubernetesContext(NS.client) } });
    expect(binding.status).to.equal(201);
    const credentials = binding.body?.['credentials'] as Record<string, unknown>;
    expect(credentials).to.include({ type: HELM_OFFERING, provider: HELM_TEAM, host: `${release}.${HELM_NS}.svc.cluster.local`, port: 5432, username: 'fixture' });
    expect(credentials['password']).to.match(/^[A-Za-z0-9]{24}$/);

    const patched = await osb(broker.url, 'PATCH', `${INSTANCE}?accepts_incomplete=true`, { body: { service_id: SERVICE, parameters: { tag: '1.1' } } });
    expect(patched.status).to.equal(202);
    expect((await waitFor(broker, INSTANCE, patched)).body).to.deep.include({ state: 'succeeded' });
    const deployment = broker.cluster.list('Deployment', HELM_NS)[0]!;
    expect(JSON.stringify(deployment['spec'])).to.contain('registry.example/fixture-db:1.1');

    const deleted = await osb(broker.url, 'DELETE', `${INSTANCE}?service_id=${SERVICE}&plan_id=${HELM_PLAN.v1}&accepts_incomplete=true`);
    expect(deleted.status).to.equal(202);
    expect((await waitFor(broker, INSTANCE, deleted)).status).to.equal(410);
    expect(releaseObjects()).to.deep.equal([]);
  });
});
