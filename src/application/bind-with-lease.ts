/**
 * The part of Bind for entries whose bindings each take a Vault lease (a
 * PKI certificate, a database user): the lease is taken first, then the
 * record that names it is created, so a Vault outage leaves nothing behind
 * (no record claims a lease that was never made) and a record that cannot
 * be written has its lease revoked at once. Only a crash between the two,
 * with the revocation failing too, leaves a lease without a record; Vault
 * ends it when its TTL runs out. Runs under the instance lock.
 *
 * Vault hands a lease's secret out once: the bind's answer carries it and
 * a fetch of the binding its coordinates only. An identical bind again (a
 * platform that never got the first answer) is answered 200 with a new
 * lease, the old one revoked first: a binding holds one lease at a time.
 */
import type { CatalogEntry } from '../domain/catalog-entry.js';
import { domainError } from '../domain/errors.js';
import { bindingStatus, sameBinding, type BindingRecord, type InstanceRecord } from '../domain/records.js';
import { err, ok, type Result } from '../domain/result.js';
import { checkPredecessor, metadataOf, type BindAnswer } from './bind-with-objects.js';
import type { BindingCredentials } from './binding-credentials.js';
import { leaseExpiry } from './binding-objects.js';
import type { CatalogService } from './catalog-service.js';
import type { Logger } from './ports/logger.js';
import type { StateStore } from './ports/state-store.js';
import type { LeasedCredential } from './ports/vault.js';
import type { BindRequest } from './requests.js';
import type { Runtime } from './settings.js';

export class BindWithLease {
  constructor(
    private readonly catalog: CatalogService,
    private readonly store: StateStore,
    private readonly credentials: BindingCredentials,
    private readonly logger: Logger,
    private readonly runtime: Runtime,
  ) {}

  async bind(request: BindRequest, entry: CatalogEntry, instance: InstanceRecord, wanted: BindingRecord): Promise<Result<BindAnswer>> {
    const existing = await this.store.getBinding(wanted.instanceId, wanted.id);
    if (!existing.ok) return existing;
    if (existing.value) {
      const refused = repeatRefused(existing.value, wanted);
      return refused ? err(refused) : this.leaseAgain(entry, instance, existing.value);
    }
    const predecessor = await checkPredecessor(this.store, request);
    if (!predecessor.ok) return predecessor;
    const leased = await this.credentials.takeLease(instance, wanted.id);
    if (!leased.ok) return leased;
    const record = this.withLease(entry, instance, wanted, leased.value);
    const answer = await this.credentials.derive(this.catalog.catalog(), entry, instance, record, leased.value.values);
    if (!answer.ok) return this.undo(record, leased.value, answer);
    const created = await this.store.createBinding(record);
    if (!created.ok) return this.undo(record, leased.value, created);
    this.logger.info('binding leased its credentials', { instanceId: record.instanceId, bindingId: record.id, lease: record.lease, expiresAt: record.expiresAt });
    return ok({ ...answer.value, ...metadataOf(record), outcome: 'created' });
  }

  /**
   * The same bind again: a new lease, the old one revoked before the record
   * names the new one (so the record never stops naming a lease that may be
   * open), then 200 with the new credential.
   */
  private async leaseAgain(entry: CatalogEntry, instance: InstanceRecord, existing: BindingRecord): Promise<Result<BindAnswer>> {
    const leased = await this.credentials.takeLease(instance, existing.id);
    if (!leased.ok) return leased;
    const record = this.withLease(entry, instance, existing, leased.value);
    const answer = await this.credentials.derive(this.catalog.catalog(), entry, instance, record, leased.value.values);
    if (!answer.ok) return this.undo(record, leased.value, answer);
    const revoked = await this.credentials.revokeLease(existing);
    if (!revoked.ok) return this.undo(record, leased.value, revoked);
    const written = await this.store.putBinding(record);
    if (!written.ok) return this.undo(record, leased.value, written);
    this.logger.info('binding leased its credentials again (the same bind repeated)', { instanceId: record.instanceId, bindingId: record.id, lease: record.lease, revoked: existing.lease });
    return ok({ ...answer.value, ...metadataOf(record), outcome: 'exists' });
  }

  private withLease(entry: CatalogEntry, instance: InstanceRecord, record: BindingRecord, leased: LeasedCredential): BindingRecord {
    const ref = instance.pinned?.credentials;
    const renewBeforeMs = ref?.kind === 'FromVaultLease' ? ref.renewBeforeMs : undefined;
    const expiry = leaseExpiry(leased.leaseDurationSeconds, renewBeforeMs, entry.bindingLifetime, this.runtime.now().getTime());
    return { ...record, lease: leased.leaseId, ...expiry };
  }

  /** The bind failed after its lease was taken: revoke it, and answer the failure. */
  private async undo<T>(record: BindingRecord, leased: LeasedCredential, failure: Result<T>): Promise<Result<T>> {
    const revoked = await this.credentials.revokeLease(record);
    if (!revoked.ok) {
      const ends = new Date(this.runtime.now().getTime() + leased.leaseDurationSeconds * 1000).toISOString();
      this.logger.warn('a failed bind could not revoke its Vault lease; Vault ends it at its TTL', {
        instanceId: record.instanceId, bindingId: record.id, lease: leased.leaseId, ends, reason: revoked.error.message,
      });
    }
    return failure;
  }
}

/** Why the same binding id cannot be bound again, if it cannot. */
function repeatRefused(existing: BindingRecord, wanted: BindingRecord) {
  if (!sameBinding(existing, wanted)) return domainError('Conflict', `binding ${wanted.id} already exists with different attributes`);
  const status = bindingStatus(existing);
  if (status === 'revoked') return domainError('Conflict', `binding ${wanted.id} expired and was revoked: unbind it and bind again under a new id`);
  if (status !== 'ready') return domainError('ConcurrencyError', `binding ${wanted.id} is being removed`);
  return undefined;
}
