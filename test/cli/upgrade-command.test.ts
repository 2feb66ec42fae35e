import { expect } from 'chai';
import { settledStatus } from '../../src/adapters/memory/simulated-controllers.js';
import { runProvision } from '../../src/adapters/cli/provision-command.js';
import { runStatus } from '../../src/adapters/cli/status-command.js';
import { runUpgrade } from '../../src/adapters/cli/upgrade-command.js';
import { startMemoryBroker, type MemoryBroker } from '../support/memory-broker.js';
import { NS } from '../support/provider-fixture.js';
import { deployedImages, editVersion1, VERSIONED, versionedFixture } from '../support/versioned-fixture.js';
import { run } from './cli-harness.js';
import { startStubBroker, type StubBroker } from './stub-broker.js';

const ns = ['-n', NS.client];

async function storedRecord(broker: MemoryBroker, id: string) {
  const stored = await broker.store.getInstance(id);
  if (!stored.ok || stored.value === undefined) throw new Error(`no record of ${id}`);
  return stored.value.record;
}

async function statusJson(broker: MemoryBroker, id: string): Promise<{ version: string | null; upgrade: { available: boolean; from?: string; to: string } | null }> {
  const shown = await run(runStatus, [id, ...ns, '-o', 'json'], broker);
  expect(shown.code, shown.err).to.equal(0);
  return JSON.parse(shown.out);
}

describe('mesitis upgrade, and the version in mesitis status', () => {
  let broker: MemoryBroker;

  describe('with controllers that roll changes out at once', () => {
    afterEach(async () => { await broker.stop(); });
    beforeEach(async () => {
      broker = await startMemoryBroker({ objects: versionedFixture() });
      const provisioned = await run(runProvision, ['i-1', ...ns, '--plan', VERSIONED.v1Plan], broker);
      expect(provisioned.code, provisioned.err).to.equal(0);
    });

    it('says an instance at its plan\'s level is up to date, with exit 0 and no update sent', async () => {
      const status = await run(runStatus, ['i-1', ...ns], broker);
      const level = (await storedRecord(broker, 'i-1')).maintenanceVersion!;
      expect(status.out).to.match(new RegExp(`^VERSION\\s+${level.replace(/[.+]/g, '\\$&')}$`, 'm'));
      expect(status.out).to.match(/^UPGRADE\s+none: at the plan's newest maintenance level$/m);

      const { code, out } = await run(runUpgrade, ['i-1', ...ns], broker);
      expect(code).to.equal(0);
      expect(out).to.equal(`instance i-1 is already up to date (${VERSIONED.v1Plan} at ${level}): nothing to upgrade\n`);
      expect((await storedRecord(broker, 'i-1')).operation.type).to.equal('provision');
    });

    it('after a provider edits the plan\'s templates, status says an upgrade is available and upgrade applies it', async () => {
      const before = (await storedRecord(broker, 'i-1')).maintenanceVersion!;
      editVersion1(broker);
      const available = await statusJson(broker, 'i-1');
      expect(available.version).to.equal(before);
      expect(available.upgrade?.available).to.equal(true);
      expect(available.upgrade?.from).to.equal(before);
      const after = available.upgrade!.to;
      expect(after).to.not.equal(before);
      const table = await run(runStatus, ['i-1', ...ns], broker);
      expect(table.out).to.contain(`upgrade available: ${before} -> ${after} (run "mesitis upgrade i-1 -n ${NS.client}")`);

      const { code, out, err } = await run(runUpgrade, ['i-1', ...ns], broker);
      expect(code, err).to.equal(0);
      expect(out).to.equal(`instance i-1 upgraded from ${VERSIONED.v1Plan} at ${before} to ${VERSIONED.v1Plan} at ${after}\n`);
      expect(deployedImages(broker)).to.deep.equal(['example/app:1.1']);
      expect((await storedRecord(broker, 'i-1'))).to.include({ maintenanceVersion: after, planId: VERSIONED.v1PlanId });
      expect((await statusJson(broker, 'i-1')).upgrade).to.deep.equal({ available: false, from: after, to: after });
    });

    it('points at the plans of the service at a higher version in status, and at none once the instance is on the newest', async () => {
      const table = await run(runStatus, ['i-1', ...ns], broker);
      expect(table.out).to.match(new RegExp(`NEWER PLAN +${VERSIONED.v2Plan} \\(version 2\\): "mesitis upgrade i-1 --plan ${VERSIONED.v2Plan} -n ${NS.client}"`));
      const before = JSON.parse((await run(runStatus, ['i-1', ...ns, '-o', 'json'], broker)).out) as { newer_plans: { plan_id: string }[] };
      expect(before.newer_plans.map((p) => p.plan_id)).to.deep.equal([VERSIONED.v2PlanId]);
      expect((await run(runUpgrade, ['i-1', ...ns, '--plan', VERSIONED.v2Plan], broker)).code).to.equal(0);
      const after = JSON.parse((await run(runStatus, ['i-1', ...ns, '-o', 'json'], broker)).out) as { newer_plans: unknown[] };
      expect(after.newer_plans).to.deep.equal([]);
      expect((await run(runStatus, ['i-1', ...ns], broker)).out).not.to.contain('NEWER PLAN');
    });

    it('moves to another plan named by its version with --plan, and reports it in JSON', async () => {
      const { code, out, err } = await run(runUpgrade, ['i-1', ...ns, '--plan', '2', '-o', 'json'], broker);
      expect(code, err).to.equal(0);
      const shown = JSON.parse(out) as Record<string, unknown>;
      expect(shown).to.deep.include({ instance_id: 'i-1', namespace: NS.client, service: VERSIONED.service, state: 'succeeded', outcome: 'updated' });
      expect(shown['from']).to.deep.include({ plan_id: VERSIONED.v1PlanId, plan: VERSIONED.v1Plan });
      expect(shown['to']).to.deep.include({ plan_id: VERSIONED.v2PlanId, plan: VERSIONED.v2Plan });
      const record = await storedRecord(broker, 'i-1');
      expect(record.planId).to.equal(VERSIONED.v2PlanId);
      expect(record.maintenanceVersion).to.equal((shown['to'] as { version: string }).version);
      expect(deployedImages(broker)).to.deep.equal(['example/app:2']);
      expect(broker.cluster.list('Service', NS.target)).to.deep.equal([]);
    });

    it('passes on the broker\'s refusal of a plan the instance may not move to, with exit 1', async () => {
      expect((await run(runUpgrade, ['i-1', ...ns, '--plan', VERSIONED.v2Plan], broker)).code).to.equal(0);
      const { code, out, err } = await run(runUpgrade, ['i-1', ...ns, '--plan', VERSIONED.v1Plan], broker);
      expect(code).to.equal(1);
      expect(out).to.equal('');
      expect(err).to.equal(`mesitis upgrade: 422 Unprocessable Entity: plan ${VERSIONED.v2PlanId} cannot be updated to ${VERSIONED.v1PlanId}: neither entry lists the other as updatable\n`);
      expect((await storedRecord(broker, 'i-1')).planId).to.equal(VERSIONED.v2PlanId);
    });

    it('refuses a plan the service does not have, another service, and an instance that does not exist', async () => {
      const unknown = await run(runUpgrade, ['i-1', ...ns, '--plan', '9'], broker);
      expect(unknown.code).to.equal(1);
      expect(unknown.err).to.contain(`service ${VERSIONED.service} has no plan "9" (by name, id or version)`);
      const other = await run(runUpgrade, ['i-1', ...ns, '--service', 'web-time-api', '--plan', '2'], broker);
      expect(other.code).to.equal(1);
      expect(other.err).to.contain(`instance i-1 is of service ${VERSIONED.service}, not "web-time-api"`);
      const missing = await run(runUpgrade, ['nope', ...ns], broker);
      expect(missing.code).to.equal(1);
      expect(missing.err).to.equal('mesitis upgrade: cannot look up instance nope: 404 Not Found: instance nope does not exist\n');
      expect((await storedRecord(broker, 'i-1')).operation.type).to.equal('provision');
    });
  });

  describe('while a rollout takes time', () => {
    afterEach(async () => { await broker.stop(); });
    const settle = () => {
      for (const object of broker.cluster.list('Deployment', NS.target)) {
        broker.cluster.setStatus({ kind: 'Deployment', namespace: NS.target, name: object.metadata.name }, settledStatus(object)!);
      }
    };

    beforeEach(async () => {
      broker = await startMemoryBroker({ objects: versionedFixture(), simulateControllers: false });
      expect((await run(runProvision, ['i-2', ...ns, '--plan', VERSIONED.v1Plan, '--no-wait'], broker)).code).to.equal(0);
      settle();
      const waited = await run(runProvision, ['i-2', ...ns, '--plan', VERSIONED.v1Plan], broker);
      expect(waited.code, waited.err).to.equal(0);
      editVersion1(broker);
    });

    it('prints progress on stderr and ends with exit 3 at the timeout; the broker carries on', async () => {
      const { code, err } = await run(runUpgrade, ['i-2', ...ns, '--timeout', '1'], broker);
      expect(code).to.equal(3);
      expect(err).to.match(/^waiting for update of i-2: in progress/m);
      expect(err).to.contain(`mesitis upgrade: timed out after 1s waiting for update of i-2 (last state: in progress`);
      expect(err).to.contain(`follow it with "mesitis status i-2 -n ${NS.client}"`);
      settle();
      const status = await run(runStatus, ['i-2', ...ns], broker);
      expect(status.out).to.match(/^STATE\s+(in progress|succeeded)$/m);
    });

    it('returns at once with --no-wait, saying how to follow the upgrade', async () => {
      const { code, out } = await run(runUpgrade, ['i-2', ...ns, '--no-wait'], broker);
      expect(code).to.equal(0);
      expect(out).to.match(/^upgrade of instance i-2 from api-api-service-1 at \S+ to api-api-service-1 at \S+ accepted; follow it with "mesitis status i-2 -n client-ns"\n$/);
      expect((await storedRecord(broker, 'i-2')).status).to.equal('updating');
    });
  });

  describe('what it sends', () => {
    let stub: StubBroker;
    afterEach(async () => { await stub.stop(); });
    const catalog = {
      services: [{
        id: 'svc', name: 'team-db', description: 'a database', plans: [
          { id: 'p-1', name: 'team-db-1', description: 'v1', maintenance_info: { version: '1.1.0' }, metadata: { version: '1' } },
          { id: 'p-2', name: 'team-db-2', description: 'v2', maintenance_info: { version: '2.0.0' }, metadata: { version: '2' } },
        ],
      }],
    };
    const answering = (patch: { status: number; body?: unknown }) => startStubBroker((request) => {
      if (request.method === 'PATCH') return patch;
      if (request.url.includes('/catalog')) return { status: 200, body: catalog };
      return { status: 200, body: { service_id: 'svc', plan_id: 'p-1', maintenance_info: { version: '1.0.0' } } };
    });
    // The harness's broker is only the URL: the stub answers instead.
    const runAgainst = (args: string[]) => run(runUpgrade, args, { url: stub.url });

    it('sends the target plan, its maintenance_info and previous_values, and ends on a 200', async () => {
      stub = await answering({ status: 200, body: {} });
      const { code, out } = await runAgainst(['db-1', ...ns, '--plan', 'team-db-2']);
      expect(code).to.equal(0);
      expect(out).to.equal('instance db-1 upgraded from team-db-1 at 1.0.0 to team-db-2 at 2.0.0\n');
      const patch = stub.requests.find((request) => request.method === 'PATCH')!;
      expect(patch.url).to.equal(`/namespaces/${NS.client}/v2/service_instances/db-1?accepts_incomplete=true`);
      expect(JSON.parse(patch.body)).to.deep.equal({
        service_id: 'svc', plan_id: 'p-2', maintenance_info: { version: '2.0.0' },
        context: { platform: 'kubernetes', clusterid: 'kubernetes', namespace: NS.client },
        previous_values: { service_id: 'svc', plan_id: 'p-1', maintenance_info: { version: '1.0.0' } },
      });
    });

    it('explains a MaintenanceInfoConflict and exits 1', async () => {
      stub = await answering({ status: 422, body: { error: 'MaintenanceInfoConflict', description: 'maintenance_info.version "1.1.0" is not the plan\'s ("1.2.0")' } });
      const { code, err } = await runAgainst(['db-1', ...ns]);
      expect(code).to.equal(1);
      expect(err).to.equal('mesitis upgrade: 422 Unprocessable Entity (MaintenanceInfoConflict): maintenance_info.version "1.1.0" is not the plan\'s ("1.2.0"); '
        + `the plan's maintenance level changed meanwhile: run "mesitis upgrade db-1 -n ${NS.client}" again\n`);
      expect(JSON.parse(stub.requests.find((request) => request.method === 'PATCH')!.body)).to.deep.include({ plan_id: 'p-1', maintenance_info: { version: '1.1.0' } });
    });
  });
});
