/**
 * Flags of the consumer verbs. Only src/main reads flags, except here: the
 * consumer verbs are a client-side tool with nothing to wire into the
 * broker's container, so their arguments are parsed next to the verbs.
 *
 * One flag table serves every verb (so values are typed once); each verb
 * names the flags it accepts beyond the common ones, and any other is a
 * usage error.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { err, ok, type Result } from '../../domain/result.js';

export const CONSUMER_FLAGS = {
  namespace: { type: 'string', short: 'n' },
  'broker-url': { type: 'string' },
  username: { type: 'string' },
  password: { type: 'string' },
  'bearer-token': { type: 'string' },
  /** The short name of --bearer-token, as the first versions of the CLI spelt it. */
  token: { type: 'string' },
  kubeconfig: { type: 'string' },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
  service: { type: 'string' },
  plan: { type: 'string' },
  param: { type: 'string', short: 'p', multiple: true },
  'instance-name': { type: 'string' },
  'cluster-id': { type: 'string' },
  wait: { type: 'boolean' },
  'no-wait': { type: 'boolean' },
  timeout: { type: 'string' },
  secret: { type: 'string' },
  'show-credentials': { type: 'boolean' },
  binding: { type: 'string' },
  'new-binding-id': { type: 'string' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export type FlagName = keyof typeof CONSUMER_FLAGS;

export const COMMON_FLAGS: readonly FlagName[] = ['namespace', 'broker-url', 'username', 'password', 'bearer-token', 'token', 'kubeconfig', 'output', 'help'];

const parseAll = (args: string[]) => parseArgs({ args, options: CONSUMER_FLAGS, allowPositionals: true, strict: true });
export type FlagValues = ReturnType<typeof parseAll>['values'];

export interface VerbSyntax {
  readonly name: string;
  /** Names of the positional arguments, in order; all required. */
  readonly positionals: readonly string[];
  /** Flags beyond the common ones. */
  readonly flags: readonly FlagName[];
}

export interface ParsedArguments {
  readonly values: FlagValues;
  readonly positionals: readonly string[];
}

/** The verb's arguments, or a usage message. With --help nothing else is checked. */
export function parseVerbArguments(syntax: VerbSyntax, args: string[]): Result<ParsedArguments, string> {
  let parsed: ReturnType<typeof parseAll>;
  try {
    parsed = parseAll(args);
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) return err((error as Error).message);
    throw error;
  }
  const { values, positionals } = parsed;
  if (values.help) return ok({ values, positionals });
  const allowed = new Set([...COMMON_FLAGS, ...syntax.flags]);
  const foreign = (Object.keys(values) as FlagName[]).find((name) => !allowed.has(name));
  if (foreign !== undefined) return err(`--${foreign} is not a flag of "mesitis ${syntax.name}"`);
  if (positionals.length < syntax.positionals.length) {
    return err(`missing ${syntax.positionals.slice(positionals.length).join(' ')}`);
  }
  if (positionals.length > syntax.positionals.length) return err(`unexpected argument "${positionals[syntax.positionals.length]}"`);
  const empty = positionals.findIndex((value) => value.trim() === '');
  if (empty >= 0) return err(`${syntax.positionals[empty]} must not be empty`);
  return ok({ values, positionals });
}

export type OutputFormat = 'table' | 'json';

export function outputFormat(values: FlagValues): Result<OutputFormat, string> {
  const format = values.output ?? 'table';
  return format === 'table' || format === 'json' ? ok(format) : err(`-o must be "table" or "json", got "${format}"`);
}

/** `-p key=value` (repeatable) as string parameters; split at the first "=". */
export function parameters(values: FlagValues): Result<Record<string, string>, string> {
  const result: Record<string, string> = {};
  for (const pair of values.param ?? []) {
    const at = pair.indexOf('=');
    const key = at > 0 ? pair.slice(0, at) : '';
    if (key === '') return err(`-p expects key=value, got "${pair}"`);
    if (Object.hasOwn(result, key)) return err(`-p ${key} is given twice`);
    result[key] = pair.slice(at + 1);
  }
  return ok(result);
}

/** Whether to wait for an asynchronous operation: yes unless --no-wait. */
export function shouldWait(values: FlagValues): Result<boolean, string> {
  if (values.wait && values['no-wait']) return err('--wait and --no-wait contradict each other');
  return ok(!values['no-wait']);
}

export const DEFAULT_TIMEOUT_SECONDS = 300;
const UNIT_SECONDS: Readonly<Record<string, number>> = { '': 1, s: 1, m: 60, h: 3600 };

/** `--timeout` in milliseconds: whole seconds, or with a unit (90s, 5m, 1h). */
export function timeoutMs(values: FlagValues): Result<number, string> {
  const text = values.timeout ?? String(DEFAULT_TIMEOUT_SECONDS);
  const match = /^(\d+)(s|m|h)?$/.exec(text.trim());
  const amount = Number(match?.[1]);
  if (!match || amount === 0) return err(`--timeout must be a positive duration such as 300, 90s or 5m, got "${text}"`);
  return ok(amount * (UNIT_SECONDS[match[2] ?? ''] ?? 1) * 1000);
}
