/**
 * `{{ name }}` substitution in resource templates. It works on parsed string
 * values, never on raw text, so a value can never inject structure.
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
}

/** A stable 8-character hash of the instance id, valid in DNS names. */
export const shortId = (instanceId: string): string => sha1Hex(instanceId).slice(0, 8);

const VARIABLE = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

/** When checking configuration offline there are no real parameters yet. */
export type MissingParameter = 'refuse' | 'placeholder';

/** The variables every instance has; computed only when a template uses them (shortId hashes). */
const FIXED: Readonly<Record<string, (facts: InstanceFacts) => string>> = {
  'instance.id': (facts) => facts.instanceId,
  'instance.shortId': (facts) => shortId(facts.instanceId),
  'instance.name': (facts) => facts.instanceName,
  'consumer.namespace': (facts) => facts.consumerNamespace,
  team: (facts) => facts.team,
  offering: (facts) => facts.offering,
  version: (facts) => facts.version,
};

function lookup(name: string, facts: InstanceFacts, missing: MissingParameter): Result<string, DomainError> {
  const value = Object.hasOwn(FIXED, name) ? FIXED[name]?.(facts) : undefined;
  if (value !== undefined) return ok(value);
  if (!name.startsWith('parameters.')) return err(domainError('ConfigInvalid', `unknown template variable {{ ${name} }}`));
  const parameter = name.slice('parameters.'.length);
  const given = facts.parameters[parameter];
  if (typeof given === 'string' || typeof given === 'number' || typeof given === 'boolean') return ok(String(given));
  if (missing === 'placeholder') return ok('x');
  return err(domainError('InvalidRequest', `parameter "${parameter}" is required and must be a string, number or boolean`));
}

export function substitute(text: string, facts: InstanceFacts, missing: MissingParameter = 'refuse'): Result<string, DomainError> {
  let failure: DomainError | undefined;
  const result = text.replace(VARIABLE, (_whole, name: string) => {
    const value = lookup(name, facts, missing);
    if (!value.ok) failure ??= value.error;
    return value.ok ? value.value : '';
  });
  return failure ? err(failure) : ok(result);
}

/** Substitutes in every string value of a parsed document, keys untouched. */
export function substituteDeep(value: unknown, facts: InstanceFacts, missing: MissingParameter = 'refuse'): Result<unknown, DomainError> {
  if (typeof value === 'string') return substitute(value, facts, missing);
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const item of value) {
      const done = substituteDeep(item, facts, missing);
      if (!done.ok) return done;
      items.push(done.value);
    }
    return ok(items);
  }
  if (value !== null && typeof value === 'object') {
    const fields: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const done = substituteDeep(item, facts, missing);
      if (!done.ok) return done;
      fields[key] = done.value;
    }
    return ok(fields);
  }
  return ok(value);
}
