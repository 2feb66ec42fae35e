/**
 * HttpVault against a real Vault server (test/support/vault-server.ts): the
 * port's contract with a token limited by a policy like a provider would
 * write, then what only a real server shows: outages (sealed, stopped), the
 * broker's own token renewed or obtained again, and no token or value in an
 * error or a log line.
 */
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import { HttpVault } from '../../src/adapters/vault/http-vault.js';
import { RecordingLogger } from '../unit/application/fakes.js';
import { silentLogger, waitUntil } from '../support/real-cluster.js';
import { brokerToken, requireVaultServerOrSkip, sharedVaultServer, startVaultServer, VAULT_PKI, writeBrokerPolicy, type VaultServer } from '../support/vault-server.js';
import { describeVault, expectFailure, expectOk, type VaultSubject } from './vault.contract.js';

const lookupToken = async (server: VaultServer, token: string) =>
  ((await server.request('POST', 'auth/token/lookup', { token })) as { data: { ttl: number; last_renewal_time: number | null } }).data;

function subjectOn(server: VaultServer, vault: HttpVault, cleanup: () => Promise<void>): VaultSubject {
  return {
    vault,
    kvMount: 'secret',
    writeStatic: async (path, data) => ((await server.request('POST', `secret/data/${path}`, { data })) as { data: { version: number } }).data.version,
    deleteVersions: async (path, versions) => {
      await server.request('POST', `secret/delete/${path}`, { versions });
    },
    leasing: { path: VAULT_PKI.issuePath, body: (commonName) => ({ common_name: commonName, ttl: '10m' }), uniqueKeys: ['certificate', 'private_key', 'serial_number'] },
    leaseExists: async (leaseId) => (await server.send('PUT', 'sys/leases/lookup', { lease_id: leaseId })).status === 200,
    cleanup: async () => {
      vault.close();
      await cleanup();
    },
  };
}

describe('HttpVault against a real Vault', function () {
  let server: VaultServer;

  before(async function () {
    requireVaultServerOrSkip(this, 'HttpVault against a real Vault');
    this.timeout(20 * 60_000); // the first run builds Vault
    server = await sharedVaultServer();
    await writeBrokerPolicy(server);
  });

  describeVault('HttpVault, token auth with a policy', async () => {
    const token = await brokerToken(server);
    const vault = new HttpVault({ address: server.address, auth: { method: 'token', readToken: async () => token } }, silentLogger());
    return subjectOn(server, vault, async () => {
      await server.request('POST', 'auth/token/revoke', { token });
    });
  });

  it('PKI: a leased certificate for the common name asked, with its key and CA chain, lasting the TTL asked', async function () {
    const token = await brokerToken(server);
    const vault = new HttpVault({ address: server.address, auth: { method: 'token', readToken: async () => token } }, silentLogger());
    try {
      const credential = expectOk(await vault.leaseCredential(VAULT_PKI.issuePath, { common_name: 'orders.client-ns.example.com', ttl: '10m' }));
      const certificate = new X509Certificate(credential.values['certificate']!);
      expect(certificate.subject).to.contain('CN=orders.client-ns.example.com');
      expect(certificate.checkPrivateKey(createPrivateKey(credential.values['private_key']!))).to.equal(true);
      expect(certificate.verify(new X509Certificate(credential.values['issuing_ca']!).publicKey)).to.equal(true);
      expect(credential.values['ca_chain']).to.match(/^-----BEGIN CERTIFICATE-----/);
      expect(credential.leaseDurationSeconds).to.be.within(590, 600);
    } finally {
      vault.close();
    }
  });

  it('is forbidden (a Forbidden error) on a path the policy does not grant', async function () {
    const token = await brokerToken(server);
    const vault = new HttpVault({ address: server.address, auth: { method: 'token', readToken: async () => token } }, silentLogger());
    try {
      const error = expectFailure(await vault.leaseCredential(`${VAULT_PKI.mount}/issue/another-role`, { common_name: 'x.example.com' }), 'forbidden');
      expect(error.kind).to.equal('Forbidden');
      expect(error.message).to.contain(`${VAULT_PKI.mount}/issue/another-role`);
    } finally {
      vault.close();
    }
  });

  describe('its own token', function () {
    it('renews a short-lived token before it expires, by the clock and on demand', async function () {
      const token = await brokerToken(server, { ttl: '30s' });
      let clock = Date.now();
      const vault = new HttpVault({ address: server.address, auth: { method: 'token', readToken: async () => token } }, silentLogger(), () => clock);
      try {
        expectOk(await vault.health());
        await server.request('POST', 'secret/data/renewal/probe', { data: { a: '1' } });
        expectOk(await vault.readStatic({ mount: 'secret', path: 'renewal/probe' }));
        expect((await lookupToken(server, token)).last_renewal_time, 'renewed before its time').to.satisfy((t: number | null) => !t);

        clock += 25_000; // past two thirds of 30 s: the next call renews first
        expectOk(await vault.readStatic({ mount: 'secret', path: 'renewal/probe' }));
        const first = (await lookupToken(server, token)).last_renewal_time;
        expect(first, 'renewed by the clock').to.be.a('number').and.greaterThan(0);

        await server.request('POST', 'auth/token/lookup', { token }); // a lookup renews nothing
        expectOk(await vault.renewToken());
        const renewed = await lookupToken(server, token);
        expect(renewed.last_renewal_time).to.be.at.least(first!);
        expect(renewed.ttl, 'renewed to the TTL it was created with').to.be.within(20, 30);
      } finally {
        vault.close();
      }
    });

    it('keeps a short-lived token alive while idle, by its timer', async function () {
      const token = await brokerToken(server, { ttl: '3s' });
      const vault = new HttpVault({ address: server.address, auth: { method: 'token', readToken: async () => token } }, silentLogger());
      try {
        await server.request('POST', 'secret/data/renewal/idle', { data: { a: '1' } });
        expectOk(await vault.readStatic({ mount: 'secret', path: 'renewal/idle' }));
        await waitUntil('the timer to renew the token', () => lookupToken(server, token), (data) => (data.last_renewal_time ?? 0) > 0, { timeoutMs: 10_000 });
        // Idle past the token's first TTL: still valid, because the timer renewed it.
        await new Promise((resolve) => setTimeout(resolve, 3_500));
        expect((await server.send('GET', 'auth/token/lookup-self', undefined, token)).status).to.equal(200);
        expectOk(await vault.readStatic({ mount: 'secret', path: 'renewal/idle' }));
      } finally {
        vault.close();
      }
    });

    it('reads the token again when Vault no longer accepts the one it has', async function () {
      const tokens = [await brokerToken(server), await brokerToken(server)];
      let reads = 0;
      const readToken = async (): Promise<string> => tokens[Math.min(reads++, tokens.length - 1)]!;
      const vault = new HttpVault({ address: server.address, auth: { method: 'token', readToken } }, silentLogger());
      try {
        await server.request('POST', 'secret/data/rotation/probe', { data: { a: '1' } });
        expectOk(await vault.readStatic({ mount: 'secret', path: 'rotation/probe' }));
        await server.request('POST', 'auth/token/revoke', { token: tokens[0] });
        expectOk(await vault.readStatic({ mount: 'secret', path: 'rotation/probe' }));
        expect(reads).to.equal(2);
      } finally {
        vault.close();
      }
    });
  });

  it('puts no token and no secret value into an error or a log line', async function () {
    const token = await brokerToken(server, { ttl: '30s' });
    const logger = new RecordingLogger();
    let clock = Date.now();
    const vault = new HttpVault({ address: server.address, auth: { method: 'token', readToken: async () => token } }, logger, () => clock);
    const secretValue = `value-${randomBytes(8).toString('hex')}`;
    try {
      await server.request('POST', 'secret/data/leak/probe', { data: { password: secretValue } });
      const texts: string[] = [];
      const keep = (result: { ok: boolean; error?: { message: string } }): void => {
        if (!result.ok) texts.push(result.error!.message);
      };
      expectOk(await vault.readStatic({ mount: 'secret', path: 'leak/probe' }));
      keep(await vault.readStatic({ mount: 'secret', path: 'leak/probe', keys: ['password', 'absent'] }));
      keep(await vault.leaseCredential('secret/data/leak/probe'));
      keep(await vault.leaseCredential('sys/policies/acl/root'));
      // Vault's own error text would echo this value back; the adapter's must not.
      keep(await vault.leaseCredential(VAULT_PKI.issuePath, { common_name: 'x.example.com', ip_sans: secretValue }));
      clock += 25_000;
      expectOk(await vault.readStatic({ mount: 'secret', path: 'leak/probe' }));
      await server.request('POST', 'auth/token/revoke', { token });
      keep(await vault.readStatic({ mount: 'secret', path: 'leak/probe' }));
      expect(texts).to.have.length(5);
      const logged = JSON.stringify(logger.lines);
      expect(logger.lines.length, 'the keeper logs its logins and renewals').to.be.greaterThan(0);
      for (const text of [...texts, logged]) {
        expect(text).to.not.contain(token);
        expect(text).to.not.contain(secretValue);
        expect(text).to.not.contain(server.rootToken);
      }
    } finally {
      vault.close();
    }
  });

  describe('outages', function () {
    let own: VaultServer | undefined;

    afterEach(async function () {
      await own?.stop();
      own = undefined;
    });

    it('a sealed Vault: health says sealed, every call fails with the sealed kind (503 for callers), and works again once unsealed', async function () {
      this.timeout(120_000);
      own = await startVaultServer();
      const vault = new HttpVault({ address: own.address, auth: { method: 'token', readToken: async () => own!.rootToken } }, silentLogger());
      try {
        await own.request('POST', 'secret/data/outage/probe', { data: { a: '1' } });
        expectOk(await vault.readStatic({ mount: 'secret', path: 'outage/probe' }));
        const lease = expectOk(await vault.leaseCredential(VAULT_PKI.issuePath, { common_name: 'sealed.example.com' }));
        await own.seal();

        expect(expectFailure(await vault.health(), 'sealed').kind).to.equal('Unavailable');
        expect(expectFailure(await vault.readStatic({ mount: 'secret', path: 'outage/probe' }), 'sealed').kind).to.equal('Unavailable');
        expectFailure(await vault.leaseCredential(VAULT_PKI.issuePath, { common_name: 'sealed.example.com' }), 'sealed');
        expectFailure(await vault.revokeLease(lease.leaseId), 'sealed');

        await own.unseal();
        expectOk(await vault.health());
        expectOk(await vault.revokeLease(lease.leaseId));
      } finally {
        vault.close();
      }
    });

    it('a hung Vault: calls give up after the timeout with the unreachable kind', async function () {
      this.timeout(120_000);
      own = await startVaultServer();
      const vault = new HttpVault({ address: own.address, timeoutMs: 500, auth: { method: 'token', readToken: async () => own!.rootToken } }, silentLogger());
      try {
        expectOk(await vault.health());
        await own.pause();
        expectFailure(await vault.health(), 'unreachable');
        expect(expectFailure(await vault.leaseCredential(VAULT_PKI.issuePath, { common_name: 'hung.example.com' }), 'unreachable').message).to.contain('500 ms');
        own.resume();
        expectOk(await vault.health());
      } finally {
        own.resume();
        vault.close();
      }
    });

    it('a stopped Vault: health and every call fail with the unreachable kind (503 for callers)', async function () {
      this.timeout(120_000);
      own = await startVaultServer();
      const vault = new HttpVault({ address: own.address, timeoutMs: 2000, auth: { method: 'token', readToken: async () => own!.rootToken } }, silentLogger());
      try {
        expectOk(await vault.health());
        expectOk(await vault.leaseCredential(VAULT_PKI.issuePath, { common_name: 'stopped.example.com' }));
        await own.stop();

        expect(expectFailure(await vault.health(), 'unreachable').kind).to.equal('Unavailable');
        const error = expectFailure(await vault.readStatic({ mount: 'secret', path: 'outage/probe' }), 'unreachable');
        expect(error.kind).to.equal('Unavailable');
        expect(error.message).to.contain(own.address.replace('http://', '')).and.not.contain(own.rootToken);
        expectFailure(await vault.revokeLease('pki/issue/client/whatever'), 'unreachable');
      } finally {
        vault.close();
      }
    });
  });
});
