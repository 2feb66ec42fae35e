/**
 * io-ts helpers shared by the configuration codecs: lenient scalar codecs,
 * case-insensitive keys, and io-ts errors turned into ConfigProblems with
 * the path of the field at fault. Problems never quote the value they
 * refuse: it may be a credential.
 */
import * as t from 'io-ts';
import type { ConfigProblem } from '../../domain/catalog-entry.js';
import { err, ok, type Result } from '../../domain/result.js';
import { isRecord } from './payload.js';

/** Text fields YAML may read as numbers (`version: 1`, `uuid: 3`): taken as written. */
export const stringLike = new t.Type<string, string, unknown>(
  'a string or number',
  (u): u is string => typeof u === 'string',
  (u, c) => (typeof u === 'string' ? t.success(u) : typeof u === 'number' && Number.isFinite(u) ? t.success(String(u)) : t.failure(u, c)),
  t.identity,
);

/** Credential values end up as strings in a binding; scalars are accepted and stringified. */
export const scalarString = new t.Type<string, string, unknown>(
  'a string, number or boolean',
  (u): u is string => typeof u === 'string',
  (u, c) => (typeof u === 'string' || typeof u === 'number' || typeof u === 'boolean' ? t.success(String(u)) : t.failure(u, c)),
  t.identity,
);

export const port = new t.Type<number, number, unknown>(
  'a port number (1-65535)',
  (u): u is number => typeof u === 'number',
  (u, c) => (typeof u === 'number' && Number.isInteger(u) && u >= 1 && u <= 65535 ? t.success(u) : t.failure(u, c)),
  t.identity,
);

export const joinPath = (prefix: string, key: string): string =>
  prefix === '' ? key : /^\d+$/.test(key) ? `${prefix}[${key}]` : `${prefix}.${key}`;

/** Types whose context entries are members, not fields: they add nothing to a path. */
const isCombinator = (type: t.Decoder<unknown, unknown>): boolean => {
  let inner: unknown = type;
  while (inner instanceof t.ExactType || inner instanceof t.ReadonlyType || inner instanceof t.RefinementType) inner = inner.type;
  return inner instanceof t.IntersectionType || inner instanceof t.UnionType;
};

const EXPECTED: Readonly<Record<string, string>> = {
  StringType: 'a string', NumberType: 'a number', BooleanType: 'true or false',
  ArrayType: 'a list', InterfaceType: 'a mapping', PartialType: 'a mapping', ExactType: 'a mapping', DictionaryType: 'a mapping',
};

function toProblem(error: t.ValidationError, source: string, prefix: string): ConfigProblem {
  let field = prefix;
  error.context.forEach((entry, i) => {
    const parent = error.context[i - 1];
    if (parent !== undefined && !isCombinator(parent.type) && entry.key !== '') field = joinPath(field, entry.key);
  });
  const type = error.context[error.context.length - 1]?.type;
  // io-ts's own types carry a _tag; the custom codecs above are named in words instead.
  const tag = (type as { _tag?: string } | undefined)?._tag ?? '';
  const expected = EXPECTED[tag] ?? type?.name ?? 'something else';
  return { source, field, message: error.value === undefined ? 'is required' : `must be ${expected}` };
}

/** Decodes `value`, reporting each bad field once, under `prefix`. */
export function decodeFields<A>(codec: t.Decoder<unknown, A>, value: unknown, source: string, prefix: string): Result<A, ConfigProblem[]> {
  const decoded = codec.decode(value);
  if (decoded._tag === 'Right') return ok(decoded.right);
  const problems = new Map<string, ConfigProblem>();
  for (const error of decoded.left) {
    const problem = toProblem(error, source, prefix);
    if (!problems.has(problem.field)) problems.set(problem.field, problem);
  }
  return err([...problems.values()]);
}

/**
 * The mapping with every key in lower case, because providers write `Team`,
 * `labelSelector` or `provisionKind` as they please. Two keys that differ only
 * in case are ambiguous, so they are a problem rather than a silent pick.
 */
export function lowerCaseKeys(value: unknown, source: string, field: string): Result<Record<string, unknown>, ConfigProblem[]> {
  if (!isRecord(value)) return err([{ source, field, message: 'must be a mapping' }]);
  const lowered = new Map<string, unknown>();
  const problems: ConfigProblem[] = [];
  for (const [key, item] of Object.entries(value)) {
    const lower = key.toLowerCase();
    if (lowered.has(lower)) problems.push({ source, field: joinPath(field, lower), message: 'is given twice (keys ignore case)' });
    lowered.set(lower, item);
  }
  // fromEntries defines own properties: a `__proto__` key stays a key and cannot reach the prototype.
  return problems.length > 0 ? err(problems) : ok(Object.fromEntries(lowered));
}
