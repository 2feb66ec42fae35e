/**
 * Instance and binding records as stored text: versioned JSON, decoded with
 * io-ts on every read because a store is outside the process (another
 * replica, an older version or a person may have written it). Shared by
 * every StateStore adapter so they agree on the format byte for byte.
 */
import * as t from 'io-ts';
import { originalApiVersion, type ObjectRef } from '../../domain/kube-object.js';
import { domainError } from '../../domain/errors.js';
import { RECORD_SCHEMA, type BindingRecord, type InstanceRecord } from '../../domain/records.js';
import { err, ok, type Result } from '../../domain/result.js';

const oneOf = <K extends string>(values: readonly K[]): t.KeyofC<Record<K, null>> =>
  t.keyof(Object.fromEntries(values.map((value) => [value, null])) as Record<K, null>);

const JsonObject = t.record(t.string, t.unknown);

const StoredObjectRef = t.exact(
  t.intersection([
    t.type({ kind: t.string, namespace: t.string, name: t.string }),
    t.partial({ apiVersion: t.string, uid: t.string }),
  ]),
);

/**
 * A ref as stored. Records written before refs carried an apiVersion name
 * one of the six original kinds only: the version it was created with is
 * filled in, and any other kind without one is corrupt.
 */
const ObjectRefCodec = new t.Type<ObjectRef, t.OutputOf<typeof StoredObjectRef>, unknown>(
  'ObjectRef',
  (value): value is ObjectRef => StoredObjectRef.is(value) && typeof (value as { apiVersion?: unknown }).apiVersion === 'string',
  (value, context) => {
    const decoded = StoredObjectRef.validate(value, context);
    if (decoded._tag === 'Left') return decoded;
    const { apiVersion, ...rest } = decoded.right;
    const filled = apiVersion ?? originalApiVersion(rest.kind);
    return filled === undefined
      ? t.failure(value, [...context, { key: 'apiVersion', type: t.string, actual: undefined }])
      : t.success({ apiVersion: filled, ...rest });
  },
  (ref) => StoredObjectRef.encode(ref),
);

const OriginatingIdentityCodec = t.strict({ platform: t.string, value: JsonObject });

const OperationCodec = t.exact(
  t.intersection([
    t.type({
      id: t.string,
      type: oneOf(['provision', 'deprovision', 'update'] as const),
      state: oneOf(['in progress', 'succeeded', 'failed'] as const),
      startedAt: t.string,
    }),
    t.partial({ description: t.string, finishedAt: t.string, requestedBy: OriginatingIdentityCodec }),
  ]),
);

const BindingOperationCodec = t.exact(
  t.intersection([
    t.type({
      id: t.string,
      type: oneOf(['bind', 'unbind'] as const),
      state: oneOf(['in progress', 'succeeded', 'failed'] as const),
      startedAt: t.string,
    }),
    t.partial({ description: t.string, finishedAt: t.string }),
  ]),
);

const CredentialRefCodec = t.union([
  t.strict({ kind: t.literal('FromCatalog') }),
  t.strict({ kind: t.literal('FromClusterSecret'), secretName: t.string }),
  t.exact(t.intersection([
    t.type({ kind: t.literal('FromInstanceSecret'), namespace: t.string, secretName: t.string }),
    t.partial({ keys: t.array(t.string) }),
  ])),
  t.exact(t.intersection([
    t.type({ kind: t.literal('FromBindingSecret'), namespace: t.string, secretName: t.string }),
    t.partial({ keys: t.array(t.string) }),
  ])),
  t.strict({ kind: t.literal('NoCredential') }),
  t.exact(t.intersection([
    t.type({ kind: t.literal('FromVault'), mount: t.string, path: t.string }),
    t.partial({ version: t.number, keys: t.array(t.string) }),
  ])),
  t.exact(t.intersection([
    t.type({ kind: t.literal('FromVaultLease'), path: t.string }),
    t.partial({ body: JsonObject, keys: t.array(t.string), renewBeforeMs: t.number }),
  ])),
]);

const PinnedBindingCodec = t.strict({
  type: t.string,
  provider: t.string,
  coordinates: t.exact(t.partial({ host: t.string, port: t.number, uri: t.string })),
  credentials: CredentialRefCodec,
});

const Parameters = JsonObject;

const UpdateTargetCodec = t.strict({ planId: t.string, entrySource: t.string, maintenanceVersion: t.string, parameters: Parameters });

const PreviousPlanCodec = t.exact(t.intersection([
  t.type({ planId: t.string, entrySource: t.string, parameters: Parameters, objects: t.array(ObjectRefCodec) }),
  t.partial({ maintenanceVersion: t.string, pinned: PinnedBindingCodec }),
]));

const ReleaseRecordCodec = t.exact(t.intersection([t.type({ namespace: t.string, name: t.string }), t.partial({ revision: t.number })]));

const UpdateIntentCodec = t.exact(t.intersection([
  t.type({ target: UpdateTargetCodec, previous: PreviousPlanCodec }),
  t.partial({ applied: t.array(ObjectRefCodec), pinned: PinnedBindingCodec, release: ReleaseRecordCodec }),
]));

export const InstanceRecordCodec = t.exact(
  t.intersection([
    t.type({
      schema: t.literal(RECORD_SCHEMA),
      id: t.string,
      serviceId: t.string,
      planId: t.string,
      entrySource: t.string,
      consumerNamespace: t.string,
      context: JsonObject,
      parameters: JsonObject,
      objects: t.array(ObjectRefCodec),
      status: oneOf(['provisioning', 'starting', 'ready', 'updating', 'failed', 'deprovisioning', 'gone'] as const),
      operation: OperationCodec,
      createdAt: t.string,
      updatedAt: t.string,
    }),
    t.partial({
      instanceName: t.string, originatingIdentity: OriginatingIdentityCodec, pinned: PinnedBindingCodec,
      maintenanceVersion: t.string, update: UpdateIntentCodec, release: ReleaseRecordCodec,
    }),
  ]),
);

export const BindingRecordCodec = t.exact(
  t.intersection([
    t.type({
      schema: t.literal(RECORD_SCHEMA),
      id: t.string,
      instanceId: t.string,
      serviceId: t.string,
      planId: t.string,
      consumerNamespace: t.string,
      context: JsonObject,
      parameters: JsonObject,
      createdAt: t.string,
    }),
    t.partial({
      appGuid: t.string, originatingIdentity: OriginatingIdentityCodec,
      status: oneOf(['binding', 'starting', 'ready', 'failed', 'unbinding', 'revoked'] as const),
      objects: t.array(ObjectRefCodec), credentials: CredentialRefCodec,
      expiresAt: t.string, renewBefore: t.string, predecessorId: t.string, lease: t.string, operation: BindingOperationCodec,
    }),
  ]),
);

// Compile-time guard: a field added to a domain record but forgotten here
// would be silently dropped on write, so the key sets must match exactly.
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : never) : never;
const instanceKeysMatch: SameKeys<InstanceRecord, t.TypeOf<typeof InstanceRecordCodec>> = true;
const bindingKeysMatch: SameKeys<BindingRecord, t.TypeOf<typeof BindingRecordCodec>> = true;
void instanceKeysMatch;
void bindingKeysMatch;

/** What a record is, for messages: "instance abc" or "binding b1 of instance abc". */
export type RecordLabel = string;

export const instanceLabel = (instanceId: string): RecordLabel => `instance ${instanceId}`;
export const bindingLabel = (instanceId: string, bindingId: string): RecordLabel =>
  `binding ${bindingId} of instance ${instanceId}`;

export const encodeInstance = (record: InstanceRecord): string =>
  encodeWith(InstanceRecordCodec, record, instanceLabel(record.id));

export const encodeBinding = (record: BindingRecord): string =>
  encodeWith(BindingRecordCodec, record, bindingLabel(record.instanceId, record.id));

export const decodeInstance = (text: string, label: RecordLabel): Result<InstanceRecord> =>
  decodeWith(InstanceRecordCodec, text, label);

export const decodeBinding = (text: string, label: RecordLabel): Result<BindingRecord> =>
  decodeWith(BindingRecordCodec, text, label);

/**
 * Validating on write as well strips any property the type does not know,
 * so nothing a caller attached at runtime (a credential, say) reaches the
 * store. A record that fails its own type is a bug in the caller: throw.
 */
function encodeWith<A>(codec: t.Type<A, unknown>, record: unknown, label: RecordLabel): string {
  const checked = codec.decode(record);
  if (checked._tag === 'Left') {
    throw new Error(`bug: refusing to store ${label}: invalid at field ${pathOf(checked.left[0])}`);
  }
  return JSON.stringify(checked.right);
}

function decodeWith<A>(codec: t.Type<A, unknown>, text: string, label: RecordLabel): Result<A> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return err(domainError('Infrastructure', `stored record for ${label} is corrupt: not JSON`));
  }
  const decoded = codec.decode(json);
  if (decoded._tag === 'Left') {
    // Name the field, never its value: the value is stored content.
    return err(domainError('Infrastructure', `stored record for ${label} is corrupt at field ${pathOf(decoded.left[0])}`));
  }
  return ok(decoded.right);
}

/** "operation.state", "objects.0.kind"; intersection members add index keys that are not fields. */
function pathOf(error: t.ValidationError | undefined): string {
  if (error === undefined) return '(unknown)';
  const keys: string[] = [];
  error.context.forEach((entry, index) => {
    const parent = error.context[index - 1]?.type;
    if (index === 0 || (parent !== undefined && combinesMembers(parent))) return;
    keys.push(entry.key);
  });
  return keys.length === 0 ? '(record)' : keys.join('.');
}

// t.exact validates through the type it wraps without a context entry of its own.
function combinesMembers(type: t.Decoder<unknown, unknown>): boolean {
  if (type instanceof t.ExactType || type instanceof t.ReadonlyType) return combinesMembers(type.type as t.Decoder<unknown, unknown>);
  return type instanceof t.IntersectionType || type instanceof t.UnionType;
}
