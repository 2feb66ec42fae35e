/**
 * Decodes one catalog-entry ConfigMap into a CatalogEntry, or into every
 * problem found, each naming the ConfigMap and the field at fault. Keys are
 * case-insensitive; paths in problems use the lower-case spelling.
 */
import * as t from 'io-ts';
import { deriveServiceId, type CatalogEntry, type ConfigProblem } from '../../domain/catalog-entry.js';
import type { ParameterSchema, ParameterSpec } from '../../domain/parameter-schema.js';
import { err, ok, type Result } from '../../domain/result.js';
import { decodeFields, lowerCaseKeys, stringLike } from './codec-support.js';
import type { ConfigMapDocument } from './config-map-document.js';
import { decodeBindingLifetime } from './binding-lifetime-codec.js';
import { decodeCredentials } from './credential-codec.js';
import { readPayload } from './payload.js';
import { decodeProvisioner } from './provisioner-codec.js';

/** The fields every entry has; provisioner and credentials are decoded separately. Extra keys are ignored. */
const EntryFields = t.intersection([
  t.type({
    team: t.string,
    offering: t.string,
    description: t.string,
    uuid: stringLike,
    version: stringLike,
    whitelist: t.array(t.string),
  }),
  t.partial({
    serviceuuid: stringLike,
    updatableto: t.array(stringLike),
    updatablefrom: t.array(stringLike),
    maintenanceversion: stringLike,
    parametersupdatable: t.boolean,
    parameters: t.UnknownRecord,
  }),
]);

const scalar = t.union([t.string, t.number, t.boolean]);
const ParameterFields = t.intersection([
  t.type({ type: t.keyof({ string: null, integer: null, number: null, boolean: null }) }),
  t.partial({ description: t.string, required: t.boolean, default: scalar, enum: t.array(scalar), minimum: t.number, maximum: t.number, maxlength: t.number, pattern: t.string }),
]);

/** `parameters`: by name (as written: names are the consumer's keys), each spec's keys case-insensitive. */
function decodeParameters(value: Record<string, unknown> | undefined, source: string): Result<ParameterSchema | undefined, ConfigProblem[]> {
  if (value === undefined) return ok(undefined);
  const schema: Record<string, ParameterSpec> = {};
  const problems: ConfigProblem[] = [];
  for (const [name, given] of Object.entries(value)) {
    const lowered = lowerCaseKeys(given, source, `parameters.${name}`);
    const fields = lowered.ok ? decodeFields(ParameterFields, lowered.value, source, `parameters.${name}`) : lowered;
    if (!fields.ok) {
      problems.push(...fields.error);
      continue;
    }
    const { maxlength, ...rest } = fields.value;
    schema[name] = { ...rest, ...(maxlength !== undefined ? { maxLength: maxlength } : {}) };
  }
  return problems.length > 0 ? err(problems) : ok(Object.fromEntries(Object.entries(schema)));
}

export function decodeCatalogEntry(doc: ConfigMapDocument): Result<CatalogEntry, ConfigProblem[]> {
  const source = doc.name;
  const payload = readPayload(doc);
  if (!payload.ok) return err([payload.error]);
  const lowered = lowerCaseKeys(payload.value.value, source, '');
  if (!lowered.ok) {
    return err(lowered.error.map((p) => (p.field === '' ? { ...p, field: payload.value.key, message: 'must hold a mapping of entry fields' } : p)));
  }
  const fields = decodeFields(EntryFields, lowered.value, source, '');
  const provisioner = decodeProvisioner(lowered.value, source);
  const credentials = decodeCredentials(lowered.value, source);
  const lifetime = decodeBindingLifetime(lowered.value, source);
  const parameters = decodeParameters(fields.ok ? fields.value.parameters : undefined, source);
  if (!fields.ok || !provisioner.ok || !credentials.ok || !lifetime.ok || !parameters.ok) {
    return err([fields, provisioner, credentials, lifetime, parameters].flatMap((part) => (part.ok ? [] : part.error)));
  }
  const { team, offering, description, uuid, version, whitelist, serviceuuid } = fields.value;
  const { updatableto, updatablefrom, maintenanceversion, parametersupdatable } = fields.value;
  return ok({
    source,
    team,
    offering,
    description,
    version,
    planId: uuid,
    serviceId: serviceuuid ?? deriveServiceId(team, offering),
    whitelist,
    provisioner: provisioner.value,
    credentials: credentials.value,
    ...(lifetime.value !== undefined ? { bindingLifetime: lifetime.value } : {}),
    ...(updatableto !== undefined ? { updatableTo: updatableto } : {}),
    ...(updatablefrom !== undefined ? { updatableFrom: updatablefrom } : {}),
    ...(maintenanceversion !== undefined ? { maintenanceVersion: maintenanceversion } : {}),
    ...(parametersupdatable !== undefined ? { parametersUpdatable: parametersupdatable } : {}),
    ...(parameters.value !== undefined ? { parameters: parameters.value } : {}),
  });
}
