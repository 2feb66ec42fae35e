import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runCatalog } from '../../src/adapters/cli/catalog-command.js';
import type { MemoryBroker } from '../support/memory-broker.js';
import { EXAMPLE, exampleBroker, run } from './cli-harness.js';

const kubeconfig = (namespace: string | undefined) => `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "https://127.0.0.1:6443" } }]
users: [{ name: jane, user: { token: t } }]
contexts: [{ name: ctx, context: { cluster: c, user: jane${namespace ? `, namespace: ${namespace}` : ''} } }]
current-context: ctx
`;

describe('mesitis catalog', () => {
  let broker: MemoryBroker;
  let dir: string;
  beforeEach(async () => {
    broker = await exampleBroker();
    dir = mkdtempSync(join(tmpdir(), 'mesitis-cli-'));
  });
  afterEach(async () => {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists, as an aligned table, exactly the plans client-ns may use', async () => {
    const { code, out } = await run(runCatalog, ['-n', 'client-ns'], broker);
    expect(code).to.equal(0);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).to.match(/^SERVICE\s+PLAN\s+PLAN-ID\s+DESCRIPTION$/);
    expect(lines.slice(1).map((line) => line.split(/\s{3,}/)[1])).to.have.members([EXAMPLE.apiPlan, 'api-api-service-2', EXAMPLE.timePlan, EXAMPLE.weatherPlan, EXAMPLE.ownPostgresPlan, 'data-kv-store-1', 'data-queue-1', 'data-queue-2', 'security-mtls-gateway-1']);
    expect(out).not.to.contain(EXAMPLE.weatherV2Plan);
    const planColumn = lines[0]!.indexOf('PLAN ');
    expect(lines.slice(1).every((line) => line.indexOf(line.split(/\s{3,}/)[1]!) === planColumn)).to.equal(true);
  });

  it('shows another namespace its own catalog', async () => {
    const { code, out } = await run(runCatalog, ['-n', 'reports-ns'], broker);
    expect(code).to.equal(0);
    expect(out).to.contain(EXAMPLE.weatherV2Plan);
    expect(out).not.to.contain(EXAMPLE.apiPlan);
  });

  it('prints the broker catalog document with -o json', async () => {
    const { code, out } = await run(runCatalog, ['-n', 'client-ns', '-o', 'json'], broker);
    expect(code).to.equal(0);
    const document = JSON.parse(out) as { services: { name: string; plans: { id: string }[] }[] };
    expect(document.services.map((service) => service.name)).to.have.members(['api-api-service', 'platform-time-service', 'weather-forecast-api', 'data-own-postgres', 'data-kv-store', 'data-queue', 'security-mtls-gateway']);
    expect(document.services.flatMap((service) => service.plans.map((plan) => plan.id))).to.include(EXAMPLE.weatherPlanId);
  });

  it('takes the namespace from the current kube context when -n is absent', async () => {
    writeFileSync(join(dir, 'config'), kubeconfig('reports-ns'));
    const { code, out } = await run(runCatalog, [], broker, { env: { KUBECONFIG: join(dir, 'config') } });
    expect(code).to.equal(0);
    expect(out).to.contain(EXAMPLE.weatherV2Plan);
  });

  it('is a usage error (exit 2) when no namespace can be found, with or without a kubeconfig', async () => {
    const without = await run(runCatalog, [], broker);
    expect(without.code).to.equal(2);
    expect(without.err).to.contain('no consumer namespace').and.to.contain('no kubeconfig found');
    writeFileSync(join(dir, 'config'), kubeconfig(undefined));
    const noNamespace = await run(runCatalog, [], broker, { env: { HOME: dir, KUBECONFIG: join(dir, 'config') } });
    expect(noNamespace.code).to.equal(2);
    expect(noNamespace.err).to.contain('names no namespace');
  });

  it('refuses flags of other verbs, unknown -o formats and stray arguments with exit 2', async () => {
    for (const args of [['-n', 'client-ns', '--secret', 'x'], ['-n', 'client-ns', '-o', 'yaml'], ['-n', 'client-ns', 'extra'], ['--bogus']]) {
      const { code, err } = await run(runCatalog, args, broker);
      expect(code, args.join(' ')).to.equal(2);
      expect(err).to.match(/^mesitis catalog: .+\nRun "mesitis catalog --help" for usage\.\n$/);
    }
  });

  it('answers --help with exit 0 and the common flags', async () => {
    const { code, out } = await run(runCatalog, ['--help'], broker);
    expect(code).to.equal(0);
    expect(out).to.contain('Usage: mesitis catalog').and.to.contain('--broker-url').and.to.contain('Exit codes');
  });

  it('reports a broker it cannot reach with exit 1', async () => {
    await broker.stop();
    const { code, err } = await run(runCatalog, ['-n', 'client-ns'], broker);
    expect(code).to.equal(1);
    expect(err).to.match(/^mesitis catalog: cannot reach the broker at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
  });
});

describe('mesitis catalog against a broker that requires credentials', () => {
  let broker: MemoryBroker;
  afterEach(async () => { await broker.stop(); });

  it('sends basic auth from flags or environment, and explains a 401', async () => {
    broker = await exampleBroker({ auth: { username: 'team', password: 's3cret' } });
    expect((await run(runCatalog, ['-n', 'client-ns', '--username', 'team', '--password', 's3cret'], broker)).code).to.equal(0);
    expect((await run(runCatalog, ['-n', 'client-ns'], broker, { env: { MESITIS_USERNAME: 'team', MESITIS_PASSWORD: 's3cret' } })).code).to.equal(0);
    const refused = await run(runCatalog, ['-n', 'client-ns', '--username', 'team', '--password', 'wrong'], broker);
    expect(refused.code).to.equal(1);
    expect(refused.err).to.contain('mesitis catalog: 401 Unauthorized: authentication required').and.to.contain('--username/--password');
  });

  it('sends a bearer token, and refuses both kinds of credentials at once', async () => {
    broker = await exampleBroker({ auth: { bearerToken: 'tok-123' } });
    expect((await run(runCatalog, ['-n', 'client-ns', '--token', 'tok-123'], broker)).code).to.equal(0);
    expect((await run(runCatalog, ['-n', 'client-ns'], broker, { env: { MESITIS_BEARER_TOKEN: 'tok-123' } })).code).to.equal(0);
    const both = await run(runCatalog, ['-n', 'client-ns', '--token', 'tok-123', '--username', 'u'], broker);
    expect(both.code).to.equal(2);
    const half = await run(runCatalog, ['-n', 'client-ns', '--username', 'u'], broker);
    expect(half.code).to.equal(2);
    expect(half.err).to.contain('needs a password');
  });
});
