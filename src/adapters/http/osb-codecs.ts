/**
 * io-ts codecs for OSB request bodies. Unknown fields are ignored, as the
 * spec requires; a bad field is reported by its path.
 */
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import { domainError } from '../../domain/errors.js';
import { err, ok, type Result } from '../../domain/result.js';

const JsonObject = t.UnknownRecord;

export const ProvisionBody = t.intersection([
  t.type({ service_id: t.string, plan_id: t.string }),
  t.partial({ context: JsonObject, parameters: JsonObject, maintenance_info: JsonObject, organization_guid: t.string, space_guid: t.string }),
]);
export type ProvisionBody = t.TypeOf<typeof ProvisionBody>;

export const UpdateBody = t.intersection([
  t.type({ service_id: t.string }),
  t.partial({ plan_id: t.string, context: JsonObject, parameters: JsonObject, maintenance_info: JsonObject, previous_values: JsonObject }),
]);
export type UpdateBody = t.TypeOf<typeof UpdateBody>;

export const BindBody = t.intersection([
  t.type({ service_id: t.string, plan_id: t.string }),
  t.partial({
    context: JsonObject,
    parameters: JsonObject,
    app_guid: t.string,
    bind_resource: t.partial({ app_guid: t.string, route: t.string }),
  }),
]);
export type BindBody = t.TypeOf<typeof BindBody>;

function pathOf(error: t.ValidationError): string {
  return error.context
    .map((entry) => entry.key)
    .filter((key) => key !== '' && !/^\d+$/.test(key))
    .join('.');
}

export function decodeBody<A>(codec: t.Decoder<unknown, A>, body: unknown): Result<A> {
  const decoded = codec.decode(body ?? {});
  if (!isLeft(decoded)) return ok(decoded.right);
  const fields = [...new Set(decoded.left.map(pathOf))].filter((p) => p !== '');
  const detail = fields.length > 0 ? `missing or invalid: ${fields.join(', ')}` : 'the body must be a JSON object';
  return err(domainError('InvalidRequest', `invalid request body: ${detail}`));
}
