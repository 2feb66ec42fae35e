/**
 * The provision parameters an entry lets a consumer set: a name, a scalar
 * type and a few limits each. Published as the plan's OSB parameter schema
 * (JSON Schema draft-04, no other properties allowed) and checked before
 * anything is written or installed, so a consumer learns from a 400 what is
 * wrong instead of from a failed release. Messages never quote a value: a
 * parameter may be a secret.
 */
import { domainError, type DomainError } from './errors.js';
import { err, ok, type Result } from './result.js';

export type ParameterType = 'string' | 'integer' | 'number' | 'boolean';
export const PARAMETER_TYPES: readonly ParameterType[] = ['string', 'integer', 'number', 'boolean'];

export type Scalar = string | number | boolean;

export interface ParameterSpec {
  readonly type: ParameterType;
  readonly description?: string;
  readonly required?: boolean;
  readonly default?: Scalar;
  readonly enum?: readonly Scalar[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
}

/** By parameter name. */
export type ParameterSchema = Readonly<Record<string, ParameterSpec>>;

const PARAMETER_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;

function typeProblem(spec: ParameterSpec, value: unknown): string | undefined {
  switch (spec.type) {
    case 'string': return typeof value === 'string' ? undefined : 'must be a string';
    case 'boolean': return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'integer': return typeof value === 'number' && Number.isInteger(value) ? undefined : 'must be a whole number';
    case 'number': return typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a number';
  }
}

/** What is wrong with one value for its spec, without quoting the value. */
function valueProblem(spec: ParameterSpec, value: unknown): string | undefined {
  const wrongType = typeProblem(spec, value);
  if (wrongType !== undefined) return wrongType;
  if (spec.enum !== undefined && !spec.enum.includes(value as Scalar)) return `must be one of ${spec.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  if (typeof value === 'number') {
    if (spec.minimum !== undefined && value < spec.minimum) return `must be at least ${spec.minimum}`;
    if (spec.maximum !== undefined && value > spec.maximum) return `must be at most ${spec.maximum}`;
  }
  if (typeof value === 'string') {
    if (spec.maxLength !== undefined && value.length > spec.maxLength) return `must be at most ${spec.maxLength} characters`;
    if (spec.pattern !== undefined && !new RegExp(spec.pattern, 'u').test(value)) return `must match ${spec.pattern}`;
  }
  return undefined;
}

/** The problems of a schema as a provider wrote it, each with the field at fault (under `parameters`). */
export function schemaProblems(schema: ParameterSchema): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  for (const [name, spec] of Object.entries(schema)) {
    const field = `parameters.${name}`;
    if (!PARAMETER_NAME.test(name)) problems.push({ field, message: 'a parameter name is a letter, then letters, digits, "_" and "-" (at most 63)' });
    if (spec.pattern !== undefined) {
      try {
        new RegExp(spec.pattern, 'u');
      } catch {
        problems.push({ field: `${field}.pattern`, message: 'is not a regular expression' });
        continue;
      }
    }
    if (spec.minimum !== undefined && spec.maximum !== undefined && spec.minimum > spec.maximum) problems.push({ field: `${field}.minimum`, message: 'is above maximum' });
    if (spec.default !== undefined) {
      const bad = valueProblem(spec, spec.default);
      if (bad !== undefined) problems.push({ field: `${field}.default`, message: bad });
    }
    spec.enum?.forEach((value, i) => {
      const bad = typeProblem(spec, value);
      if (bad !== undefined) problems.push({ field: `${field}.enum[${i}]`, message: bad });
    });
  }
  return problems;
}

/**
 * Checks a consumer's parameters against the schema: only declared names,
 * each of its type and within its limits, every required one given.
 */
export function checkParameters(schema: ParameterSchema, parameters: Readonly<Record<string, unknown>>): Result<void, DomainError> {
  const invalid = (message: string) => err(domainError('InvalidRequest', message));
  const declared = Object.keys(schema);
  for (const name of Object.keys(parameters)) {
    if (!Object.hasOwn(schema, name)) {
      return invalid(`parameter "${name}" is not accepted by this plan (${declared.length > 0 ? `accepted: ${declared.join(', ')}` : 'it accepts none'})`);
    }
    const problem = valueProblem(schema[name]!, parameters[name]);
    if (problem !== undefined) return invalid(`parameter "${name}" ${problem}`);
  }
  const missing = declared.find((name) => schema[name]!.required === true && !Object.hasOwn(parameters, name));
  return missing === undefined ? ok(undefined) : invalid(`parameter "${missing}" is required`);
}

/** The parameters with each declared default filled in where the consumer gave none. */
export function withDefaults(schema: ParameterSchema | undefined, parameters: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  if (schema === undefined) return parameters;
  const defaults = Object.entries(schema).filter(([name, spec]) => spec.default !== undefined && !Object.hasOwn(parameters, name));
  return defaults.length === 0 ? parameters : { ...Object.fromEntries(defaults.map(([name, spec]) => [name, spec.default])), ...parameters };
}

/** The schema as OSB publishes it: JSON Schema draft-04, an object of exactly these properties. */
export function osbParameterSchema(schema: ParameterSchema): Record<string, unknown> {
  const required = Object.keys(schema).filter((name) => schema[name]!.required === true);
  return {
    $schema: 'http://json-schema.org/draft-04/schema#',
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(Object.entries(schema).map(([name, spec]) => {
      const { required: _required, ...published } = spec;
      return [name, published];
    })),
    ...(required.length > 0 ? { required } : {}),
  };
}
