/**
 * The OSB API version a platform speaks (X-Broker-API-Version) and the one
 * table of which response field arrived in which version. Every response is
 * shaped by it, so a platform never receives a field its version does not
 * define: old clients decode strictly (the Go client Service Catalog uses
 * declares endpoint ports as numbers and fails on 2.15's strings).
 */

export interface ApiVersion {
  readonly major: 2;
  readonly minor: number;
}

/** The oldest version served: 2.13 brought context on bind and originating identity. */
export const OLDEST_MINOR = 13;
/** The newest version whose fields this broker knows; later 2.x clients get this dialect. */
export const NEWEST_MINOR = 17;

export const SUPPORTED_VERSIONS_TEXT = `2.${OLDEST_MINOR} and every later 2.x (answered as 2.${NEWEST_MINOR} at most)`;

/** The version named by the header, or undefined when it is missing, malformed or not served. */
export function parseApiVersion(header: string): ApiVersion | undefined {
  const match = /^2\.(\d{1,4})$/.exec(header.trim());
  const minor = Number(match?.[1]);
  return match && minor >= OLDEST_MINOR ? { major: 2, minor } : undefined;
}

/**
 * Field → the minor version (of 2.x) that introduced it, for every field the
 * broker sends that is newer than the oldest version it serves. Keys are
 * `<object>.<field>` as the spec names the objects.
 */
export const FIELD_INTRODUCED_IN = {
  'service.instances_retrievable': 14,
  'service.bindings_retrievable': 14,
  'plan.plan_updateable': 15,
  'plan.maintenance_info': 15,
  'plan.maximum_polling_duration': 15,
  'plan.binding_rotatable': 17,
  'binding.endpoints': 15,
  'binding.metadata': 16,
  'binding_metadata.renew_before': 17,
  'instance.maintenance_info': 17,
  'instance.metadata': 17,
  'last_operation.instance_usable': 16,
  'error.instance_usable': 16,
  'error.update_repeatable': 16,
} as const satisfies Readonly<Record<string, number>>;

/**
 * Behaviour (rather than a field) → the minor version that introduced it:
 * a platform older than that is never offered it. Asynchronous bindings
 * (binding last_operation, accepts_incomplete on bind and unbind) arrived
 * in 2.14, rotation (predecessor_binding_id) in 2.17.
 */
export const FEATURE_INTRODUCED_IN = {
  asyncBindings: 14,
  bindingRotation: 17,
} as const satisfies Readonly<Record<string, number>>;

/** Whether a platform speaking `version` knows `feature`. */
export const speaks = (version: ApiVersion, feature: keyof typeof FEATURE_INTRODUCED_IN): boolean => version.minor >= FEATURE_INTRODUCED_IN[feature];

type VersionedObject = keyof typeof FIELD_INTRODUCED_IN extends `${infer O}.${string}` ? O : never;

/** A copy of `body` without the fields of `object` that `version` does not define. */
export function inDialect<T extends Readonly<Record<string, unknown>>>(object: VersionedObject, body: T, version: ApiVersion): Partial<T> {
  const shaped: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(body)) {
    const introduced = (FIELD_INTRODUCED_IN as Readonly<Record<string, number>>)[`${object}.${field}`];
    if (introduced === undefined || version.minor >= introduced) shaped[field] = value;
  }
  return shaped as Partial<T>;
}
