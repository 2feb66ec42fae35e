import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { keyOf } from '../../src/adapters/memory/memory-cluster.js';
import { settledStatus } from '../../src/adapters/memory/simulated-controllers.js';
import { runProvision } from '../../src/adapters/cli/provision-command.js';
import type { MemoryBroker } from '../support/memory-broker.js';
import { captureIo, EXAMPLE, exampleBroker, run } from './cli-harness.js';

const until = async (condition: () => boolean): Promise<void> => {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error('condition not reached');
};

describe('mesitis provision', () => {
  let broker: MemoryBroker;
  afterEach(async () => { await broker.stop(); });

  describe('with controllers that make objects ready', () => {
    beforeEach(async () => { broker = await exampleBroker(); });

    it('provisions a synchronous plan by name, with parameters and the Kubernetes context', async () => {
      const { code, out } = await run(runProvision, ['w-1', '-n', 'client-ns', '--plan', EXAMPLE.weatherPlan, '-p', 'region=eu', '-p', 'note=a=b'], broker);
      expect(code).to.equal(0);
      expect(out).to.equal(`instance w-1 provisioned (weather-forecast-api / ${EXAMPLE.weatherPlan}) in client-ns\n`);
      const stored = await broker.store.getInstance('w-1');
      const record = stored.ok ? stored.value?.record : undefined;
      expect(record?.parameters).to.deep.equal({ region: 'eu', note: 'a=b' });
      expect(record?.consumerNamespace).to.equal('client-ns');
      expect(record?.context).to.deep.include({ platform: 'kubernetes', namespace: 'client-ns', instance_name: 'w-1' });
    });

    it('says so when an identical instance exists, and fails with exit 1 and the description on a 409', async () => {
      expect((await run(runProvision, ['w-1', '-n', 'client-ns', '--plan', EXAMPLE.weatherPlanId], broker)).code).to.equal(0);
      const again = await run(runProvision, ['w-1', '-n', 'client-ns', '--plan', EXAMPLE.weatherPlanId], broker);
      expect(again.code).to.equal(0);
      expect(again.out).to.contain('already exists with these attributes');
      const conflict = await run(runProvision, ['w-1', '-n', 'client-ns', '--plan', EXAMPLE.weatherPlanId, '-p', 'size=large'], broker);
      expect(conflict.code).to.equal(1);
      expect(conflict.err).to.equal('mesitis provision: 409 Conflict: instance w-1 already exists with different attributes\n');
      expect(conflict.out).to.equal('');
    });

    it('prints a parseable JSON result with -o json', async () => {
      const { code, out } = await run(runProvision, ['i-1', '-n', 'client-ns', '--service', EXAMPLE.apiService, '--plan', EXAMPLE.apiPlan, '-o', 'json'], broker);
      expect(code).to.equal(0);
      expect(JSON.parse(out)).to.deep.include({
        instance_id: 'i-1', namespace: 'client-ns', service_id: EXAMPLE.apiServiceId, plan: EXAMPLE.apiPlan, state: 'succeeded', outcome: 'created',
      });
    });

    it('refuses a plan the namespace may not use before asking the broker', async () => {
      const { code, err } = await run(runProvision, ['w-2', '-n', 'client-ns', '--plan', EXAMPLE.weatherV2Plan], broker);
      expect(code).to.equal(1);
      expect(err).to.contain(`no plan "${EXAMPLE.weatherV2Plan}" in the catalog of client-ns`);
      expect(await broker.store.getInstance('w-2')).to.deep.equal({ ok: true, value: undefined });
    });

    it('sends the kube context user as the originating identity', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mesitis-cli-'));
      try {
        writeFileSync(join(dir, 'config'), `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "https://127.0.0.1:6443" } }]
users: [{ name: jane, user: { token: t } }]
contexts: [{ name: ctx, context: { cluster: c, user: jane, namespace: client-ns } }]
current-context: ctx
`);
        const { code } = await run(runProvision, ['w-3', '--plan', EXAMPLE.weatherPlan], broker, { env: { KUBECONFIG: join(dir, 'config') } });
        expect(code).to.equal(0);
        const stored = await broker.store.getInstance('w-3');
        expect(stored.ok && stored.value?.record.originatingIdentity).to.deep.equal({ platform: 'kubernetes', value: { username: 'jane' } });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('treats a missing --plan, a bad -p, a bad --timeout and --wait with --no-wait as usage errors', async () => {
      for (const args of [['i-9'], ['i-9', '--plan', 'x', '-p', 'novalue'], ['i-9', '--plan', 'x', '--timeout', 'soon'], ['i-9', '--plan', 'x', '--wait', '--no-wait'], ['--plan', 'x']]) {
        const { code } = await run(runProvision, ['-n', 'client-ns', ...args], broker);
        expect(code, args.join(' ')).to.equal(2);
      }
      expect((await broker.store.listInstances())).to.deep.equal({ ok: true, value: [] });
    });
  });

  describe('with no controllers (objects never become ready on their own)', () => {
    beforeEach(async () => { broker = await exampleBroker({ simulateControllers: false }); });

    it('waits with a progress line per poll, then reports success once the objects are ready', async () => {
      const captured = captureIo();
      const running = runProvision(['i-1', '-n', 'client-ns', '--plan', EXAMPLE.apiPlan], { io: captured.io, env: { MESITIS_URL: broker.url }, pollIntervalMs: 20 });
      await until(() => captured.err().split('\n').length > 3);
      for (const deployment of broker.cluster.list('Deployment', 'api-ns')) {
        broker.cluster.setStatus(keyOf(deployment), settledStatus(deployment)!);
      }
      expect(await running).to.equal(0);
      const progress = captured.err().trimEnd().split('\n');
      expect(progress[0]).to.match(/^waiting for provision of i-1: in progress(, .+)? \(\d+s\)$/);
      expect(progress.every((line) => line.startsWith('waiting for provision of i-1: in progress'))).to.equal(true);
      expect(captured.out()).to.equal(`instance i-1 provisioned (${EXAMPLE.apiService} / ${EXAMPLE.apiPlan}) in client-ns\n`);
    });

    it('gives up after --timeout with exit 3 and says how to follow the operation', async () => {
      const started = Date.now();
      const { code, out, err } = await run(runProvision, ['i-2', '-n', 'client-ns', '--plan', EXAMPLE.apiPlan, '--timeout', '1'], broker);
      expect(code).to.equal(3);
      expect(Date.now() - started).to.be.within(900, 5000);
      expect(out).to.equal('');
      expect(err).to.match(/waiting for provision of i-2: in progress/);
      expect(err).to.match(/mesitis provision: timed out after 1s waiting for provision of i-2 \(last state: in progress.*\); .*"mesitis status i-2 -n client-ns"\n$/);
    });

    it('returns at once with --no-wait, naming the operation in JSON', async () => {
      const { code, out, err } = await run(runProvision, ['i-3', '-n', 'client-ns', '--plan', EXAMPLE.apiPlan, '--no-wait', '-o', 'json'], broker);
      expect(code).to.equal(0);
      expect(err).to.equal('');
      const result = JSON.parse(out) as { state: string; outcome: string; operation?: string };
      expect(result).to.deep.include({ state: 'in progress', outcome: 'accepted' });
      expect(result.operation).to.be.a('string').and.not.equal('');
    });
  });

  it('reports a failed operation with exit 1 and the broker\'s description', async () => {
    broker = await exampleBroker({ simulateControllers: false, settings: { readinessTimeoutMs: 100 } });
    const { code, err } = await run(runProvision, ['i-4', '-n', 'client-ns', '--plan', EXAMPLE.apiPlan, '--timeout', '20'], broker);
    expect(code).to.equal(1);
    expect(err).to.match(/mesitis provision: provision of i-4 failed: not ready within .+\n$/);
  });
});
