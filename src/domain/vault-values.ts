/**
 * What Vault adapters agree on, whatever their transport: how a failure is
 * told, which paths may be asked for, and how a value Vault holds becomes a
 * credential string.
 */
import type { DomainError, ErrorKind } from './errors.js';
import { err, ok, type Result } from './result.js';

/** Keys of a KV v2 secret in Vault; absent `keys`: all of them. In an entry `path` may hold template variables; pinned, it is resolved. */
export interface VaultSecretSource {
  readonly kind: 'FromVault';
  readonly mount: string;
  readonly path: string;
  readonly version?: number;
  readonly keys?: readonly string[];
}

/** A Vault lease per binding, taken at bind and revoked at unbind or expiry. */
export interface VaultLeaseSource {
  readonly kind: 'FromVaultLease';
  /** The leasing path (`pki/issue/ROLE`, `database/creds/ROLE`); in an entry it may use the provider's template variables. */
  readonly path: string;
  /** Written to the path (PKI's issue wants one); strings may use `{{ binding.shortId }}`, filled in at each bind; absent: the path is read. */
  readonly body?: Readonly<Record<string, unknown>>;
  /** The keys handed out; absent: all of them. */
  readonly keys?: readonly string[];
  /** How long before the lease ends a consumer should rotate; absent: the last third of the lease. */
  readonly renewBeforeMs?: number;
}

/**
 * Why a Vault call failed. unreachable and sealed are outages (the caller
 * answers 503 and may retry); forbidden (login refused, or the policy does
 * not allow the path), not-found and invalid (Vault refused the request)
 * are the provider's configuration to fix; failed is anything else.
 */
export type VaultFailure = 'unreachable' | 'sealed' | 'forbidden' | 'not-found' | 'invalid' | 'failed';

/** A DomainError (Unavailable, Forbidden, ConfigInvalid or Infrastructure) that says which Vault failure it was. */
export interface VaultError extends DomainError {
  readonly failure: VaultFailure;
}

const KIND: Readonly<Record<VaultFailure, ErrorKind>> = {
  unreachable: 'Unavailable',
  sealed: 'Unavailable',
  forbidden: 'Forbidden',
  'not-found': 'ConfigInvalid',
  invalid: 'ConfigInvalid',
  failed: 'Infrastructure',
};

/** `message` names the path and what went wrong, never a value or a token. */
export const vaultError = (failure: VaultFailure, message: string): VaultError => ({ kind: KIND[failure], failure, message });

/**
 * The segments of a Vault path: empty ones (leading, trailing or doubled
 * slashes) dropped; `.` and `..` refused, so a templated segment cannot climb
 * into another mount. The error is the reason, naming the path.
 */
export function vaultSegments(parts: readonly string[]): Result<string[], string> {
  const segments = parts.flatMap((part) => part.split('/')).filter((segment) => segment !== '');
  if (segments.length === 0) return err('empty Vault path');
  if (segments.some((segment) => segment === '.' || segment === '..')) return err(`Vault path ${parts.join('/')} has a . or .. segment`);
  return ok(segments);
}

/** A string as is, a list of strings (a PEM chain) one per line, anything else as JSON text. */
export function credentialText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.join('\n');
  return JSON.stringify(value) ?? '';
}
