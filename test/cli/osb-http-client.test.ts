import { expect } from 'chai';
import { runCatalog } from '../../src/adapters/cli/catalog-command.js';
import { describeOsbFailure } from '../../src/adapters/cli/osb-failure.js';
import { OsbHttpClient } from '../../src/adapters/cli/osb-http-client.js';
import { runProvision } from '../../src/adapters/cli/provision-command.js';
import { run } from './cli-harness.js';
import { startStubBroker, type StubAnswer, type StubBroker } from './stub-broker.js';

const CATALOG = {
  services: [{ id: 'svc-1', name: 'web-time', description: 'd', plans: [{ id: 'plan-1', name: 'web-time-1', description: 'p' }] }],
};

describe('OSB HTTP client', () => {
  let stub: StubBroker;
  afterEach(async () => { await stub.stop(); });
  const start = async (answer: (path: string, index: number) => StubAnswer) => {
    stub = await startStubBroker((request, index) => answer(request.url, index));
  };

  it('sends the version, a fresh request identity, the auth and the originating identity to the namespace view', async () => {
    await start(() => ({ status: 200, body: CATALOG }));
    const client = new OsbHttpClient({ brokerUrl: stub.url, namespace: 'client-ns', auth: { kind: 'bearer', token: 'tok' }, kubeUser: 'jane' });
    expect((await client.catalog()).ok).to.equal(true);
    expect((await client.catalog()).ok).to.equal(true);
    const [first, second] = stub.requests;
    expect(first?.url).to.equal('/namespaces/client-ns/v2/catalog');
    expect(first?.headers['x-broker-api-version']).to.equal('2.17');
    expect(first?.headers['authorization']).to.equal('Bearer tok');
    expect(first?.headers['x-broker-api-request-identity']).to.match(/^[0-9a-f-]{36}$/);
    expect(first?.headers['x-broker-api-request-identity']).not.to.equal(second?.headers['x-broker-api-request-identity']);
    const [platform, encoded] = String(first?.headers['x-broker-api-originating-identity']).split(' ');
    expect(platform).to.equal('kubernetes');
    expect(JSON.parse(Buffer.from(encoded!, 'base64').toString('utf8'))).to.deep.equal({ username: 'jane' });
  });

  it('provisions with organization_guid (the cluster) and space_guid (the namespace), as OSB requires', async () => {
    await start((path) => (path.endsWith('/catalog') ? { status: 200, body: CATALOG } : { status: 201, body: {} }));
    const { code } = await run(runProvision, ['i-1', '-n', 'client-ns', '--plan', 'web-time-1', '--cluster-id', 'prod-eu-1'], stub);
    expect(code).to.equal(0);
    const put = stub.requests.find((request) => request.method === 'PUT');
    expect(JSON.parse(put?.body ?? '{}')).to.deep.include({
      organization_guid: 'prod-eu-1', space_guid: 'client-ns',
      context: { platform: 'kubernetes', clusterid: 'prod-eu-1', namespace: 'client-ns', instance_name: 'i-1' },
    });
  });

  it('sends --bearer-token (and its short name --token) as the Authorization header', async () => {
    await start(() => ({ status: 200, body: CATALOG }));
    for (const flag of ['--bearer-token', '--token']) {
      expect((await run(runCatalog, ['-n', 'client-ns', flag, 'tok-1'], stub)).code, flag).to.equal(0);
    }
    expect(stub.requests.map((request) => request.headers['authorization'])).to.deep.equal(['Bearer tok-1', 'Bearer tok-1']);
  });

  it('percent-encodes ids and sends the query OSB requires', async () => {
    await start(() => ({ status: 200, body: {} }));
    const client = new OsbHttpClient({ brokerUrl: stub.url, namespace: 'client-ns', auth: { kind: 'basic', username: 'u', password: 'p:w' } });
    await client.unbind('i/1', 'b 1', { serviceId: 's&1', planId: 'p-1' });
    expect(stub.requests[0]?.method).to.equal('DELETE');
    expect(stub.requests[0]?.url).to.equal('/namespaces/client-ns/v2/service_instances/i%2F1/service_bindings/b%201?service_id=s%261&plan_id=p-1&accepts_incomplete=true');
    expect(stub.requests[0]?.headers['authorization']).to.equal(`Basic ${Buffer.from('u:p:w').toString('base64')}`);
  });

  it('turns error answers into status, code and description, whatever the body', async () => {
    const answers: StubAnswer[] = [
      { status: 422, body: { error: 'ConcurrencyError', description: 'instance i-1 is being deprovisioned' } },
      { status: 500, raw: '<html>oops</html>' },
      { status: 200, body: { services: [{ name: 'no id' }] } },
    ];
    await start((_path, index) => answers[index]!);
    const client = new OsbHttpClient({ brokerUrl: stub.url, namespace: 'client-ns' });
    const described = [];
    for (let i = 0; i < answers.length; i++) {
      const result = await client.catalog();
      described.push(result.ok ? 'ok' : describeOsbFailure(result.error));
    }
    expect(described).to.deep.equal([
      '422 Unprocessable Entity (ConcurrencyError): instance i-1 is being deprovisioned',
      '500 Internal Server Error: the broker gave no description',
      'the broker answered 200 OK with a body that is not valid OSB: missing or invalid services.0.id, services.0.description, services.0.plans',
    ]);
  });

  it('gives exit 1 and the description for a 403, through a verb', async () => {
    await start((path) =>
      path.endsWith('/catalog')
        ? { status: 200, body: CATALOG }
        : { status: 403, body: { description: 'namespace "client-ns" is not whitelisted for plan plan-1 of web-time' } });
    const { code, out, err } = await run(runProvision, ['i-1', '-n', 'client-ns', '--plan', 'web-time-1'], stub);
    expect(code).to.equal(1);
    expect(out).to.equal('');
    expect(err).to.equal('mesitis provision: 403 Forbidden: namespace "client-ns" is not whitelisted for plan plan-1 of web-time\n');
    const body = JSON.parse(stub.requests[1]!.body) as Record<string, unknown>;
    expect(body).to.deep.equal({
      service_id: 'svc-1', plan_id: 'plan-1', organization_guid: 'kubernetes', space_guid: 'client-ns',
      context: { platform: 'kubernetes', clusterid: 'kubernetes', namespace: 'client-ns', instance_name: 'i-1' }, parameters: {},
    });
    expect(stub.requests[1]!.url).to.equal('/namespaces/client-ns/v2/service_instances/i-1?accepts_incomplete=true');
  });

  it('keeps waiting through a broker that is briefly unavailable, sending the operation back', async () => {
    const states: StubAnswer[] = [
      { status: 202, body: { operation: 'op 1' } },
      { status: 503, body: { description: 'restarting' } },
      { status: 200, body: { state: 'in progress' } },
      { status: 200, body: { state: 'succeeded' } },
    ];
    await start((path, index) => (path.endsWith('/catalog') ? { status: 200, body: CATALOG } : states[index - 1]!));
    const { code, err } = await run(runProvision, ['i-1', '-n', 'client-ns', '--plan', 'plan-1'], stub);
    expect(code).to.equal(0);
    expect(err).to.contain('waiting for provision of i-1: 503 Service Unavailable: restarting; retrying');
    expect(stub.requests.at(-1)?.url).to.equal('/namespaces/client-ns/v2/service_instances/i-1/last_operation?operation=op+1&service_id=svc-1&plan_id=plan-1');
  });

  it('says the catalog is empty on stderr, keeping stdout clean', async () => {
    await start(() => ({ status: 200, body: { services: [] } }));
    const { code, out, err } = await run(runCatalog, ['-n', 'client-ns'], stub);
    expect(code).to.equal(0);
    expect(out).to.equal('');
    expect(err).to.equal('No services in the catalog of client-ns.\n');
  });
});
