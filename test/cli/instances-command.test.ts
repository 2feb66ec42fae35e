import { execFile } from 'node:child_process';
import { expect } from 'chai';
import { runInstances } from '../../src/adapters/provider-cli/instances.js';
import { deriveServiceId } from '../../src/domain/catalog-entry.js';
import { REPO_ROOT } from '../support/broker-process.js';
import { startMemoryBroker, type MemoryBroker } from '../support/memory-broker.js';
import { osb, provisionAndWait } from '../support/osb-client.js';
import { kubernetesContext, NS, platformGuids } from '../support/provider-fixture.js';
import { editVersion1, VERSIONED, versionedFixture } from '../support/versioned-fixture.js';
import { captureIo } from './cli-harness.js';

const auth = { username: 'provider', password: 'provider-secret' };
const asJane = { 'X-Broker-API-Originating-Identity': `kubernetes ${Buffer.from(JSON.stringify({ username: 'jane' })).toString('base64')}` };

describe('mesitis instances: the provider\'s listing', () => {
  let broker: MemoryBroker;
  const connection = () => ({ brokerUrl: broker.url, auth: { kind: 'basic' as const, ...auth } });
  const list = async (output: 'table' | 'json', over: Partial<ReturnType<typeof connection>> = {}) => {
    const captured = captureIo();
    const code = await runInstances({ connection: { ...connection(), ...over }, output }, captured.io);
    return { code, out: captured.out(), err: captured.err() };
  };

  beforeEach(async () => {
    broker = await startMemoryBroker({ objects: versionedFixture(), auth });
    const body = { service_id: deriveServiceId('api', 'api-service'), plan_id: VERSIONED.v1PlanId, ...platformGuids(NS.client), context: kubernetesContext(NS.client) };
    expect((await provisionAndWait(broker.url, '/v2/service_instances/a-1', body, { auth, headers: asJane })).last.body.state).to.equal('succeeded');
  });
  afterEach(async () => { await broker.stop(); });

  it('prints a row per instance: namespace, plan, maintenance level, upgrade, status, who asked and since when', async () => {
    const { body } = await osb(broker.url, 'GET', '/admin/instances', { auth });
    const { maintenanceVersion, createdAt } = body.instances[0];
    const current = await list('table');
    expect(current.code).to.equal(0);
    const [header, row, ...rest] = current.out.trimEnd().split('\n');
    expect(header!.split(/\s{3,}/)).to.deep.equal(['INSTANCE', 'NAMESPACE', 'PLAN', 'VERSION', 'UPGRADE', 'STATUS', 'REQUESTED BY', 'SINCE']);
    expect(row!.split(/\s{3,}/)).to.deep.equal(['a-1', NS.client, VERSIONED.v1Plan, maintenanceVersion, '-', 'ready', 'jane', createdAt]);
    expect(rest).to.deep.equal([]);
    expect(current.err).to.equal('');

    editVersion1(broker);
    const behind = await list('table');
    expect(behind.out).to.match(/^a-1\s+client-ns\s+api-api-service-1\s+\S+\s+available: 1\.0\.0\+[0-9a-f]{12}\s+ready\s+jane\s+/m);
    expect(behind.err).to.equal('hint: 1 instance is behind its plan\'s maintenance level; consumers apply it with "mesitis upgrade INSTANCE -n NAMESPACE"\n');
  });

  it('names who asked for the last operation beside who provisioned, when they differ', async () => {
    editVersion1(broker);
    const asBob = { 'X-Broker-API-Originating-Identity': `kubernetes ${Buffer.from(JSON.stringify({ username: 'bob' })).toString('base64')}` };
    const { body } = await osb(broker.url, 'GET', '/admin/instances', { auth });
    const level = body.instances[0].planMaintenanceVersion as string;
    const patch = await osb(broker.url, 'PATCH', '/v2/service_instances/a-1?accepts_incomplete=true', {
      auth, headers: asBob, body: { service_id: deriveServiceId('api', 'api-service'), maintenance_info: { version: level } },
    });
    expect(patch.status).to.be.oneOf([200, 202]);
    let row = '';
    for (let attempt = 0; attempt < 200 && !row.includes('(update: bob)'); attempt++) {
      row = (await list('table')).out.split('\n')[1] ?? '';
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(row.split(/\s{3,}/)[6]).to.equal('jane (update: bob)');
  });

  it('prints the broker\'s inventory as JSON with -o json', async () => {
    editVersion1(broker);
    const { code, out } = await list('json');
    expect(code).to.equal(0);
    const { instances } = JSON.parse(out) as { instances: Record<string, unknown>[] };
    expect(instances).to.have.length(1);
    expect(instances[0]).to.deep.include({ instanceId: 'a-1', plan: VERSIONED.v1Plan, upgradeAvailable: true, requestedBy: 'jane', status: 'ready' });
    expect(instances[0]).to.have.keys(
      'instanceId', 'serviceId', 'planId', 'plan', 'version', 'entry', 'consumerNamespace', 'status', 'maintenanceVersion', 'planMaintenanceVersion',
      'upgradeAvailable', 'requestedBy', 'createdAt', 'updatedAt', 'lastOperation', 'objects', 'bindings');
  });

  it('fails with exit 1 and says why when the credentials are wrong or the broker is not there', async () => {
    const refused = await list('table', { auth: { kind: 'basic', username: 'provider', password: 'wrong' } });
    expect(refused.code).to.equal(1);
    expect(refused.out).to.equal('');
    expect(refused.err).to.match(/^mesitis instances: cannot list the instances: 401 Unauthorized.*check --username\/--password/);
    const json = await list('json', { auth: { kind: 'basic', username: 'provider', password: 'wrong' } });
    expect(json.code).to.equal(1);
    expect((JSON.parse(json.out) as { error: unknown }).error).to.include({ verb: 'instances', exit_code: 1, http_status: 401 });
    const away = await list('table', { brokerUrl: 'http://127.0.0.1:1' });
    expect(away.code).to.equal(1);
    expect(away.err).to.contain('cannot reach the broker at http://127.0.0.1:1');
  });

  it('is the "instances" verb of the mesitis command, with the broker credentials from the environment', async function () {
    this.timeout(60_000);
    const env = { PATH: process.env['PATH'] ?? '', HOME: '/nonexistent', MESITIS_URL: broker.url, MESITIS_USERNAME: auth.username, MESITIS_PASSWORD: auth.password };
    const outcome = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'src/main/cli.ts', 'instances', '-o', 'json'], { cwd: REPO_ROOT, env }, (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      });
    });
    expect(outcome.code, outcome.stderr).to.equal(0);
    expect((JSON.parse(outcome.stdout) as { instances: { instanceId: string }[] }).instances.map((i) => i.instanceId)).to.deep.equal(['a-1']);
  });
});
