import type { Result } from '../../domain/result.js';
import type { VaultError } from '../../domain/vault-values.js';

export type { VaultError, VaultFailure } from '../../domain/vault-values.js';

/**
 * HashiCorp Vault as a credential source: static secrets from a KV v2 engine
 * and credentials under a lease from any engine that leases (a PKI role's
 * `issue/ROLE`, a database role's `creds/ROLE`). The adapter authenticates
 * and keeps its own token alive; callers never see a token.
 *
 * Values are strings as bindings carry them: a string as is, a list of
 * strings (a PEM chain) joined by newlines, a number or boolean as its JSON
 * text, anything else as JSON. Errors name the path and what went wrong,
 * never a value, a token or Vault's response body.
 */
export interface Vault {
  /** The keys of a KV v2 secret (all keys when none are listed), at `version` or the latest; not-found when it, its version or a key is absent (or deleted). */
  readStatic(request: StaticSecretRequest): Promise<Result<StaticSecret, VaultError>>;
  /** Reads `path` (or writes `body` to it, as PKI's issue wants) and returns the credential with its lease; invalid when Vault gave no lease. Not idempotent: each call makes a new credential. */
  leaseCredential(path: string, body?: Readonly<Record<string, unknown>>): Promise<Result<LeasedCredential, VaultError>>;
  /** Revokes the lease and its credential at once. Idempotent: a lease already revoked, expired or never known counts as done. */
  revokeLease(leaseId: string): Promise<Result<void, VaultError>>;
  /** When the lease expires; 'absent' once it is revoked or expired. */
  lookupLease(leaseId: string): Promise<Result<{ readonly expireTime: Date } | 'absent', VaultError>>;
  /** Succeeds when Vault answers, initialised and unsealed, within a few seconds (no token needed): for readiness. */
  health(): Promise<Result<void, VaultError>>;
}

export interface StaticSecretRequest {
  /** The KV v2 engine's mount, e.g. `secret`. */
  readonly mount: string;
  /** The secret's path under the mount, e.g. `teams/payments/db`. */
  readonly path: string;
  readonly version?: number;
  readonly keys?: readonly string[];
}

export interface StaticSecret {
  readonly values: Readonly<Record<string, string>>;
  /** The version read, for records that pin it. */
  readonly version: number;
}

export interface LeasedCredential {
  readonly values: Readonly<Record<string, string>>;
  /** Not a secret: what to keep to revoke the credential later. */
  readonly leaseId: string;
  readonly leaseDurationSeconds: number;
  readonly renewable: boolean;
}
