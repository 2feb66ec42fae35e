/**
 * Flags and environment, read in one place. Flags win over environment,
 * environment over defaults.
 */
import { parseArgs } from 'node:util';
import type { AuthSettings } from '../adapters/http/auth.js';
import { LOG_LEVELS, type LogLevel } from '../adapters/logging/pino-logger.js';
import { DEFAULT_SETTINGS, type BrokerSettings } from '../application/settings.js';
import { PACKAGE_EXAMPLES } from './package-info.js';
import { UsageError } from './usage-error.js';
import { VAULT_FLAGS, vaultOptions, type VaultOptions } from './vault-options.js';

export { UsageError };

export type StateOptions =
  | { readonly kind: 'memory' }
  | { readonly kind: 'kubernetes' }
  | { readonly kind: 'redis'; readonly url: string; readonly password?: string; readonly tls: boolean; readonly db?: number; readonly prefix: string };

export const STATE_KINDS = ['memory', 'kubernetes', 'redis'] as const;

export interface BrokerOptions {
  readonly mode: 'dev' | 'serve';
  readonly host: string;
  readonly port: number;
  readonly namespace: string | undefined;
  readonly manifests: readonly string[];
  readonly kubeconfig: string | undefined;
  readonly auth: AuthSettings;
  readonly insecureNoAuth: boolean;
  readonly state: StateOptions;
  readonly logLevel: LogLevel;
  readonly settings: BrokerSettings;
  readonly bodyLimitBytes: number;
  readonly shutdownGraceMs: number;
  /** The Secret in the broker namespace holding the key generated values derive from. */
  readonly generationKeySecret: string;
  /** The helm binary Helm-chart offerings run: a path, or a name looked up on PATH. */
  readonly helmBinary: string;
  /** How to reach Vault; absent: the installation uses none (entries naming it are refused at bind). */
  readonly vault?: VaultOptions;
}

/** The chart's name for it when the release is called mesitis; MESITIS_GENERATION_KEY_SECRET names another. */
export const DEFAULT_GENERATION_KEY_SECRET = 'mesitis-generation-key';


/** Where the state lives: the flags `serve` and `doctor` share. */
export const STATE_FLAGS = {
  state: { type: 'string' },
  'redis-url': { type: 'string' },
  'redis-password': { type: 'string' },
  'redis-tls': { type: 'boolean' },
  'redis-db': { type: 'string' },
  'redis-prefix': { type: 'string' },
} as const;

export const BROKER_FLAGS = {
  host: { type: 'string' },
  port: { type: 'string', short: 'p' },
  namespace: { type: 'string', short: 'n' },
  manifests: { type: 'string', multiple: true },
  kubeconfig: { type: 'string' },
  username: { type: 'string' },
  password: { type: 'string' },
  'bearer-token': { type: 'string' },
  'insecure-no-auth': { type: 'boolean' },
  ...STATE_FLAGS,
  'readiness-timeout': { type: 'string' },
  'log-level': { type: 'string' },
  'generation-key-secret': { type: 'string' },
  'helm-binary': { type: 'string' },
  ...VAULT_FLAGS,
  help: { type: 'boolean', short: 'h' },
} as const;

function integer(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text)) throw new UsageError(`${name} must be a whole number, got "${text}"`);
  return Number(text);
}

function logLevel(text: string | undefined): LogLevel {
  const level = text ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  return level as LogLevel;
}

type BrokerFlagValues = ReturnType<typeof parseArgs<{ options: typeof BROKER_FLAGS }>>['values'];

/**
 * Where state lives: as asked (--state), else Redis when it has a URL, else
 * the command's own default (dev: memory, nothing to keep; serve: the
 * cluster, so a restart loses nothing and no other service is needed).
 */
export function stateOptions(mode: 'dev' | 'serve', values: BrokerFlagValues, env: NodeJS.ProcessEnv, namespace: string | undefined): StateOptions {
  const url = values['redis-url'] ?? env['MESITIS_REDIS_URL'];
  const kind = values.state ?? (env['MESITIS_STATE'] || undefined) ?? (url ? 'redis' : mode === 'dev' ? 'memory' : 'kubernetes');
  if (kind === 'memory') return { kind };
  if (kind === 'kubernetes') {
    if (mode === 'dev') throw new UsageError('--state kubernetes needs a cluster: use it with `mesitis serve`');
    return { kind };
  }
  if (kind !== 'redis') throw new UsageError(`--state must be one of ${STATE_KINDS.join(', ')}, got "${kind}"`);
  if (!url) throw new UsageError('--state redis needs --redis-url (or MESITIS_REDIS_URL)');
  const password = values['redis-password'] ?? env['MESITIS_REDIS_PASSWORD'];
  const db = values['redis-db'] ?? env['MESITIS_REDIS_DB'];
  return {
    kind, url, tls: values['redis-tls'] ?? env['MESITIS_REDIS_TLS'] === 'true',
    prefix: values['redis-prefix'] ?? env['MESITIS_REDIS_PREFIX'] ?? `mesitis:${namespace ?? 'default'}:`,
    ...(password !== undefined ? { password } : {}),
    ...(db ? { db: integer('--redis-db', db, 0) } : {}),
  };
}

/** Drops unset fields, so optional settings are absent rather than undefined. */
const defined = (value: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(value).filter((pair): pair is [string, string] => pair[1] !== undefined));

export function brokerOptions(mode: 'dev' | 'serve', args: string[], env: NodeJS.ProcessEnv): BrokerOptions & { help: boolean } {
  const { values, positionals } = parseArgs({ args, options: BROKER_FLAGS, allowPositionals: true, strict: true });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const namespace = values.namespace ?? env['POD_NAMESPACE'] ?? (mode === 'dev' ? 'provider-ns' : undefined);
  const vault = vaultOptions(values, env);
  return {
    help: values.help ?? false,
    mode,
    host: values.host ?? env['HOST'] ?? (mode === 'dev' ? '127.0.0.1' : '0.0.0.0'),
    port: integer('--port', values.port ?? env['PORT'], 8080),
    namespace,
    manifests: values.manifests ?? [PACKAGE_EXAMPLES],
    kubeconfig: values.kubeconfig ?? env['KUBECONFIG'],
    auth: defined({
      username: values.username ?? env['MESITIS_USERNAME'],
      password: values.password ?? env['MESITIS_PASSWORD'],
      bearerToken: values['bearer-token'] ?? env['MESITIS_BEARER_TOKEN'],
    }),
    insecureNoAuth: values['insecure-no-auth'] ?? false,
    state: stateOptions(mode, values, env, namespace),
    logLevel: logLevel(values['log-level'] ?? env['MESITIS_LOG_LEVEL'] ?? env['LOG_LEVEL']),
    settings: { ...DEFAULT_SETTINGS, readinessTimeoutMs: integer('--readiness-timeout', values['readiness-timeout'], DEFAULT_SETTINGS.readinessTimeoutMs / 1000) * 1000 },
    bodyLimitBytes: 1024 * 1024,
    shutdownGraceMs: integer('MESITIS_SHUTDOWN_GRACE_SECONDS', env['MESITIS_SHUTDOWN_GRACE_SECONDS'], 25) * 1000,
    generationKeySecret: values['generation-key-secret'] ?? env['MESITIS_GENERATION_KEY_SECRET'] ?? DEFAULT_GENERATION_KEY_SECRET,
    helmBinary: values['helm-binary'] || env['MESITIS_HELM'] || 'helm',
    ...(vault !== undefined ? { vault } : {}),
  };
}
