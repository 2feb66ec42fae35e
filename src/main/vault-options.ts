/**
 * How the broker reaches Vault, from flags and environment (flags win): an
 * installation either names a Vault address or uses none (then entries that
 * use Vault are refused at bind, saying so).
 *
 * Auth is Kubernetes auth by default (a role, and the projected
 * ServiceAccount token the chart mounts), or a token read from a file
 * (--vault-auth token), e.g. a Secret mounted into the Pod.
 */
import { readFile } from 'node:fs/promises';
import { ContainerModule } from 'inversify';
import { HttpVault, type VaultSettings } from '../adapters/vault/http-vault.js';
import type { Logger } from '../application/ports/logger.js';
import type { Vault } from '../application/ports/vault.js';
import { TOKENS as T } from './tokens.js';
import { UsageError } from './usage-error.js';

export const VAULT_FLAGS = {
  'vault-address': { type: 'string' },
  'vault-ca-file': { type: 'string' },
  'vault-namespace': { type: 'string' },
  'vault-auth': { type: 'string' },
  'vault-role': { type: 'string' },
  'vault-auth-mount': { type: 'string' },
  'vault-token-file': { type: 'string' },
} as const;

/** Where the chart projects the ServiceAccount token meant for Vault. */
export const DEFAULT_VAULT_SA_TOKEN_FILE = '/var/run/secrets/mesitis/vault/token';

export interface VaultOptions {
  readonly address: string;
  readonly caFile?: string;
  readonly namespace?: string;
  readonly auth:
    | { readonly method: 'kubernetes'; readonly role: string; readonly mount: string; readonly tokenFile: string }
    | { readonly method: 'token'; readonly tokenFile: string };
}

type Values = Partial<Record<keyof typeof VAULT_FLAGS, string>>;

/** undefined when no Vault address is given; a UsageError for an incomplete setup. */
export function vaultOptions(values: Values, env: NodeJS.ProcessEnv): VaultOptions | undefined {
  const pick = (flag: keyof typeof VAULT_FLAGS, variable: string): string | undefined => values[flag] || env[variable] || undefined;
  const address = pick('vault-address', 'MESITIS_VAULT_ADDR');
  if (address === undefined) return undefined;
  if (!/^https?:\/\/[^/]/.test(address)) throw new UsageError(`--vault-address must be an http(s) URL, got "${address}"`);
  const method = pick('vault-auth', 'MESITIS_VAULT_AUTH') ?? 'kubernetes';
  const tokenFile = pick('vault-token-file', 'MESITIS_VAULT_TOKEN_FILE');
  const caFile = pick('vault-ca-file', 'MESITIS_VAULT_CACERT');
  const namespace = pick('vault-namespace', 'MESITIS_VAULT_NAMESPACE');
  const common = { address, ...(caFile !== undefined ? { caFile } : {}), ...(namespace !== undefined ? { namespace } : {}) };
  if (method === 'token') {
    if (tokenFile === undefined) throw new UsageError('--vault-auth token needs --vault-token-file (or MESITIS_VAULT_TOKEN_FILE)');
    return { ...common, auth: { method, tokenFile } };
  }
  if (method !== 'kubernetes') throw new UsageError(`--vault-auth must be kubernetes or token, got "${method}"`);
  const role = pick('vault-role', 'MESITIS_VAULT_ROLE');
  if (role === undefined) throw new UsageError('Vault\'s Kubernetes auth needs --vault-role (or MESITIS_VAULT_ROLE)');
  const mount = pick('vault-auth-mount', 'MESITIS_VAULT_AUTH_MOUNT') ?? 'kubernetes';
  return { ...common, auth: { method, role, mount, tokenFile: tokenFile ?? DEFAULT_VAULT_SA_TOKEN_FILE } };
}

/** The adapter's settings: the CA bundle read now (a bad path fails at startup), the token file at each login. */
export async function vaultSettings(options: VaultOptions): Promise<VaultSettings> {
  const caCertificates = options.caFile !== undefined ? await readFile(options.caFile, 'utf8') : undefined;
  const { auth } = options;
  return {
    address: options.address,
    ...(caCertificates !== undefined ? { caCertificates } : {}),
    ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
    auth: auth.method === 'kubernetes' ? auth : { method: 'token', readToken: () => readFile(auth.tokenFile, 'utf8') },
  };
}

/** Vault, for installations that name one: HttpVault in serve and dev, a MemoryVault or a test server's in tests. */
export const vaultModule = (make: (logger: Logger) => Vault) =>
  new ContainerModule(({ bind }) => {
    bind(T.Vault).toResolvedValue((logger: Logger) => make(logger), [T.Logger]).inSingletonScope();
  });

/** The container module of the Vault `options` name, [] when they name none; the CA bundle is read now (a bad path fails at startup). */
export async function vaultModules(options: VaultOptions | undefined): Promise<ContainerModule[]> {
  if (options === undefined) return [];
  const settings = await vaultSettings(options);
  return [vaultModule((logger) => new HttpVault(settings, logger))];
}
