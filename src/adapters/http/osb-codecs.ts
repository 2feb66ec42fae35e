/**
 * io-ts codecs for OSB request bodies. Unknown fields are ignored, as the
 * spec requires; a bad field is reported by its path.
 */
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import { domainError } from '../../domain/errors.js';
import { err, ok, type Result } from '../../domain/result.js';

/**
 * `parameters` and `context` are kept in the instance record, which must fit
 * in every store (a Kubernetes object holds at most 1 MiB): each is limited
 * to 64 KiB of JSON, far above what any real plan needs.
 */
export const MAX_DOCUMENT_BYTES = 64 * 1024;

const JsonObject = t.refinement(t.UnknownRecord, (value) => Buffer.byteLength(JSON.stringify(value)) <= MAX_DOCUMENT_BYTES, 'JsonObject');

/** The spec: "Request and response parameters of type string, if present, MUST be a non-empty string". */
const NonEmptyString = t.refinement(t.string, (text) => text !== '', 'NonEmptyString');

/** organization_guid and space_guid are REQUIRED on provision (spec §Provisioning), though `context` supersedes them. */
export const ProvisionBody = t.intersection([
  t.type({ service_id: NonEmptyString, plan_id: NonEmptyString, organization_guid: NonEmptyString, space_guid: NonEmptyString }),
  t.partial({ context: JsonObject, parameters: JsonObject, maintenance_info: JsonObject }),
]);
export type ProvisionBody = t.TypeOf<typeof ProvisionBody>;

export const UpdateBody = t.intersection([
  t.type({ service_id: NonEmptyString }),
  t.partial({ plan_id: NonEmptyString, context: JsonObject, parameters: JsonObject, maintenance_info: JsonObject, previous_values: JsonObject }),
]);
export type UpdateBody = t.TypeOf<typeof UpdateBody>;

export const BindBody = t.intersection([
  t.type({ service_id: NonEmptyString, plan_id: NonEmptyString }),
  t.partial({
    context: JsonObject,
    parameters: JsonObject,
    app_guid: t.string,
    bind_resource: t.partial({ app_guid: t.string, route: t.string }),
    predecessor_binding_id: NonEmptyString,
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
  const detail = fields.length > 0
    ? `missing or invalid: ${fields.join(', ')} (strings must be non-empty; objects at most ${MAX_DOCUMENT_BYTES / 1024} KiB of JSON)`
    : 'the body must be a JSON object';
  return err(domainError('InvalidRequest', `invalid request body: ${detail}`));
}
