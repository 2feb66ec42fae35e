/**
 * The objects one binding made, created and removed through InstanceObjects
 * (uid ownership, rollback) but never swept by label: an instance-wide
 * sweep would also find the instance's own objects and its other bindings'.
 * A ref recorded without a uid (a crash before the create answered) is
 * looked up by its name, which holds the binding's hash, and removed only
 * when it carries the instance's labels.
 */
import type { BindingLifetime } from '../domain/catalog-entry.js';
import type { BindingRecord } from '../domain/records.js';
import { ok, type Result } from '../domain/result.js';
import type { InstanceObjects } from './instance-objects.js';

/** Removes every object `binding` lists; idempotent, NotFound is done. */
export async function removeBindingObjects(objects: InstanceObjects, binding: BindingRecord): Promise<Result<void>> {
  const refs = binding.objects ?? [];
  if (refs.length === 0) return ok(undefined);
  const unrecorded = refs.filter((ref) => ref.uid === undefined);
  const found = unrecorded.length > 0 ? await objects.remaining(binding.instanceId, unrecorded) : ok([]);
  if (!found.ok) return found;
  const targets = [...refs.filter((ref) => ref.uid !== undefined), ...found.value.map(({ terminating: _t, ...ref }) => ref)];
  const removed = await objects.remove(binding.instanceId, targets);
  return removed.ok ? ok(undefined) : removed;
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

/** Whether a live binding's lifetime is over at `nowMs`. */
export const hasExpired = (binding: BindingRecord, nowMs: number): boolean =>
  binding.expiresAt !== undefined && Date.parse(binding.expiresAt) <= nowMs;

/** The OSB binding metadata of a record, when it has any. */
export function bindingMetadata(binding: BindingRecord): { expires_at?: string; renew_before?: string } | undefined {
  if (binding.expiresAt === undefined) return undefined;
  return { expires_at: binding.expiresAt, ...(binding.renewBefore !== undefined ? { renew_before: binding.renewBefore } : {}) };
}
