/**
 * The Vault port in memory, for use-case tests and `mesitis dev`: KV v2
 * secrets with versions, leasing paths that mint a fresh credential per call,
 * and outages on demand. It keeps to the contract the real Vault is tested
 * against (test/contract/vault.contract.ts); the seeding methods stand for
 * what a providing team does in Vault itself.
 */
import { randomBytes } from 'node:crypto';
import { err, ok, type Result } from '../../domain/result.js';
import { credentialText, vaultError, vaultSegments } from '../../domain/vault-values.js';
import type { LeasedCredential, StaticSecret, StaticSecretRequest, Vault, VaultError } from '../../application/ports/vault.js';

/** Makes the values of one credential: `serial` differs at each call. */
export type CredentialMaker = (body: Readonly<Record<string, unknown>> | undefined, serial: string) => Record<string, unknown>;

export class MemoryVault implements Vault {
  /** Versions per `mount/path`, version n at index n-1; null once deleted. */
  private readonly secrets = new Map<string, (Record<string, unknown> | null)[]>();
  private readonly leasing = new Map<string, { ttlSeconds: number; make: CredentialMaker }>();
  /** Expiry (ms since epoch) per lease id. */
  private readonly leases = new Map<string, number>();
  private outage: 'sealed' | 'unreachable' | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  /** Writes a new version of a KV v2 secret; returns its number. */
  writeStatic(mount: string, path: string, data: Record<string, unknown>): number {
    const versions = this.secrets.get(key(mount, path)) ?? [];
    versions.push({ ...data });
    this.secrets.set(key(mount, path), versions);
    return versions.length;
  }

  /** Soft-deletes versions of a KV v2 secret. */
  deleteVersions(mount: string, path: string, versions: readonly number[]): void {
    const stored = this.secrets.get(key(mount, path)) ?? [];
    for (const version of versions) if (version >= 1 && version <= stored.length) stored[version - 1] = null;
  }

  /** Makes `path` a leasing engine, like a database role's creds/ROLE or a PKI role's issue/ROLE. */
  addLeasingPath(path: string, ttlSeconds: number, make: CredentialMaker): void {
    this.leasing.set(normal(path), { ttlSeconds, make });
  }

  /** Lease ids not revoked and not expired. */
  openLeases(): string[] {
    return [...this.leases.keys()].filter((id) => this.alive(id));
  }

  /** From now on every call fails as Vault does when sealed or unreachable; undefined ends the outage. */
  setOutage(outage: 'sealed' | 'unreachable' | undefined): void {
    this.outage = outage;
  }

  async readStatic(request: StaticSecretRequest): Promise<Result<StaticSecret, VaultError>> {
    const what = `read of ${request.mount}/${request.path}${request.version !== undefined ? ` version ${request.version}` : ''}`;
    const checked = this.check(what, request.mount, request.path);
    if (checked !== undefined) return err(checked);
    const versions = this.secrets.get(key(request.mount, request.path)) ?? [];
    const version = request.version ?? versions.length;
    const data = versions[version - 1];
    if (data === undefined || data === null) return err(vaultError('not-found', `Vault ${what}: not found`));
    const keys = request.keys ?? Object.keys(data);
    const missing = keys.filter((name) => !Object.hasOwn(data, name));
    if (missing.length > 0) return err(vaultError('not-found', `Vault ${what}: no key ${missing.join(', ')}`));
    return ok({ values: Object.fromEntries(keys.map((name) => [name, credentialText(data[name])])), version });
  }

  async leaseCredential(path: string, body?: Readonly<Record<string, unknown>>): Promise<Result<LeasedCredential, VaultError>> {
    const what = `${body === undefined ? 'read' : 'write'} of ${path}`;
    const checked = this.check(what, path);
    if (checked !== undefined) return err(checked);
    const engine = this.leasing.get(normal(path));
    if (engine === undefined) {
      const isSecret = [...this.secrets.keys()].some((stored) => normal(path).replace('/data/', '/') === stored);
      return err(isSecret ? vaultError('invalid', `Vault ${what}: the answer has no lease`) : vaultError('not-found', `Vault ${what}: not found`));
    }
    const serial = randomBytes(8).toString('hex');
    const leaseId = `${normal(path)}/${serial}`;
    this.leases.set(leaseId, this.now() + engine.ttlSeconds * 1000);
    const values = engine.make(body, serial);
    return ok({ values: Object.fromEntries(Object.entries(values).map(([name, value]) => [name, credentialText(value)])), leaseId, leaseDurationSeconds: engine.ttlSeconds, renewable: false });
  }

  async revokeLease(leaseId: string): Promise<Result<void, VaultError>> {
    const checked = this.check(`revocation of lease ${leaseId}`);
    if (checked !== undefined) return err(checked);
    this.leases.delete(leaseId);
    return ok(undefined);
  }

  async lookupLease(leaseId: string): Promise<Result<{ readonly expireTime: Date } | 'absent', VaultError>> {
    const checked = this.check(`lookup of lease ${leaseId}`);
    if (checked !== undefined) return err(checked);
    return ok(this.alive(leaseId) ? { expireTime: new Date(this.leases.get(leaseId)!) } : 'absent');
  }

  async health(): Promise<Result<void, VaultError>> {
    const checked = this.check('health check');
    return checked === undefined ? ok(undefined) : err(checked);
  }

  private alive(leaseId: string): boolean {
    const expires = this.leases.get(leaseId);
    return expires !== undefined && expires > this.now();
  }

  /** The error an outage or a bad path gives, if any. */
  private check(what: string, ...parts: string[]): VaultError | undefined {
    if (this.outage === 'sealed') return vaultError('sealed', `Vault ${what}: Vault is sealed`);
    if (this.outage === 'unreachable') return vaultError('unreachable', `Vault ${what}: Vault did not answer`);
    if (parts.length === 0) return undefined;
    const segments = vaultSegments(parts);
    return segments.ok ? undefined : vaultError('invalid', segments.error);
  }
}

const normal = (path: string): string => path.split('/').filter((segment) => segment !== '').join('/');
const key = (mount: string, path: string): string => normal(`${mount}/${path}`);
