/**
 * `mesitis rotate` against the broker in this process with the examples'
 * own-postgres offering (a user and a generated password per binding,
 * binding_rotatable), the consumer's Secrets in the fake store; and against
 * a stub for the failures a broker gives only on a bad day.
 */
import { expect } from 'chai';
import { runBind } from '../../src/adapters/cli/bind-command.js';
import type { SecretTarget } from '../../src/adapters/cli/consumer-secret.js';
import { runProvision } from '../../src/adapters/cli/provision-command.js';
import { runRotate } from '../../src/adapters/cli/rotate-command.js';
import { runUnbind } from '../../src/adapters/cli/unbind-command.js';
import { ok } from '../../src/domain/result.js';
import type { KubeObject } from '../../src/domain/kube-object.js';
import type { MemoryBroker } from '../support/memory-broker.js';
import { osb } from '../support/osb-client.js';
import { EXAMPLE, exampleBroker, run } from './cli-harness.js';
import { FakeConsumerSecretStore } from './fake-consumer-secret-store.js';
import { startStubBroker, type StubAnswer, type StubBroker, type StubRequest } from './stub-broker.js';

const ns = ['-n', 'client-ns'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A Secret's data as text: the cluster keeps `data` base64. */
const decoded = (object: KubeObject): Record<string, string> =>
  Object.fromEntries(Object.entries((object['data'] ?? {}) as Record<string, string>).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));

describe('mesitis rotate', () => {
  describe('against the broker, own-postgres', () => {
    let broker: MemoryBroker;
    let secrets: FakeConsumerSecretStore;
    const withSecrets = () => ({ openSecretStore: () => ok(secrets) });
    const consumerSecret = (name = 'app-db') => secrets.secrets.get(`client-ns/${name}`);
    const fetchBinding = (instanceId: string, bindingId: string) => osb(broker.url, 'GET', `/v2/service_instances/${instanceId}/service_bindings/${bindingId}`);
    /** Whether the users the cluster has (the binding's Secret, and the role ConfigMap that makes PostgreSQL accept it) include these credentials. */
    const accepted = (credentials: Readonly<Record<string, string>> | undefined): boolean => {
      if (credentials === undefined) return false;
      const users = broker.cluster.list('Secret', 'api-ns').map(decoded);
      const roles = broker.cluster.list('ConfigMap', 'api-ns').map((map) => (map['data'] as Record<string, string> | undefined)?.['role']);
      return users.some((user) => user['username'] === credentials['username'] && user['password'] === credentials['password']) && roles.includes(credentials['username']);
    };

    beforeEach(async () => {
      broker = await exampleBroker();
      secrets = new FakeConsumerSecretStore();
      const provisioned = await run(runProvision, ['pg-1', ...ns, '--plan', EXAMPLE.ownPostgresPlan], broker);
      expect(provisioned.code, provisioned.err).to.equal(0);
      const bound = await run(runBind, ['pg-1', 'b-1', ...ns, '--secret', 'app-db'], broker, withSecrets());
      expect(bound.code, bound.err).to.equal(0);
    });
    afterEach(async () => { await broker.stop(); });

    it('hands the Secret over to the successor in place, then unbinds the predecessor, printing no credential', async () => {
      const before = consumerSecret()!;
      expect(accepted(before.data)).to.equal(true);
      const { code, out, err } = await run(runRotate, ['pg-1', 'b-1', ...ns, '--secret', 'app-db', '--new-binding-id', 'b-2'], broker, withSecrets());
      expect(code, err).to.equal(0);
      expect(err).to.contain('rotating binding b-1 of pg-1: binding its successor b-2').and.to.contain('Secret client-ns/app-db now holds binding b-2; unbinding b-1');
      expect(out).to.contain('binding b-2 of instance pg-1 created, successor of b-1')
        .and.to.contain('credentials of binding b-2 written to Secret client-ns/app-db in place')
        .and.to.contain('binding b-1 of instance pg-1 removed')
        .and.to.match(/^binding b-2 expires \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, renew before \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);

      const after = consumerSecret()!;
      expect(after.labels).to.deep.include({ 'mesitis/binding': 'b-2', 'mesitis/instance': 'pg-1' });
      expect(after.data['password']).to.match(/^[A-Za-z0-9]{32}$/).and.to.not.equal(before.data['password']);
      expect(after.data['username']).to.not.equal(before.data['username']);
      for (const value of [before.data['password']!, after.data['password']!]) expect(out + err).to.not.contain(value);

      const successor = await fetchBinding('pg-1', 'b-2');
      expect(successor.status).to.equal(200);
      expect(successor.body.credentials).to.deep.include({ username: after.data['username'], password: after.data['password'] });
      expect([404, 410]).to.include((await fetchBinding('pg-1', 'b-1')).status);
      expect(accepted(before.data), 'the old user is gone').to.equal(false);
      expect(accepted(after.data)).to.equal(true);

      // A later unbind --secret finds the Secret under the successor's id.
      const unbound = await run(runUnbind, ['pg-1', 'b-2', ...ns, '--secret', 'app-db'], broker, withSecrets());
      expect(unbound.code, unbound.err).to.equal(0);
      expect(consumerSecret()).to.equal(undefined);
    });

    it('never leaves the Secret holding credentials the service does not accept', async () => {
      // Checked at every change: each object the broker creates or deletes, and each write of the Secret.
      const checks: { when: string; valid: boolean; holder: string | undefined }[] = [];
      const check = (when: string) => checks.push({ when, valid: accepted(consumerSecret()?.data), holder: consumerSecret()?.labels['mesitis/binding'] });
      const stop = broker.cluster.watch((event) => check(`${event.type} ${event.object.kind} ${event.object.metadata?.name ?? ''}`));
      const handOver = secrets.handOver.bind(secrets);
      secrets.handOver = async (target: SecretTarget, successorId: string, credentials: Readonly<Record<string, unknown>>) => {
        check('before the Secret is written');
        const written = await handOver(target, successorId, credentials);
        check('after the Secret is written');
        return written;
      };
      const rotated = await run(runRotate, ['pg-1', 'b-1', ...ns, '--secret', 'app-db', '--new-binding-id', 'b-2'], broker, withSecrets());
      stop();
      expect(rotated.code, rotated.err).to.equal(0);
      expect(checks.filter((c) => !c.valid)).to.deep.equal([]);
      // The checks saw the switch: the predecessor's objects went only once the Secret held the successor.
      const deletions = checks.filter((c) => c.when.startsWith('DELETED'));
      expect(deletions.length, 'the predecessor\'s user Secret and role were deleted').to.be.at.least(2);
      expect(deletions.every((c) => c.holder === 'b-2')).to.equal(true);
      expect(checks.find((c) => c.when === 'before the Secret is written')?.holder).to.equal('b-1');
    });

    it('generates the successor\'s id when none is given, and prints it', async () => {
      const { code, out, err } = await run(runRotate, ['pg-1', 'b-1', ...ns, '--secret', 'app-db', '-o', 'json'], broker, withSecrets());
      expect(code, err).to.equal(0);
      const printed = JSON.parse(out) as Record<string, unknown>;
      expect(printed['binding_id']).to.match(UUID);
      expect(printed).to.deep.include({ instance_id: 'pg-1', predecessor_binding_id: 'b-1', predecessor: 'removed', secret: { namespace: 'client-ns', name: 'app-db', outcome: 'replaced' } });
      expect(printed).to.not.have.property('credentials');
      expect(consumerSecret()?.labels['mesitis/binding']).to.equal(printed['binding_id']);
    });

    it('writes nothing and binds nothing when the Secret is absent or another binding\'s', async () => {
      expect((await run(runBind, ['pg-1', 'b-3', ...ns, '--secret', 'other-db'], broker, withSecrets())).code).to.equal(0);
      const other = await run(runRotate, ['pg-1', 'b-1', ...ns, '--secret', 'other-db', '--new-binding-id', 'b-2'], broker, withSecrets());
      expect(other.code).to.equal(1);
      expect(other.err).to.contain('Secret client-ns/other-db exists and is not this binding\'s (it holds binding b-3 of instance pg-1)');
      const absent = await run(runRotate, ['pg-1', 'b-1', ...ns, '--secret', 'no-such', '--new-binding-id', 'b-2'], broker, withSecrets());
      expect(absent.code).to.equal(1);
      expect(absent.err).to.contain('Secret client-ns/no-such does not exist');
      expect(await broker.store.getBinding('pg-1', 'b-2')).to.deep.equal({ ok: true, value: undefined });
      expect(secrets.secrets.has('client-ns/no-such')).to.equal(false);
    });

    it('unbinds the successor again when the Secret cannot be written, leaving the predecessor and its Secret', async () => {
      const before = consumerSecret()!;
      secrets.failWrites = 'cannot replace Secret client-ns/app-db: 403 Forbidden';
      const { code, err } = await run(runRotate, ['pg-1', 'b-1', ...ns, '--secret', 'app-db', '--new-binding-id', 'b-2'], broker, withSecrets());
      expect(code).to.equal(1);
      expect(err).to.contain('mesitis rotate: cannot replace Secret client-ns/app-db: 403 Forbidden; binding b-2 was removed again');
      expect(consumerSecret()).to.deep.equal(before);
      expect((await fetchBinding('pg-1', 'b-1')).status).to.equal(200);
      expect([404, 410]).to.include((await fetchBinding('pg-1', 'b-2')).status);
      expect(accepted(before.data)).to.equal(true);
    });

    it('asks for --secret', async () => {
      const { code, err } = await run(runRotate, ['pg-1', 'b-1', ...ns], broker, withSecrets());
      expect(code).to.equal(2);
      expect(err).to.contain('--secret is required');
    });
  });

  describe('against the broker, a plan that is not binding_rotatable', () => {
    let broker: MemoryBroker;
    let secrets: FakeConsumerSecretStore;
    beforeEach(async () => {
      broker = await exampleBroker();
      secrets = new FakeConsumerSecretStore();
      expect((await run(runProvision, ['w-1', ...ns, '--plan', EXAMPLE.weatherPlan], broker)).code).to.equal(0);
      expect((await run(runBind, ['w-1', 'b-1', ...ns, '--secret', 'forecast'], broker, { openSecretStore: () => ok(secrets) })).code).to.equal(0);
    });
    afterEach(async () => { await broker.stop(); });

    it('fails with exit 1 and the broker\'s reason, and changes nothing', async () => {
      const before = structuredClone(secrets.secrets.get('client-ns/forecast'));
      const { code, out, err } = await run(runRotate, ['w-1', 'b-1', ...ns, '--secret', 'forecast', '--new-binding-id', 'b-2'], broker, { openSecretStore: () => ok(secrets) });
      expect(code).to.equal(1);
      expect(out).to.equal('');
      expect(err).to.match(/^mesitis rotate: 400 Bad Request.*is not binding_rotatable.*; nothing changed: binding b-1 and Secret client-ns\/forecast are as they were$/m);
      expect(err).to.not.contain(EXAMPLE.weatherPassword);
      expect(secrets.secrets.get('client-ns/forecast')).to.deep.equal(before);
      expect(await broker.store.getBinding('w-1', 'b-2')).to.deep.equal({ ok: true, value: undefined });
      expect((await osb(broker.url, 'GET', '/v2/service_instances/w-1/service_bindings/b-1')).status).to.equal(200);
    });
  });

  describe('against a stub', () => {
    let stub: StubBroker;
    let secrets: FakeConsumerSecretStore;
    const IDS = { service_id: 'svc-1', plan_id: 'plan-1' };
    const start = async (answer: (request: StubRequest) => StubAnswer | undefined) => {
      stub = await startStubBroker((request) => {
        if (request.method === 'GET' && /\/service_instances\/i-1$/.test(request.url)) return { status: 200, body: IDS };
        if (request.method === 'GET' && /\/service_bindings\/b-1$/.test(request.url)) return { status: 200, body: { credentials: { password: 'old' }, parameters: { size: 's' } } };
        return answer(request) ?? { status: 500, body: { description: `unexpected ${request.method} ${request.url}` } };
      });
    };
    beforeEach(async () => {
      secrets = new FakeConsumerSecretStore();
      await secrets.write({ namespace: 'client-ns', name: 'creds', instanceId: 'i-1', bindingId: 'b-1' }, { password: 'old' });
    });
    afterEach(async () => { await stub.stop(); });
    const rotate = () => run(runRotate, ['i-1', 'b-1', ...ns, '--secret', 'creds', '--new-binding-id', 'b-2'], stub, { openSecretStore: () => ok(secrets) });

    it('sends predecessor_binding_id and the predecessor\'s parameters; when the old binding will not go, exits 1 with the Secret already new and says how to retry', async () => {
      await start((request) => {
        if (request.method === 'PUT') return { status: 201, body: { credentials: { password: 'new-password-value' } } };
        if (request.method === 'DELETE') return { status: 500, body: { description: 'the apiserver is away' } };
        return undefined;
      });
      const { code, out, err } = await rotate();
      expect(code).to.equal(1);
      expect(out).to.equal('');
      expect(err).to.contain('mesitis rotate: 500 Internal Server Error: the apiserver is away; Secret client-ns/creds already holds the credentials of b-2; ' +
        'remove b-1 with "mesitis unbind i-1 b-1 -n client-ns" (without --secret: the Secret is b-2\'s now)');
      expect(err).to.not.contain('new-password-value');
      expect(secrets.secrets.get('client-ns/creds')).to.deep.include({ data: { password: 'new-password-value' } });
      const put = stub.requests.find((request) => request.method === 'PUT')!;
      expect(put.url).to.contain('/service_bindings/b-2');
      expect(JSON.parse(put.body)).to.deep.include({ predecessor_binding_id: 'b-1', parameters: { size: 's' }, service_id: 'svc-1', plan_id: 'plan-1' });
    });

    it('leaves the Secret and the predecessor alone when the asynchronous bind of the successor fails', async () => {
      let polls = 0;
      await start((request) => {
        if (request.method === 'PUT') return { status: 202, body: { operation: 'op-1' } };
        if (request.url.includes('/service_bindings/b-2/last_operation')) {
          return { status: 200, body: ++polls < 2 ? { state: 'in progress' } : { state: 'failed', description: 'the user was not created' } };
        }
        return undefined;
      });
      const { code, err } = await rotate();
      expect(code).to.equal(1);
      expect(err).to.contain('waiting for bind of binding b-2 of i-1').and.to.not.contain('in place');
      expect(err).to.contain('mesitis rotate: bind of binding b-2 of i-1 failed: the user was not created; nothing changed: binding b-1 and Secret client-ns/creds are as they were');
      expect(secrets.secrets.get('client-ns/creds')).to.deep.include({ data: { password: 'old' } });
      expect(stub.requests.some((request) => request.method === 'DELETE')).to.equal(false);
    });
  });
});
