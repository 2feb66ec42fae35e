/**
 * CredentialFromVault end to end against a REAL Vault server
 * (test/support/vault-server.ts), through the real Koa app and container on
 * the fake cluster: certificates of their own per binding, each lease
 * revoked at unbind and at expiry by the broker, a sealed or stopped Vault
 * never half-making a binding, and no certificate, key or Vault token in the
 * state store, a log line or an error body.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import { HttpVault } from '../../src/adapters/vault/http-vault.js';
import type { BindingReconciler } from '../../src/application/binding-reconciler.js';
import { bindingShortId } from '../../src/domain/template-variables.js';
import { TOKENS } from '../../src/main/tokens.js';
import { silentLogger } from '../support/real-cluster.js';
import { startMemoryBroker, type MemoryBroker } from '../support/memory-broker.js';
import { osb } from '../support/osb-client.js';
import { requireVaultServerOrSkip, sharedVaultServer, startVaultServer, VAULT_PKI, type VaultServer } from '../support/vault-server.js';
import { VAULT_NS, vaultOffering, vaultRequest } from '../support/vault-offering-fixture.js';

const cert = vaultRequest('certificate');
const unbindPath = (instance: string, binding: string) =>
  `/v2/service_instances/${instance}/service_bindings/${binding}?service_id=${cert.service_id}&plan_id=${cert.plan_id}`;

/** A policy and a token for the broker limited to one PKI role, the KV secrets and the leases. */
async function brokerTokenFor(server: VaultServer, issuePath: string): Promise<string> {
  const policy = `mesitis-bindings-${randomBytes(4).toString('hex')}`;
  await server.request('PUT', `sys/policies/acl/${policy}`, {
    policy: `path "${issuePath}" { capabilities = ["create", "update"] }
path "secret/data/*" { capabilities = ["read"] }
path "sys/leases/revoke" { capabilities = ["update"] }
path "sys/leases/lookup" { capabilities = ["update"] }`,
  });
  const created = (await server.request('POST', 'auth/token/create', { policies: [policy], ttl: '1h' })) as { auth: { client_token: string } };
  return created.auth.client_token;
}

const leaseOpen = async (server: VaultServer, leaseId: string) => (await server.send('PUT', 'sys/leases/lookup', { lease_id: leaseId })).status === 200;

interface Running {
  readonly broker: MemoryBroker;
  readonly vault: HttpVault;
  readonly token: string;
  readonly bodies: string[];
  call(method: string, path: string, body?: unknown): ReturnType<typeof osb>;
  lease(instance: string, binding: string): Promise<string | undefined>;
  reconcile(): Promise<unknown>;
  stop(): Promise<void>;
}

async function brokerOn(server: VaultServer, issuePath: string, ttl: string): Promise<Running> {
  const token = await brokerTokenFor(server, issuePath);
  const vault = new HttpVault({ address: server.address, auth: { method: 'token', readToken: async () => token }, timeoutMs: 2000 }, silentLogger());
  const broker = await startMemoryBroker({ objects: vaultOffering({ issuePath, ttl, kvPath: 'bindings-test/{{ consumer.namespace }}/api' }), vault });
  const bodies: string[] = [];
  return {
    broker, vault, token, bodies,
    async call(method, path, body) {
      const response = await osb(broker.url, method, path, body === undefined ? {} : { body });
      bodies.push(response.text);
      return response;
    },
    async lease(instance, binding) {
      const record = await broker.store.getBinding(instance, binding);
      return record.ok ? record.value?.lease : undefined;
    },
    reconcile: () => broker.broker.container.get<BindingReconciler>(TOKENS.BindingReconciler).reconcileOnce(),
    async stop() {
      await broker.stop();
      vault.close();
    },
  };
}

/** Nothing secret outside the 201 bodies that hand it out: not in the store, the logs, or any other answer. */
function expectNoLeak(running: Running, secrets: readonly string[]): void {
  const stored = running.broker.store.contents().join('\n');
  const logs = running.broker.logs.join('');
  const others = running.bodies.filter((text) => !text.includes('"credentials"')).join('\n');
  expect(stored, 'the store holds records').to.contain('FromVaultLease');
  for (const secret of [...secrets, running.token]) {
    expect(stored).to.not.contain(secret);
    expect(logs).to.not.contain(secret);
    expect(others).to.not.contain(secret);
  }
}

const keyBody = (pem: string): string => pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s/g, '').slice(60, 120);

describe('Vault credentials against a real Vault (memory cluster)', function () {
  let server: VaultServer;

  before(async function () {
    requireVaultServerOrSkip(this, 'Vault credentials against a real Vault');
    this.timeout(20 * 60_000); // the first run builds Vault
    server = await sharedVaultServer();
  });

  it('two bindings hold different certificates under their own leases; unbinding one revokes its lease and leaves the other valid', async function () {
    this.timeout(60_000);
    const running = await brokerOn(server, VAULT_PKI.issuePath, '10m');
    try {
      expect((await running.call('PUT', '/v2/service_instances/i-real', cert)).status).to.equal(201);
      const first = await running.call('PUT', '/v2/service_instances/i-real/service_bindings/b-1', cert);
      const second = await running.call('PUT', '/v2/service_instances/i-real/service_bindings/b-2', cert);
      expect([first.status, second.status]).to.deep.equal([201, 201]);
      const [one, two] = [first, second].map((answer) => new X509Certificate(answer.body.credentials.certificate));
      expect(one!.serialNumber).to.not.equal(two!.serialNumber);
      expect(one!.subject).to.contain(`CN=${bindingShortId('i-real', 'b-1')}.${VAULT_NS.client}.example.com`);
      const [leaseOne, leaseTwo] = [await running.lease('i-real', 'b-1'), await running.lease('i-real', 'b-2')];
      expect(leaseOne).to.be.a('string').and.not.equal(leaseTwo);
      expect(await leaseOpen(server, leaseOne!)).to.equal(true);

      expect((await running.call('DELETE', unbindPath('i-real', 'b-1'))).status).to.equal(200);
      expect(await leaseOpen(server, leaseOne!), 'the unbound binding\'s lease is revoked').to.equal(false);
      expect(await leaseOpen(server, leaseTwo!), 'the other stays valid').to.equal(true);
      const revoked = (await server.request('GET', 'pki/certs/revoked?list=true')) as { data: { keys: string[] } };
      const serial = (text: string) => text.toLowerCase().replace(/[^0-9a-f]/g, '');
      expect(revoked.data.keys.map(serial)).to.include(serial(one!.serialNumber)).and.not.include(serial(two!.serialNumber));

      const secrets = [first, second].flatMap((answer) => [keyBody(answer.body.credentials.private_key), keyBody(answer.body.credentials.certificate)]);
      expectNoLeak(running, secrets);
      expect((await running.call('DELETE', unbindPath('i-real', 'b-2'))).status).to.equal(200);
      expect(await leaseOpen(server, leaseTwo!)).to.equal(false);
    } finally {
      await running.stop();
    }
  });

  it('the broker revokes an expired binding: a 5s lease from a role made for the test, then a reconciler pass', async function () {
    this.timeout(60_000);
    const role = `short-${randomBytes(4).toString('hex')}`;
    await server.request('POST', `pki/roles/${role}`, { allow_any_name: true, generate_lease: true, key_type: 'ec', key_bits: 256, ttl: '5s', max_ttl: '5s' });
    const running = await brokerOn(server, `pki/issue/${role}`, '5s');
    try {
      expect((await running.call('PUT', '/v2/service_instances/i-short', cert)).status).to.equal(201);
      const bound = await running.call('PUT', '/v2/service_instances/i-short/service_bindings/b-short', cert);
      expect(bound.status).to.equal(201);
      const expires = Date.parse(bound.body.metadata.expires_at);
      expect(expires - Date.now()).to.be.within(-1000, 5000);
      expect(Date.parse(bound.body.metadata.renew_before)).to.be.below(expires);
      expect(await running.lease('i-short', 'b-short')).to.be.a('string');

      await new Promise((resolve) => setTimeout(resolve, Math.max(0, expires - Date.now()) + 500));
      await running.reconcile();
      const record = await running.broker.store.getBinding('i-short', 'b-short');
      expect(record.ok && record.value?.status).to.equal('revoked');
      expect((await running.call('GET', '/v2/service_instances/i-short/service_bindings/b-short')).status).to.equal(404);
      expect((await running.call('DELETE', unbindPath('i-short', 'b-short'))).status).to.equal(200);
    } finally {
      await running.stop();
    }
  });

  it('a sealed or stopped Vault never half-makes a binding: 503, no record, no lease; an unbind waits until Vault is back', async function () {
    this.timeout(120_000);
    const own = await startVaultServer();
    const running = await brokerOn(own, VAULT_PKI.issuePath, '10m');
    try {
      expect((await running.call('PUT', '/v2/service_instances/i-out', cert)).status).to.equal(201);
      await own.seal();
      expect((await running.call('PUT', '/v2/service_instances/i-out/service_bindings/b-sealed', cert)).status).to.equal(503);
      expect(await running.lease('i-out', 'b-sealed')).to.equal(undefined);
      expect((await running.broker.store.listBindings('i-out')).ok).to.equal(true);
      expect((await osb(running.broker.url, 'GET', '/readyz')).status).to.equal(503);
      await own.unseal();
      const leases = async () => ((await own.send('GET', `sys/leases/lookup/${VAULT_PKI.issuePath}?list=true`)).body as { data?: { keys: string[] } } | undefined)?.data?.keys ?? [];
      expect(await leases(), 'the sealed bind took no lease').to.deep.equal([]);

      const bound = await running.call('PUT', '/v2/service_instances/i-out/service_bindings/b-1', cert);
      expect(bound.status).to.equal(201);
      const lease = await running.lease('i-out', 'b-1');
      await own.pause();
      try {
        expect((await running.call('PUT', '/v2/service_instances/i-out/service_bindings/b-2', cert)).status).to.equal(503);
        expect((await running.call('DELETE', unbindPath('i-out', 'b-1'))).status).to.equal(503);
      } finally {
        own.resume();
      }
      const kept = await running.broker.store.getBinding('i-out', 'b-1');
      expect(kept.ok && kept.value).to.deep.include({ status: 'unbinding', lease });
      expect((await running.broker.store.getBinding('i-out', 'b-2')).ok && (await running.broker.store.getBinding('i-out', 'b-2'))).to.deep.include({ value: undefined });
      await running.reconcile();
      expect((await running.broker.store.getBinding('i-out', 'b-1')).ok && (await running.broker.store.getBinding('i-out', 'b-1'))).to.deep.include({ value: undefined });
      expect(await leaseOpen(own, lease!)).to.equal(false);
      expectNoLeak(running, [keyBody(bound.body.credentials.private_key)]);
    } finally {
      await running.stop();
      await own.stop();
    }
  });
});
