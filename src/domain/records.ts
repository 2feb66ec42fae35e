/**
 * What the broker remembers about instances and bindings. Records hold
 * references (which entry, which objects), never credential values.
 */
import type { Coordinates } from './coordinates.js';
import type { ObjectRef } from './kube-object.js';
import type { VaultLeaseSource, VaultSecretSource } from './vault-values.js';

export const RECORD_SCHEMA = 1;

/** Who asked, from X-Broker-API-Originating-Identity: platform name and its decoded JSON. */
export interface OriginatingIdentity {
  readonly platform: string;
  readonly value: Readonly<Record<string, unknown>>;
}

export type OperationType = 'provision' | 'deprovision' | 'update';
export type OperationState = 'in progress' | 'succeeded' | 'failed';

export interface Operation {
  readonly id: string;
  readonly type: OperationType;
  readonly state: OperationState;
  readonly description?: string;
  readonly startedAt: string;
  readonly finishedAt?: string;
  /** Who asked for it, when the platform said (X-Broker-API-Originating-Identity). */
  readonly requestedBy?: OriginatingIdentity;
}

/**
 * `provisioning`: objects are being created; `starting`: all created, waiting
 * until they are ready; `updating`: moving to another plan or maintenance
 * level, still usable; `gone`: a tombstone kept for a while so late
 * last_operation polls learn the delete finished.
 */
export type InstanceStatus = 'provisioning' | 'starting' | 'ready' | 'updating' | 'failed' | 'deprovisioning' | 'gone';

/** Still on its way to ready: not yet usable, not yet fetchable. */
export const isProvisioning = (record: InstanceRecord): boolean =>
  record.status === 'provisioning' || record.status === 'starting';

/**
 * Where an instance's credentials come from, as references only: never a
 * value. Catalog values are read from the entry (by plan) while it exists.
 */
export type CredentialRef =
  | { readonly kind: 'FromCatalog' }
  | { readonly kind: 'FromClusterSecret'; readonly secretName: string }
  /** The instance's own Secret, its name resolved at provision; absent `keys`: all of them. */
  | { readonly kind: 'FromInstanceSecret'; readonly namespace: string; readonly secretName: string; readonly keys?: readonly string[] }
  /** Each binding's own Secret: the name still holds `{{ binding.shortId }}`, resolved into the binding record at bind. */
  | { readonly kind: 'FromBindingSecret'; readonly namespace: string; readonly secretName: string; readonly keys?: readonly string[] }
  | { readonly kind: 'NoCredential' }
  /** A KV v2 secret in Vault, its path resolved at provision. */
  | VaultSecretSource
  /** A Vault lease per binding: the path resolved at provision, the body's `{{ binding.shortId }}` at each bind. */
  | VaultLeaseSource;

/**
 * What a binding of the instance is made of, fixed at provision: the
 * coordinates it was given and where its credentials come from. A
 * provider's later edits to the entry change no live instance.
 */
export interface PinnedBinding {
  /** servicebinding.io `type` and `provider`. */
  readonly type: string;
  readonly provider: string;
  readonly coordinates: Coordinates;
  readonly credentials: CredentialRef;
}

/**
 * The Helm release an instance owns (Helm entries): named before it is
 * installed, so an interrupted install can be finished or removed;
 * `revision` is the one serving once ready, what a failed update rolls back to.
 */
export interface ReleaseRecord {
  readonly namespace: string;
  readonly name: string;
  readonly revision?: number;
}

/** What an update moves an instance to: the plan, its maintenance level and the parameters. */
export interface UpdateTarget {
  readonly planId: string;
  readonly entrySource: string;
  readonly maintenanceVersion: string;
  readonly parameters: Readonly<Record<string, unknown>>;
}

/** What the instance was before the update: restored when the update fails. */
export interface PreviousPlan {
  readonly planId: string;
  readonly entrySource: string;
  readonly maintenanceVersion?: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly objects: readonly ObjectRef[];
  readonly pinned?: PinnedBinding;
}

/** An update in flight: written before any object is touched, so a resumed update knows both ends. */
export interface UpdateIntent {
  readonly target: UpdateTarget;
  readonly previous: PreviousPlan;
  /** The target plan's objects once applied (with uids), and what bindings will get: absent until then. */
  readonly applied?: readonly ObjectRef[];
  readonly pinned?: PinnedBinding;
  /** The release upgraded to (its new revision), once applied; Helm entries only. */
  readonly release?: ReleaseRecord;
}

export interface InstanceRecord {
  readonly schema: typeof RECORD_SCHEMA;
  readonly id: string;
  readonly serviceId: string;
  readonly planId: string;
  /** The ConfigMap of the entry it was provisioned from. */
  readonly entrySource: string;
  readonly consumerNamespace: string;
  readonly instanceName?: string;
  readonly context: Readonly<Record<string, unknown>>;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly originatingIdentity?: OriginatingIdentity;
  /** Objects created so far, in creation order. */
  readonly objects: readonly ObjectRef[];
  /** Its Helm release, for Helm entries: the objects above are the release's, uninstalled with it. */
  readonly release?: ReleaseRecord;
  /** Absent only in records written before pinning existed: those follow the entry. */
  readonly pinned?: PinnedBinding;
  /** The plan's maintenance_info.version the objects were rendered at; absent in records older than maintenance. */
  readonly maintenanceVersion?: string;
  /** Present only while `updating`. */
  readonly update?: UpdateIntent;
  readonly status: InstanceStatus;
  readonly operation: Operation;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * `binding`: its objects are being created (the intent, written first);
 * `starting`: all created, waiting until they are ready (asynchronous binds
 * only); `failed`: an asynchronous bind that did not succeed, its objects
 * removed (those listed could not be yet), kept so late polls learn why;
 * `unbinding`: being removed; `revoked`: expired, its objects removed, the
 * record kept so the platform learns why. Absent: ready (records from
 * before per-binding objects). binding-lifecycle.ts moves between them.
 */
export type BindingStatus = 'binding' | 'starting' | 'ready' | 'failed' | 'unbinding' | 'revoked';

/**
 * The operation of a bind or unbind the platform was answered 202 for, and
 * polls (binding last_operation). Synchronous binds and unbinds have none.
 */
export interface BindingOperation {
  readonly id: string;
  readonly type: 'bind' | 'unbind';
  readonly state: OperationState;
  readonly description?: string;
  readonly startedAt: string;
  readonly finishedAt?: string;
}

export interface BindingRecord {
  readonly schema: typeof RECORD_SCHEMA;
  readonly id: string;
  readonly instanceId: string;
  readonly serviceId: string;
  readonly planId: string;
  readonly consumerNamespace: string;
  readonly context: Readonly<Record<string, unknown>>;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly appGuid?: string;
  readonly originatingIdentity?: OriginatingIdentity;
  readonly createdAt: string;
  readonly status?: BindingStatus;
  /** Objects made for this binding alone, in creation order, with their uids once created; never values. */
  readonly objects?: readonly ObjectRef[];
  /** The binding's own credential Secret (resolved name); absent: the instance's reference. */
  readonly credentials?: CredentialRef;
  /** RFC 3339 (UTC, Z): when the broker revokes the binding. */
  readonly expiresAt?: string;
  /** RFC 3339 (UTC, Z): from when the consumer should rotate. */
  readonly renewBefore?: string;
  /** The binding this one rotates (OSB predecessor_binding_id). */
  readonly predecessorId?: string;
  /**
   * The id of the Vault lease its credentials are under (a reference, not a
   * secret): recorded before the bind answers, revoked before the record
   * goes or is marked revoked.
   */
  readonly lease?: string;
  /** The asynchronous bind or unbind last answered 202 for; absent for synchronous ones. */
  readonly operation?: BindingOperation;
}

export const bindingStatus = (record: BindingRecord): BindingStatus => record.status ?? 'ready';

export const isLive = (record: InstanceRecord): boolean => record.status !== 'gone';

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((key) => Object.hasOwn(b, key) && deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/** The attributes that make two provision requests "the same" for idempotency. */
export interface ProvisionAttributes {
  readonly serviceId: string;
  readonly planId: string;
  readonly consumerNamespace: string;
  readonly parameters: Readonly<Record<string, unknown>>;
}

export const sameProvision = (record: InstanceRecord, request: ProvisionAttributes): boolean =>
  record.serviceId === request.serviceId &&
  record.planId === request.planId &&
  record.consumerNamespace === request.consumerNamespace &&
  deepEqual(record.parameters, request.parameters);

export const sameBinding = (record: BindingRecord, request: ProvisionAttributes & { instanceId: string; predecessorId?: string }): boolean =>
  record.instanceId === request.instanceId &&
  record.predecessorId === request.predecessorId &&
  record.serviceId === request.serviceId &&
  record.planId === request.planId &&
  record.consumerNamespace === request.consumerNamespace &&
  deepEqual(record.parameters, request.parameters);
