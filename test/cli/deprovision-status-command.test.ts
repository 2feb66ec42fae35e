import { expect } from 'chai';
import { runDeprovision } from '../../src/adapters/cli/deprovision-command.js';
import { runProvision } from '../../src/adapters/cli/provision-command.js';
import { runStatus } from '../../src/adapters/cli/status-command.js';
import type { MemoryBroker } from '../support/memory-broker.js';
import { EXAMPLE, exampleBroker, run } from './cli-harness.js';

describe('mesitis status and deprovision', () => {
  let broker: MemoryBroker;
  afterEach(async () => { await broker.stop(); });

  describe('with controllers that make objects ready', () => {
    beforeEach(async () => {
      broker = await exampleBroker();
      expect((await run(runProvision, ['i-1', '-n', 'client-ns', '--plan', EXAMPLE.apiPlan, '-p', 'tier=gold'], broker)).code).to.equal(0);
    });

    it('shows the state, service, plan and parameters of an instance', async () => {
      const { code, out } = await run(runStatus, ['i-1', '-n', 'client-ns'], broker);
      expect(code).to.equal(0);
      expect(out).to.match(/^STATE\s+succeeded$/m);
      expect(out).to.match(new RegExp(`^SERVICE\\s+${EXAMPLE.apiService} \\(${EXAMPLE.apiServiceId}\\)$`, 'm'));
      expect(out).to.match(/^PARAMETERS\s+tier=gold$/m);
      const json = await run(runStatus, ['i-1', '-n', 'client-ns', '-o', 'json'], broker);
      const shown = JSON.parse(json.out) as { instance_id: string; instance: Record<string, unknown> };
      expect(shown.instance_id).to.equal('i-1');
      expect(shown.instance).to.deep.include({ service_id: EXAMPLE.apiServiceId, plan_id: '6c1f5d2e-0b7a-4f3e-9d41-1a2b3c4d5e04', parameters: { tier: 'gold' }, service: EXAMPLE.apiService, plan: EXAMPLE.apiPlan });
      // The broker answers 2.17 clients with the instance's maintenance level too.
      expect(shown.instance['maintenance_info']).to.have.property('version').that.is.a('string');
    });

    it('does not show another namespace\'s instance', async () => {
      const { code, err } = await run(runStatus, ['i-1', '-n', 'reports-ns'], broker);
      expect(code).to.equal(1);
      expect(err).to.equal('mesitis status: 404 Not Found: instance i-1 does not exist\n');
    });

    it('deprovisions, removing the instance\'s objects, after which status says it is gone', async () => {
      expect(broker.cluster.list('Deployment', 'api-ns')).to.have.length(1);
      const { code, out } = await run(runDeprovision, ['i-1', '-n', 'client-ns'], broker);
      expect(code).to.equal(0);
      expect(out).to.equal('instance i-1 deprovisioned\n');
      expect(broker.cluster.list('Deployment', 'api-ns')).to.have.length(0);
      expect(broker.cluster.list('Service', 'api-ns')).to.have.length(0);
      const status = await run(runStatus, ['i-1', '-n', 'client-ns'], broker);
      expect(status.code).to.equal(1);
      expect(status.err).to.match(/^mesitis status: 410 Gone: /);
      const again = await run(runDeprovision, ['i-1', '-n', 'client-ns'], broker);
      expect(again.code).to.equal(0);
      expect(again.out).to.equal('instance i-1 was already gone: nothing to deprovision\n');
    });

    it('treats an instance the broker never knew as already gone (exit 0), by lookup or with --plan, and says so in JSON', async () => {
      for (const args of [['never-made'], ['never-made', '--plan', EXAMPLE.apiPlan]]) {
        const { code, out } = await run(runDeprovision, [...args, '-n', 'client-ns', '-o', 'json'], broker);
        expect(code, args.join(' ')).to.equal(0);
        expect(JSON.parse(out), args.join(' ')).to.deep.equal({ instance_id: 'never-made', namespace: 'client-ns', state: 'gone' });
      }
    });

    it('prints a JSON error object with -o json when the broker refuses', async () => {
      const { code, out } = await run(runStatus, ['i-1', '-n', 'reports-ns', '-o', 'json'], broker);
      expect(code).to.equal(1);
      expect(JSON.parse(out)).to.deep.equal({
        error: { verb: 'status', message: '404 Not Found: instance i-1 does not exist', exit_code: 1, http_status: 404, description: 'instance i-1 does not exist' },
      });
    });

    it('prints JSON with -o json', async () => {
      const { code, out } = await run(runDeprovision, ['i-1', '-n', 'client-ns', '-o', 'json'], broker);
      expect(code).to.equal(0);
      expect(JSON.parse(out)).to.deep.include({ instance_id: 'i-1', namespace: 'client-ns', state: 'succeeded' });
    });
  });

  describe('an instance whose provision never finishes', () => {
    beforeEach(async () => {
      broker = await exampleBroker({ simulateControllers: false });
      expect((await run(runProvision, ['i-2', '-n', 'client-ns', '--plan', EXAMPLE.apiPlan, '--no-wait'], broker)).code).to.equal(0);
    });

    it('has a status of "in progress" without details, exit 0', async () => {
      const { code, out } = await run(runStatus, ['i-2', '-n', 'client-ns'], broker);
      expect(code).to.equal(0);
      expect(out).to.match(/^STATE\s+in progress$/m);
      expect(out).to.match(/^DETAILS\s+not available: 404 Not Found: .*still being provisioned/m);
    });

    it('can be deprovisioned once --plan names what the broker will not tell', async () => {
      const asked = await run(runDeprovision, ['i-2', '-n', 'client-ns'], broker);
      expect(asked.code).to.equal(1);
      expect(asked.err).to.contain('name them with --service and --plan');
      const { code } = await run(runDeprovision, ['i-2', '-n', 'client-ns', '--plan', EXAMPLE.apiPlan], broker);
      expect(code).to.equal(0);
      expect(broker.cluster.list('Deployment', 'api-ns')).to.have.length(0);
      expect(await broker.store.getInstance('i-2')).to.satisfy((stored: { ok: boolean; value?: { record: { status: string } } }) =>
        stored.ok && (stored.value === undefined || stored.value.record.status === 'gone'));
    });
  });
});
