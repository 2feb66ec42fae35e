/**
 * `mesitis dev` as a person starts it, with and without a Vault: the flags
 * reach the broker (token auth from a file, against the shared real Vault),
 * a leased certificate per binding is handed out and revoked at unbind,
 * /readyz reports Vault, and without a Vault a bind says how to configure one.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import { startBrokerProcess } from '../support/broker-process.js';
import { osb } from '../support/osb-client.js';
import { requireVaultServerOrSkip, sharedVaultServer, VAULT_PKI, type VaultServer } from '../support/vault-server.js';
import { vaultOffering, vaultRequest } from '../support/vault-offering-fixture.js';

const cert = vaultRequest('certificate');

describe('mesitis dev with CredentialFromVault entries', function () {
  let server: VaultServer;
  let dir: string;

  before(async function () {
    requireVaultServerOrSkip(this, 'mesitis dev with Vault');
    this.timeout(20 * 60_000); // the first run builds Vault
    server = await sharedVaultServer();
    dir = await mkdtemp(join(tmpdir(), 'mesitis-vault-dev-'));
    const manifests = vaultOffering({ issuePath: VAULT_PKI.issuePath, ttl: '10m', kvPath: 'dev-e2e/{{ consumer.namespace }}/api' });
    await writeFile(join(dir, 'vault-offering.yaml'), manifests.map((object) => JSON.stringify(object)).join('\n---\n'));
  });
  after(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

  it('with --vault-address and a token file: a certificate per binding, its lease revoked at unbind, no token or key in the output', async function () {
    this.timeout(90_000);
    await server.request('PUT', 'sys/policies/acl/mesitis-dev-e2e', {
      policy: `path "${VAULT_PKI.issuePath}" { capabilities = ["create", "update"] }
path "sys/leases/revoke" { capabilities = ["update"] }
path "sys/leases/lookup" { capabilities = ["update"] }`,
    });
    const token = ((await server.request('POST', 'auth/token/create', { policies: ['mesitis-dev-e2e'], ttl: '1h' })) as { auth: { client_token: string } }).auth.client_token;
    const tokenFile = join(dir, 'token');
    await writeFile(tokenFile, `${token}\n`);
    const broker = await startBrokerProcess(['dev', '--manifests', join(dir, 'vault-offering.yaml'), '--log-level', 'debug',
      '--vault-address', server.address, '--vault-auth', 'token', '--vault-token-file', tokenFile]);
    try {
      expect((await osb(broker.url, 'PUT', '/v2/service_instances/i-dev', { body: cert })).status).to.equal(201);
      const bound = await osb(broker.url, 'PUT', '/v2/service_instances/i-dev/service_bindings/b-dev', { body: cert });
      expect(bound.status, bound.text).to.equal(201);
      expect(new X509Certificate(bound.body.credentials.certificate).subject).to.contain('.client-ns.example.com');
      const ready = await osb(broker.url, 'GET', '/readyz');
      expect([ready.status, ready.body.checks.vault]).to.deep.equal([200, 'reachable']);
      const leases = async () => ((await server.send('GET', `sys/leases/lookup/${VAULT_PKI.issuePath}?list=true`)).body as { data?: { keys: string[] } }).data?.keys ?? [];
      const before = await leases();
      expect((await osb(broker.url, 'DELETE', `/v2/service_instances/i-dev/service_bindings/b-dev?service_id=${cert.service_id}&plan_id=${cert.plan_id}`)).status).to.equal(200);
      expect((await leases()).length).to.equal(before.length - 1);
      const key = String(bound.body.credentials.private_key).replace(/-----[A-Z ]+-----|\s/g, '').slice(20, 80);
      expect(broker.output()).to.not.contain(token).and.not.contain(key);
    } finally {
      await broker.stop();
    }
  });

  it('without a Vault: serves, and a bind is refused with how to configure one', async function () {
    this.timeout(60_000);
    const broker = await startBrokerProcess(['dev', '--manifests', join(dir, 'vault-offering.yaml'), '--log-level', 'warn']);
    try {
      expect((await osb(broker.url, 'PUT', '/v2/service_instances/i-none', { body: cert })).status).to.equal(201);
      const refused = await osb(broker.url, 'PUT', '/v2/service_instances/i-none/service_bindings/b-none', { body: cert });
      expect(refused.status).to.equal(500);
      expect(refused.text).to.contain('--vault-address');
      const ready = await osb(broker.url, 'GET', '/readyz');
      expect([ready.status, ready.body.checks.vault]).to.deep.equal([200, 'not configured (--vault-address)']);
    } finally {
      await broker.stop();
    }
  });
});
