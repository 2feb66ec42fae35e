/**
 * The objects one binding made, created and removed through InstanceObjects
 * (uid ownership, rollback) but never swept by label: an instance-wide
 * sweep would also find the instance's own objects and its other bindings'.
 * A ref recorded without a uid (a crash before the create answered) is
 * looked up by its name, which holds the binding's hash, and removed only
 * when it carries the instance's labels.
 */
import type { BindingLifetime } from '../domain/catalog-entry.js';
import type { ObjectRef } from '../domain/kube-object.js';
import type { BindingRecord } from '../domain/records.js';
import { ok, type Result } from '../domain/result.js';
import type { BindingCredentials } from './binding-credentials.js';
import type { InstanceObjects } from './instance-objects.js';

const plainRef = ({ terminating: _t, ...ref }: ObjectRef & { readonly terminating: boolean }): ObjectRef => ref;

/**
 * Removes every object `binding` lists and answers those still there
 * (held by a finalizer, waiting for their Pods); idempotent, NotFound is
 * done. A first pass looks again only at what the server said is
 * terminating; a resumed one (`everything`) at every object, since a
 * repeated delete of a terminating object may answer as if it were gone.
 */
export async function removeBindingObjects(objects: InstanceObjects, binding: BindingRecord, everything = false): Promise<Result<ObjectRef[]>> {
  const refs = binding.objects ?? [];
  if (refs.length === 0) return ok([]);
  const unrecorded = refs.filter((ref) => ref.uid === undefined);
  const found = unrecorded.length > 0 ? await objects.remaining(binding.instanceId, unrecorded) : ok([]);
  if (!found.ok) return found;
  const targets = [...refs.filter((ref) => ref.uid !== undefined), ...found.value.map(plainRef)];
  const removed = await objects.remove(binding.instanceId, targets);
  if (!removed.ok) return removed;
  const watched = everything ? targets : removed.value;
  if (watched.length === 0) return ok([]);
  const left = await objects.remaining(binding.instanceId, watched);
  return left.ok ? ok(left.value.map(plainRef)) : left;
}

/**
 * Revokes the binding's Vault lease (if it has one), then removes its
 * objects as removeBindingObjects does. A lease that could not be revoked
 * is an error: the caller keeps the record, to be retried, as it does for
 * an object that will not go.
 */
export async function releaseBinding(
  objects: InstanceObjects, leases: Pick<BindingCredentials, 'revokeLease'> | undefined, binding: BindingRecord, everything = false,
): Promise<Result<ObjectRef[]>> {
  if (leases !== undefined) {
    const revoked = await leases.revokeLease(binding);
    if (!revoked.ok) return revoked;
  }
  return removeBindingObjects(objects, binding, everything);
}

/** RFC 3339 in UTC with Z and whole seconds: the timestamp format OSB uses for expires_at and renew_before. */
export const osbTimestamp = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** When a binding made now expires and should be renewed; nothing for entries without a lifetime. */
export function expiryOf(lifetime: BindingLifetime | undefined, nowMs: number): Pick<BindingRecord, 'expiresAt' | 'renewBefore'> {
  if (lifetime === undefined) return {};
  const expires = nowMs + lifetime.lifetimeMs;
  return {
    expiresAt: osbTimestamp(expires),
    ...(lifetime.renewBeforeMs !== undefined ? { renewBefore: osbTimestamp(expires - lifetime.renewBeforeMs) } : {}),
  };
}

/**
 * When a binding under a lease of `leaseSeconds` taken now expires: when the
 * lease does, or earlier when the entry's lifetime says so. Renew before
 * `renewBeforeMs` (else the lifetime's, else the last third) ahead of it.
 */
export function leaseExpiry(
  leaseSeconds: number, renewBeforeMs: number | undefined, lifetime: BindingLifetime | undefined, nowMs: number,
): Pick<BindingRecord, 'expiresAt' | 'renewBefore'> {
  const leaseMs = leaseSeconds * 1000;
  if (leaseMs <= 0) return expiryOf(lifetime, nowMs); // a lease without end (a root token's): the entry decides
  const lifetimeMs = Math.min(leaseMs, lifetime?.lifetimeMs ?? leaseMs);
  const ahead = Math.min(renewBeforeMs ?? lifetime?.renewBeforeMs ?? lifetimeMs / 3, lifetimeMs);
  const expires = nowMs + lifetimeMs;
  return { expiresAt: osbTimestamp(expires), renewBefore: osbTimestamp(expires - ahead) };
}

/** Whether a live binding's lifetime is over at `nowMs`. */
export const hasExpired = (binding: BindingRecord, nowMs: number): boolean =>
  binding.expiresAt !== undefined && Date.parse(binding.expiresAt) <= nowMs;

/** The OSB binding metadata of a record, when it has any. */
export function bindingMetadata(binding: BindingRecord): { expires_at?: string; renew_before?: string } | undefined {
  if (binding.expiresAt === undefined) return undefined;
  return { expires_at: binding.expiresAt, ...(binding.renewBefore !== undefined ? { renew_before: binding.renewBefore } : {}) };
}
