import { expect } from 'chai';
import { runBind } from '../../src/adapters/cli/bind-command.js';
import { runProvision } from '../../src/adapters/cli/provision-command.js';
import { runUnbind } from '../../src/adapters/cli/unbind-command.js';
import { runDeprovision } from '../../src/adapters/cli/deprovision-command.js';
import { ok } from '../../src/domain/result.js';
import type { MemoryBroker } from '../support/memory-broker.js';
import { EXAMPLE, exampleBroker, run } from './cli-harness.js';
import { FakeConsumerSecretStore } from './fake-consumer-secret-store.js';

describe('mesitis bind and unbind', () => {
  let broker: MemoryBroker;
  let secrets: FakeConsumerSecretStore;
  const withSecrets = () => ({ openSecretStore: () => ok(secrets) });
  const binding = async (bindingId: string) => {
    const stored = await broker.store.getBinding('w-1', bindingId);
    return stored.ok ? stored.value : 'store failed';
  };

  beforeEach(async () => {
    broker = await exampleBroker();
    secrets = new FakeConsumerSecretStore();
    expect((await run(runProvision, ['w-1', '-n', 'client-ns', '--plan', EXAMPLE.weatherPlan], broker)).code).to.equal(0);
  });
  afterEach(async () => { await broker.stop(); });

  describe('bind', () => {
    it('lists the credential keys with every value masked by default', async () => {
      const { code, out, err } = await run(runBind, ['w-1', 'b-1', '-n', 'client-ns'], broker);
      expect(code).to.equal(0);
      expect(out).to.contain('binding b-1 of instance w-1 created');
      expect(out).to.match(/^password\s+\*{8}$/m).and.to.match(/^username\s+\*{8}$/m).and.to.match(/^host\s+\*{8}$/m);
      expect(out + err).not.to.contain(EXAMPLE.weatherPassword);
      expect(out).not.to.contain('example-user');
      expect(err).to.contain('--show-credentials');
    });

    it('prints the values with --show-credentials, and everything as JSON with -o json', async () => {
      const shown = await run(runBind, ['w-1', 'b-1', '-n', 'client-ns', '--show-credentials'], broker);
      expect(shown.code).to.equal(0);
      expect(shown.out).to.match(new RegExp(`^password\\s+${EXAMPLE.weatherPassword}$`, 'm'));
      const json = await run(runBind, ['w-1', 'b-1', '-n', 'client-ns', '-o', 'json'], broker);
      expect(json.code).to.equal(0);
      const parsed = JSON.parse(json.out) as { created: boolean; credentials: Record<string, unknown>; endpoints: unknown[] };
      expect(parsed.created).to.equal(false); // the identical repeat answers 200
      expect(parsed.credentials).to.deep.include({ username: 'example-user', password: EXAMPLE.weatherPassword, port: 443 });
      expect(parsed.endpoints).to.have.length(1);
    });

    it('writes the credentials as strings to the --secret, labelled with the binding', async () => {
      const { code, out } = await run(runBind, ['w-1', 'b-1', '-n', 'client-ns', '--secret', 'forecast'], broker, withSecrets());
      expect(code).to.equal(0);
      expect(out).to.contain('credentials written to Secret client-ns/forecast');
      const secret = secrets.secrets.get('client-ns/forecast');
      expect(secret?.data).to.deep.include({ username: 'example-user', password: EXAMPLE.weatherPassword, port: '443' });
      expect(secret?.labels).to.deep.equal({ 'app.kubernetes.io/managed-by': 'mesitis', 'mesitis/binding': 'b-1', 'mesitis/instance': 'w-1' });
      const again = await run(runBind, ['w-1', 'b-1', '-n', 'client-ns', '--secret', 'forecast'], broker, withSecrets());
      expect(again.code).to.equal(0);
      expect(again.out).to.contain('credentials rewritten in Secret client-ns/forecast');
    });

    it('refuses a --secret that is not this binding\'s before binding anything', async () => {
      secrets.plant('client-ns', 'forecast', { app: 'theirs' });
      const { code, err } = await run(runBind, ['w-1', 'b-1', '-n', 'client-ns', '--secret', 'forecast'], broker, withSecrets());
      expect(code).to.equal(1);
      expect(err).to.contain('Secret client-ns/forecast exists and is not this binding\'s');
      expect(await binding('b-1')).to.equal(undefined);
      expect(secrets.secrets.get('client-ns/forecast')?.data).to.deep.equal({ mine: 'not yours' });
    });

    it('undoes a new binding when the Secret cannot be written, so a retry starts clean', async () => {
      secrets.failWrites = 'cannot create Secret client-ns/forecast: 403 Forbidden: no';
      const { code, err } = await run(runBind, ['w-1', 'b-1', '-n', 'client-ns', '--secret', 'forecast'], broker, withSecrets());
      expect(code).to.equal(1);
      expect(err).to.contain('403 Forbidden: no (the new binding was removed again)');
      expect(await binding('b-1')).to.equal(undefined);
    });

    it('keeps a binding that existed before when only the Secret fails', async () => {
      expect((await run(runBind, ['w-1', 'b-1', '-n', 'client-ns'], broker)).code).to.equal(0);
      secrets.failWrites = 'cannot replace it';
      const { code, err } = await run(runBind, ['w-1', 'b-1', '-n', 'client-ns', '--secret', 'forecast'], broker, withSecrets());
      expect(code).to.equal(1);
      expect(err).to.contain('binding b-1 remains');
      expect(await binding('b-1')).to.not.equal(undefined);
    });

    it('prints a JSON error object on stdout with -o json when it fails', async () => {
      expect((await run(runBind, ['w-1', 'b-1', '-n', 'client-ns'], broker)).code).to.equal(0);
      const conflict = await run(runBind, ['w-1', 'b-1', '-n', 'client-ns', '-p', 'role=admin', '-o', 'json'], broker);
      expect(conflict.code).to.equal(1);
      expect(JSON.parse(conflict.out)).to.deep.equal({
        error: {
          verb: 'bind', message: '409 Conflict: binding b-1 already exists with different attributes', exit_code: 1,
          http_status: 409, description: 'binding b-1 already exists with different attributes',
        },
      });
      expect(conflict.err).to.equal('mesitis bind: 409 Conflict: binding b-1 already exists with different attributes\n');
      const badFlag = await run(runBind, ['w-1', 'b-1', '-n', 'client-ns', '--bogus', '-o', 'json'], broker);
      expect(badFlag.code).to.equal(2);
      expect(JSON.parse(badFlag.out)).to.deep.include({ error: { verb: 'bind', message: badFlag.err.split('\n')[0]!.replace('mesitis bind: ', ''), exit_code: 2 } });
    });

    it('fails with exit 1 and the broker\'s description for an unknown instance or a conflicting binding', async () => {
      const unknown = await run(runBind, ['nope', 'b-1', '-n', 'client-ns'], broker);
      expect(unknown.code).to.equal(1);
      expect(unknown.err).to.equal('mesitis bind: cannot look up the service and plan of instance nope: 404 Not Found: instance nope does not exist\n');
      expect((await run(runBind, ['w-1', 'b-1', '-n', 'client-ns'], broker)).code).to.equal(0);
      const conflict = await run(runBind, ['w-1', 'b-1', '-n', 'client-ns', '-p', 'role=admin'], broker);
      expect(conflict.code).to.equal(1);
      expect(conflict.err).to.equal('mesitis bind: 409 Conflict: binding b-1 already exists with different attributes\n');
    });

    it('needs a kubeconfig for --secret and a valid Secret name (usage errors)', async () => {
      const noKube = await run(runBind, ['w-1', 'b-1', '-n', 'client-ns', '--secret', 'forecast'], broker);
      expect(noKube.code).to.equal(2);
      expect(noKube.err).to.contain('--secret writes with your own kube credentials: no kubeconfig found');
      const badName = await run(runBind, ['w-1', 'b-1', '-n', 'client-ns', '--secret', 'Not_A_Name'], broker, withSecrets());
      expect(badName.code).to.equal(2);
      expect(await binding('b-1')).to.equal(undefined);
    });
  });

  describe('unbind', () => {
    it('deletes the Secret, then the binding', async () => {
      expect((await run(runBind, ['w-1', 'b-1', '-n', 'client-ns', '--secret', 'forecast'], broker, withSecrets())).code).to.equal(0);
      const { code, out } = await run(runUnbind, ['w-1', 'b-1', '-n', 'client-ns', '--secret', 'forecast'], broker, withSecrets());
      expect(code).to.equal(0);
      expect(out).to.equal('Secret client-ns/forecast deleted\nbinding b-1 of instance w-1 removed\n');
      expect(secrets.secrets.has('client-ns/forecast')).to.equal(false);
      expect(await binding('b-1')).to.equal(undefined);
    });

    it('leaves both alone when the Secret is not the binding\'s', async () => {
      expect((await run(runBind, ['w-1', 'b-1', '-n', 'client-ns'], broker)).code).to.equal(0);
      secrets.plant('client-ns', 'forecast');
      const { code, err } = await run(runUnbind, ['w-1', 'b-1', '-n', 'client-ns', '--secret', 'forecast'], broker, withSecrets());
      expect(code).to.equal(1);
      expect(err).to.contain('the binding was left as it is');
      expect(secrets.secrets.has('client-ns/forecast')).to.equal(true);
      expect(await binding('b-1')).to.not.equal(undefined);
    });

    it('reports a binding already gone with exit 0 and a note, so cleanup can be re-run; prints JSON with -o json', async () => {
      const gone = await run(runUnbind, ['w-1', 'b-9', '-n', 'client-ns'], broker);
      expect(gone.code).to.equal(0);
      expect(gone.out).to.equal('binding b-9 of instance w-1 was already gone\n');
      expect((await run(runBind, ['w-1', 'b-1', '-n', 'client-ns'], broker)).code).to.equal(0);
      const json = await run(runUnbind, ['w-1', 'b-1', '-n', 'client-ns', '-o', 'json'], broker);
      expect(json.code).to.equal(0);
      expect(JSON.parse(json.out)).to.deep.equal({ instance_id: 'w-1', binding_id: 'b-1', unbound: true });
      const again = await run(runUnbind, ['w-1', 'b-1', '-n', 'client-ns', '-o', 'json'], broker);
      expect(again.code).to.equal(0);
      expect(JSON.parse(again.out)).to.deep.equal({ instance_id: 'w-1', binding_id: 'b-1', unbound: true, already_gone: true });
    });

    it('reports a binding whose instance is already deprovisioned with exit 0, still removing its Secret', async () => {
      expect((await run(runBind, ['w-1', 'b-1', '-n', 'client-ns', '--secret', 'forecast'], broker, withSecrets())).code).to.equal(0);
      expect((await run(runDeprovision, ['w-1', '-n', 'client-ns'], broker)).code).to.equal(0);
      const { code, out } = await run(runUnbind, ['w-1', 'b-1', '-n', 'client-ns', '--secret', 'forecast'], broker, withSecrets());
      expect(code).to.equal(0);
      expect(out).to.equal('Secret client-ns/forecast deleted\ninstance w-1 is gone, and binding b-1 with it\n');
      expect(secrets.secrets.has('client-ns/forecast')).to.equal(false);
      const never = await run(runUnbind, ['never-made', 'b-1', '-n', 'client-ns'], broker);
      expect(never.code).to.equal(0);
      expect(never.out).to.equal('instance never-made is gone, and binding b-1 with it\n');
    });

    it('takes the service and plan from --plan/--service instead of asking the broker when given', async () => {
      expect((await run(runBind, ['w-1', 'b-1', '-n', 'client-ns'], broker)).code).to.equal(0);
      const unknownPlan = await run(runUnbind, ['w-1', 'b-1', '-n', 'client-ns', '--plan', 'nope'], broker);
      expect(unknownPlan.code).to.equal(1);
      expect(unknownPlan.err).to.contain('no plan "nope" in the catalog of client-ns');
      expect(await binding('b-1')).to.not.equal(undefined);
      expect((await run(runUnbind, ['w-1', 'b-1', '-n', 'client-ns', '--service', 'weather-forecast-api', '--plan', EXAMPLE.weatherPlan], broker)).code).to.equal(0);
      expect(await binding('b-1')).to.equal(undefined);
      expect((await run(runUnbind, ['w-1', 'b-1', '-n', 'client-ns', '--service', 'x'], broker)).code).to.equal(2);
    });
  });
});
