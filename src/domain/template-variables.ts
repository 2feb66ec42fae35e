/**
 * `{{ name }}` substitution in resource templates. It works on parsed string
 * values, never on raw text, so a value can never inject structure.
 *
 * `{{ generated.NAME length=N alphabet=A }}` stands for a secret generated
 * once per instance (in binding templates: once per binding). The domain never makes one: the application derives the
 * values the plan asks for (see generatedSpecs) and hands them in as facts.
 * They may appear in object content only, never under `metadata` nor in a
 * provisioner's `name`: names are recorded in the state store and names and
 * labels are listed, logged and put in error messages.
 */
import { domainError, type DomainError } from './errors.js';
import { sha1Hex } from './hash.js';
import { err, ok, type Result } from './result.js';

/** Everything about one instance that templates may refer to. */
export interface InstanceFacts {
  readonly instanceId: string;
  /** The platform's name for the instance (context.instance_name), else the id. */
  readonly instanceName: string;
  readonly consumerNamespace: string;
  readonly team: string;
  readonly offering: string;
  readonly version: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  /** Generated values by NAME, derived for this instance; absent when the plan uses none. */
  readonly generated?: Readonly<Record<string, string>>;
  /** The binding being rendered (binding templates, a binding's Secret name); absent for the instance's own plan. */
  readonly binding?: { readonly id: string };
  /** The instance's Helm release (Helm entries only): its name is known once the release name is rendered. */
  readonly release?: { readonly name: string };
}

/** A stable 8-character hash of the instance id, valid in DNS names. */
export const shortId = (instanceId: string): string => sha1Hex(instanceId).slice(0, 8);

/** A stable 8-character hash of instance and binding id: unique per binding even when two instances reuse a binding id. */
export const bindingShortId = (instanceId: string, bindingId: string): string =>
  sha1Hex(`${instanceId.length}:${instanceId}\n${bindingId}`).slice(0, 8);

const VARIABLE = /\{\{\s*([A-Za-z0-9_.-]+)((?:\s+[A-Za-z]+=[A-Za-z0-9_-]+)*)\s*\}\}/g;

/** When checking configuration offline there are no real parameters yet. */
export type MissingParameter = 'refuse' | 'placeholder';

/** The characters a generated value is drawn from. */
export const ALPHABETS = {
  alnum: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  lower: 'abcdefghijklmnopqrstuvwxyz0123456789',
  hex: '0123456789abcdef',
  digits: '0123456789',
} as const;
export type AlphabetName = keyof typeof ALPHABETS;

export const GENERATED_DEFAULTS = { length: 24, alphabet: 'alnum' as AlphabetName };
export const GENERATED_LENGTH = { min: 8, max: 128 };

/** One generated value a plan asks for. */
export interface GeneratedSpec {
  readonly name: string;
  readonly length: number;
  readonly alphabet: AlphabetName;
}

/** The variables every instance has; computed only when a template uses them (shortId hashes). */
const FIXED: Readonly<Record<string, (facts: InstanceFacts) => string | undefined>> = {
  'instance.id': (facts) => facts.instanceId,
  'instance.shortId': (facts) => shortId(facts.instanceId),
  'instance.name': (facts) => facts.instanceName,
  'consumer.namespace': (facts) => facts.consumerNamespace,
  team: (facts) => facts.team,
  offering: (facts) => facts.offering,
  version: (facts) => facts.version,
  'binding.id': (facts) => facts.binding?.id,
  'binding.shortId': (facts) => (facts.binding ? bindingShortId(facts.instanceId, facts.binding.id) : undefined),
  'release.name': (facts) => facts.release?.name,
};

/** Variables whose values the provider's configuration or a hash decides, never the caller. */
export const PROVIDER_VARIABLES: readonly string[] = ['instance.shortId', 'consumer.namespace', 'team', 'offering', 'version'];

const GENERATED_PREFIX = 'generated.';
const GENERATED_NAME = /^[A-Za-z0-9_-]{1,63}$/;

/** Parses `generated.NAME` and its options; ConfigInvalid names what is wrong. */
export function parseGenerated(name: string, options: string): Result<GeneratedSpec, DomainError> {
  const bad = (message: string) => err(domainError('ConfigInvalid', `{{ ${name}${options} }}: ${message}`));
  const own = name.slice(GENERATED_PREFIX.length);
  if (!GENERATED_NAME.test(own)) return bad('a generated value needs a NAME of letters, digits, "_" and "-"');
  let { length, alphabet } = GENERATED_DEFAULTS;
  for (const option of options.trim().split(/\s+/).filter((o) => o !== '')) {
    const [key, value = ''] = option.split('=');
    if (key === 'length') {
      length = /^\d+$/.test(value) ? Number(value) : NaN;
      if (!(length >= GENERATED_LENGTH.min && length <= GENERATED_LENGTH.max)) return bad(`length must be a whole number from ${GENERATED_LENGTH.min} to ${GENERATED_LENGTH.max}`);
    } else if (key === 'alphabet') {
      if (!Object.hasOwn(ALPHABETS, value)) return bad(`alphabet must be one of ${Object.keys(ALPHABETS).join(', ')}`);
      alphabet = value as AlphabetName;
    } else {
      return bad(`unknown option "${key}" (options: length, alphabet)`);
    }
  }
  return ok({ name: own, length, alphabet });
}

/** Where a value is substituted: generated values only in object content. */
type Place = 'content' | 'identity';

function lookup(name: string, options: string, facts: InstanceFacts, missing: MissingParameter, place: Place): Result<string, DomainError> {
  if (name.startsWith(GENERATED_PREFIX)) {
    const spec = parseGenerated(name, options);
    if (!spec.ok) return spec;
    if (place === 'identity') {
      return err(domainError('ConfigInvalid', `{{ ${name} }} may not be used in metadata or an object name: names and labels are recorded and listed, generated values must stay secret`));
    }
    const value = facts.generated?.[spec.value.name];
    if (value !== undefined) return ok(value);
    if (missing === 'placeholder') return ok(ALPHABETS[spec.value.alphabet][0]!.repeat(spec.value.length));
    // The application derives every value the plan names before rendering: missing one is a bug, reported safely.
    return err(domainError('Infrastructure', `generated value "${spec.value.name}" was not prepared for this instance`));
  }
  if (options !== '') return err(domainError('ConfigInvalid', `{{ ${name}${options} }}: only generated values take options`));
  const value = Object.hasOwn(FIXED, name) ? FIXED[name]?.(facts) : undefined;
  if (value !== undefined) return ok(value);
  if (name === 'release.name') return err(domainError('ConfigInvalid', '{{ release.name }} is known only in Helm chart entries (values, name, an instance Secret name)'));
  if (name.startsWith('binding.') && Object.hasOwn(FIXED, name)) {
    return err(domainError('ConfigInvalid', `{{ ${name} }} is known only in binding templates (bindingLabelSelector) and a binding's Secret name`));
  }
  if (!name.startsWith('parameters.')) return err(domainError('ConfigInvalid', `unknown template variable {{ ${name} }}`));
  const parameter = name.slice('parameters.'.length);
  const given = facts.parameters[parameter];
  if (typeof given === 'string' || typeof given === 'number' || typeof given === 'boolean') return ok(String(given));
  if (missing === 'placeholder') return ok('x');
  return err(domainError('InvalidRequest', `parameter "${parameter}" is required and must be a string, number or boolean`));
}

function substituteIn(text: string, facts: InstanceFacts, missing: MissingParameter, place: Place): Result<string, DomainError> {
  let failure: DomainError | undefined;
  const result = text.replace(VARIABLE, (_whole, name: string, options: string) => {
    const value = lookup(name, options, facts, missing, place);
    if (!value.ok) failure ??= value.error;
    return value.ok ? value.value : '';
  });
  return failure ? err(failure) : ok(result);
}

/** Substitutes in a name (a provisioner's `name`, a Secret name): generated values are refused there. */
export function substitute(text: string, facts: InstanceFacts, missing: MissingParameter = 'refuse'): Result<string, DomainError> {
  return substituteIn(text, facts, missing, 'identity');
}

/** The variable names a text uses, options left out. */
export function variablesIn(text: string): string[] {
  return [...text.matchAll(VARIABLE)].map((match) => match[1]!);
}

/** Every generated value a parsed document uses; ConfigInvalid for bad options or one NAME with two shapes. */
export function generatedIn(document: unknown, found: Map<string, GeneratedSpec> = new Map()): Result<Map<string, GeneratedSpec>, DomainError> {
  for (const text of stringsIn(document)) {
    for (const match of text.matchAll(VARIABLE)) {
      const name = match[1]!;
      if (!name.startsWith(GENERATED_PREFIX)) continue;
      const spec = parseGenerated(name, match[2] ?? '');
      if (!spec.ok) return spec;
      const seen = found.get(spec.value.name);
      if (seen && (seen.length !== spec.value.length || seen.alphabet !== spec.value.alphabet)) {
        return err(domainError('ConfigInvalid', `generated value "${spec.value.name}" is used with different length or alphabet: one NAME is one value`));
      }
      found.set(spec.value.name, spec.value);
    }
  }
  return ok(found);
}

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}

/**
 * Replaces every string in a parsed document (keys untouched) by what `leaf`
 * makes of it, given the keys that lead to it; the first error stops it.
 */
export function mapStrings(
  value: unknown,
  leaf: (text: string, keys: readonly string[]) => Result<unknown, DomainError>,
  keys: readonly string[] = [],
): Result<unknown, DomainError> {
  if (typeof value === 'string') return leaf(value, keys);
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const item of value) {
      const done = mapStrings(item, leaf, keys);
      if (!done.ok) return done;
      items.push(done.value);
    }
    return ok(items);
  }
  if (value !== null && typeof value === 'object') {
    const fields: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const done = mapStrings(item, leaf, [...keys, key]);
      if (!done.ok) return done;
      fields[key] = done.value;
    }
    return ok(fields);
  }
  return ok(value);
}

/** Substitutes in every string value of a parsed document, keys untouched; generated values only outside `metadata`. */
export function substituteDeep(value: unknown, facts: InstanceFacts, missing: MissingParameter = 'refuse', place: Place = 'content'): Result<unknown, DomainError> {
  // An object's top-level metadata is its identity; nested metadata (a pod template's) is listed too.
  return mapStrings(value, (text, keys) => substituteIn(text, facts, missing, keys.includes('metadata') ? 'identity' : place));
}
