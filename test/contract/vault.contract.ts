/**
 * What every Vault adapter must do, asserted through the port alone. The
 * subject seeds KV secrets and checks leases by its own means (for a real
 * Vault: the root token), never through the port under test. Each test
 * works under a path of its own.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type { Vault, VaultError, VaultFailure } from '../../src/application/ports/vault.js';
import type { Result } from '../../src/domain/result.js';

export interface VaultSubject {
  readonly vault: Vault;
  /** The KV v2 mount the subject seeds. */
  readonly kvMount: string;
  /** Writes a new version of a KV v2 secret; returns its version number. */
  writeStatic(path: string, data: Record<string, unknown>): Promise<number>;
  /** Soft-deletes the given versions of a KV v2 secret. */
  deleteVersions(path: string, versions: number[]): Promise<void>;
  /** A path and body whose write gives a leased credential (PKI issue). */
  readonly leasing: {
    readonly path: string;
    body(commonName: string): Record<string, unknown>;
    /** Keys whose values differ between two credentials (e.g. certificate, private_key). */
    readonly uniqueKeys: readonly string[];
  };
  /** Whether the lease still exists, asked of the server directly. */
  leaseExists(leaseId: string): Promise<boolean>;
  cleanup(): Promise<void>;
}

export function expectFailure<T>(result: Result<T, VaultError>, failure: VaultFailure): VaultError {
  expect(result.ok, `expected a ${failure} failure`).to.equal(false);
  if (result.ok) throw new Error('unreachable');
  expect(result.error.failure, result.error.message).to.equal(failure);
  return result.error;
}

export function expectOk<T>(result: Result<T, VaultError>): T {
  if (!result.ok) expect.fail(`${result.error.failure}: ${result.error.message}`);
  return result.value;
}

export function describeVault(name: string, makeSubject: () => Promise<VaultSubject>): void {
  describe(`Vault contract: ${name}`, function () {
    let subject: VaultSubject;
    let vault: Vault;
    let base: string;

    beforeEach(async function () {
      subject = await makeSubject();
      vault = subject.vault;
      base = `contract-${randomBytes(4).toString('hex')}`;
    });
    afterEach(async function () {
      await subject.cleanup();
    });

    describe('readStatic (KV v2)', function () {
      it('reads every key of the latest version, non-string values as JSON text', async function () {
        await subject.writeStatic(`${base}/db`, { username: 'old', password: 'old-pw' });
        const latest = await subject.writeStatic(`${base}/db`, { username: 'app', password: 's3cret', port: 5432, tls: true, hosts: ['a', 'b'] });
        const secret = expectOk(await vault.readStatic({ mount: subject.kvMount, path: `${base}/db` }));
        expect(secret).to.deep.equal({ values: { username: 'app', password: 's3cret', port: '5432', tls: 'true', hosts: 'a\nb' }, version: latest });
      });

      it('reads the listed keys only, of the version asked for', async function () {
        const first = await subject.writeStatic(`${base}/db`, { username: 'v1-user', password: 'v1-pw', extra: 'x' });
        await subject.writeStatic(`${base}/db`, { username: 'v2-user', password: 'v2-pw' });
        const secret = expectOk(await vault.readStatic({ mount: subject.kvMount, path: `${base}/db`, version: first, keys: ['username', 'password'] }));
        expect(secret).to.deep.equal({ values: { username: 'v1-user', password: 'v1-pw' }, version: first });
      });

      it('is not-found (a configuration problem) for an absent secret, version or key, naming the key and no value', async function () {
        const version = await subject.writeStatic(`${base}/db`, { username: 'app', password: 'hidden-value' });
        expect(expectFailure(await vault.readStatic({ mount: subject.kvMount, path: `${base}/absent` }), 'not-found').kind).to.equal('ConfigInvalid');
        expectFailure(await vault.readStatic({ mount: subject.kvMount, path: `${base}/db`, version: version + 5 }), 'not-found');
        const missingKey = expectFailure(await vault.readStatic({ mount: subject.kvMount, path: `${base}/db`, keys: ['username', 'token'] }), 'not-found');
        expect(missingKey.message).to.contain('token').and.not.contain('hidden-value');
      });

      it('is not-found for a deleted version', async function () {
        const version = await subject.writeStatic(`${base}/db`, { password: 'pw' });
        await subject.deleteVersions(`${base}/db`, [version]);
        expectFailure(await vault.readStatic({ mount: subject.kvMount, path: `${base}/db` }), 'not-found');
      });

      it('refuses a path that climbs out of the mount', async function () {
        expectFailure(await vault.readStatic({ mount: subject.kvMount, path: `${base}/../../sys/seal-status` }), 'invalid');
      });
    });

    describe('leaseCredential, revokeLease, lookupLease', function () {
      it('gives a credential with a lease that exists until it expires', async function () {
        const credential = expectOk(await vault.leaseCredential(subject.leasing.path, subject.leasing.body(`${base}.example.com`)));
        expect(Object.keys(credential.values)).to.not.be.empty;
        expect(credential.leaseId).to.match(new RegExp(`^${subject.leasing.path}/`));
        expect(credential.leaseDurationSeconds).to.be.greaterThan(0);
        expect(await subject.leaseExists(credential.leaseId)).to.equal(true);
        const looked = expectOk(await vault.lookupLease(credential.leaseId));
        expect(looked).to.not.equal('absent');
        if (looked !== 'absent') expect(looked.expireTime.getTime()).to.be.greaterThan(Date.now());
      });

      it('gives each call its own credential and lease', async function () {
        const one = expectOk(await vault.leaseCredential(subject.leasing.path, subject.leasing.body(`${base}.example.com`)));
        const two = expectOk(await vault.leaseCredential(subject.leasing.path, subject.leasing.body(`${base}.example.com`)));
        expect(two.leaseId).to.not.equal(one.leaseId);
        for (const name of subject.leasing.uniqueKeys) expect(two.values[name], name).to.be.a('string').and.not.equal(one.values[name]);
      });

      it('revokes one lease, leaving the other; revoking again, or an unknown lease, is done', async function () {
        const one = expectOk(await vault.leaseCredential(subject.leasing.path, subject.leasing.body(`${base}.example.com`)));
        const two = expectOk(await vault.leaseCredential(subject.leasing.path, subject.leasing.body(`${base}.example.com`)));
        expectOk(await vault.revokeLease(one.leaseId));
        expect(await subject.leaseExists(one.leaseId)).to.equal(false);
        expect(await subject.leaseExists(two.leaseId)).to.equal(true);
        expect(expectOk(await vault.lookupLease(one.leaseId))).to.equal('absent');
        expectOk(await vault.revokeLease(one.leaseId));
        expectOk(await vault.revokeLease(`${subject.leasing.path}/never-issued-${base}`));
      });

      it('is invalid when the answer carries no lease (nothing could revoke it)', async function () {
        await subject.writeStatic(`${base}/plain`, { password: 'pw' });
        const error = expectFailure(await vault.leaseCredential(`${subject.kvMount}/data/${base}/plain`), 'invalid');
        expect(error.message).to.contain('no lease').and.not.contain('pw"');
      });
    });

    describe('health', function () {
      it('succeeds when Vault serves', async function () {
        expectOk(await vault.health());
      });
    });
  });
}
