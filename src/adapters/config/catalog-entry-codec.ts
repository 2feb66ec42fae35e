/**
 * Decodes one catalog-entry ConfigMap into a CatalogEntry, or into every
 * problem found, each naming the ConfigMap and the field at fault. Keys are
 * case-insensitive; paths in problems use the lower-case spelling.
 */
import * as t from 'io-ts';
import { deriveServiceId, type CatalogEntry, type ConfigProblem } from '../../domain/catalog-entry.js';
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
  }),
]);

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
  if (!fields.ok || !provisioner.ok || !credentials.ok || !lifetime.ok) {
    return err([fields, provisioner, credentials, lifetime].flatMap((part) => (part.ok ? [] : part.error)));
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
  });
}
