/**
 * The part of Bind for entries whose bindings each take a Vault lease (a
 * PKI certificate, a database user): the lease is taken first, then the
 * record that names it is created, so a Vault outage leaves nothing behind
 * (no record claims a lease that was never made) and a record that cannot
 * be written has its lease revoked at once. Only a crash between the two,
 * with the revocation failing too, leaves a lease without a record; Vault
 * ends it when its TTL runs out. Runs under the instance lock.
 *
 * Vault hands a lease's secret out once: the bind's answer carries it, a
 * fetch of the binding its coordinates only, and an identical bind again is
 * refused (409) rather than answered without the credential.
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
    if (existing.value) return err(repeated(existing.value, wanted));
    const predecessor = await checkPredecessor(this.store, request);
    if (!predecessor.ok) return predecessor;
    const leased = await this.credentials.takeLease(instance, wanted.id);
    if (!leased.ok) return leased;
    const ref = instance.pinned?.credentials;
    const renewBeforeMs = ref?.kind === 'FromVaultLease' ? ref.renewBeforeMs : undefined;
    const now = this.runtime.now().getTime();
    const record: BindingRecord = { ...wanted, lease: leased.value.leaseId, ...leaseExpiry(leased.value.leaseDurationSeconds, renewBeforeMs, entry.bindingLifetime, now) };
    const answer = await this.credentials.derive(this.catalog.catalog(), entry, instance, record, leased.value.values);
    if (!answer.ok) return this.undo(record, leased.value, answer);
    const created = await this.store.createBinding(record);
    if (!created.ok) return this.undo(record, leased.value, created);
    this.logger.info('binding leased its credentials', { instanceId: record.instanceId, bindingId: record.id, lease: record.lease, expiresAt: record.expiresAt });
    return ok({ ...answer.value, ...metadataOf(record), outcome: 'created' });
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

function repeated(existing: BindingRecord, wanted: BindingRecord) {
  if (!sameBinding(existing, wanted)) return domainError('Conflict', `binding ${wanted.id} already exists with different attributes`);
  if (bindingStatus(existing) === 'revoked') return domainError('Conflict', `binding ${wanted.id} expired and was revoked: unbind it and bind again under a new id`);
  return domainError('Conflict', `binding ${wanted.id} already exists; its Vault credential was handed out once, when it was made: unbind it and bind again to get a new one`);
}
