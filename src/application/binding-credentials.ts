/**
 * Derives a binding's credentials each time they are needed, so that no
 * credential value is ever stored: the coordinates and the credential
 * reference pinned in the instance at provision, and the values read again
 * from where that reference points. Records older than pinning follow the
 * entry as it is now.
 */
import type { Catalog } from '../domain/catalog.js';
import type { CatalogEntry } from '../domain/catalog-entry.js';
import { coordinatesOf, type Coordinates } from '../domain/coordinates.js';
import { bindingCredentials, leaseBody, pickKeys, pinBinding, type Credentials } from '../domain/credentials.js';
import { domainError } from '../domain/errors.js';
import type { BindingRecord, CredentialRef, InstanceRecord, PinnedBinding } from '../domain/records.js';
import { planResources } from '../domain/resource-plan.js';
import { err, ok, type Result } from '../domain/result.js';
import type { Logger } from './ports/logger.js';
import type { SecretSource } from './ports/secret-source.js';
import type { LeasedCredential, Vault } from './ports/vault.js';
import { instanceFacts } from './requests.js';

export interface Endpoint {
  readonly host: string;
  readonly ports: readonly string[];
  readonly protocol: 'tcp';
}

export interface BindingAnswer {
  readonly credentials: Credentials;
  readonly endpoints: readonly Endpoint[];
  /** OSB binding metadata (expires_at, renew_before), when the binding expires. */
  readonly metadata?: { readonly expires_at?: string; readonly renew_before?: string };
}

export class BindingCredentials {
  constructor(
    private readonly secrets: SecretSource,
    private readonly logger?: Logger,
    /** Absent when the installation names no Vault: entries that use it are refused at bind. */
    private readonly vault?: Vault,
  ) {}

  /** What to pin in a new instance of `entry`: the coordinates its plan yields and the credential reference. */
  pin(catalog: Catalog, entry: CatalogEntry, instance: InstanceRecord): Result<PinnedBinding> {
    const facts = instanceFacts(entry, instance);
    const plan = planResources(entry, catalog.templates, facts);
    if (!plan.ok) return plan;
    const coordinates = coordinatesOf(entry, facts, plan.value);
    return coordinates.ok ? ok(pinBinding(entry, coordinates.value, facts)) : coordinates;
  }

  /**
   * The credentials of a binding of `instance`; `entry` is the instance's
   * entry if the catalog still has it. `leased`: the values of the lease the
   * bind just took (Vault hands them out once, so a fetch has none).
   */
  async derive(
    catalog: Catalog, entry: CatalogEntry | undefined, instance: InstanceRecord, binding?: BindingRecord, leased?: Readonly<Record<string, string>>,
  ): Promise<Result<BindingAnswer>> {
    const pinnedOf: Result<PinnedBinding> = instance.pinned !== undefined ? ok(instance.pinned)
      : entry !== undefined ? this.pin(catalog, entry, instance)
      : err(domainError('ConfigInvalid', `plan ${instance.planId} is no longer in the catalog and instance ${instance.id} predates pinned coordinates`));
    if (!pinnedOf.ok) return pinnedOf;
    // A binding with a Secret of its own reads that one instead of the instance's reference.
    const pinned = pinnedOf.value.credentials.kind === 'FromBindingSecret' && binding?.credentials !== undefined
      ? { ...pinnedOf.value, credentials: binding.credentials } : pinnedOf.value;
    const values = await this.values(pinned, entry, instance, leased);
    if (!values.ok) return values;
    const credentials = bindingCredentials(pinnedOf.value, values.value, entry?.source ?? instance.entrySource);
    if (!credentials.ok) return credentials;
    return ok({ credentials: credentials.value, endpoints: endpointsOf(pinnedOf.value.coordinates) });
  }

  private async values(
    pinned: PinnedBinding, entry: CatalogEntry | undefined, instance: InstanceRecord, leased: Readonly<Record<string, string>> | undefined,
  ): Promise<Result<Record<string, string>>> {
    const source = pinned.credentials;
    switch (source.kind) {
      case 'NoCredential':
        return ok({});
      case 'FromCatalog': {
        // The values live only in the entry: once it is deleted they are gone, and bindings keep their coordinates.
        if (entry?.credentials.kind === 'FromCatalog') return ok({ ...entry.credentials.values });
        this.logger?.warn('credential values of a deleted or changed entry are no longer available', { instanceId: instance.id, entry: instance.entrySource });
        return ok({});
      }
      case 'FromClusterSecret': {
        const secret = await this.secrets.read(source.secretName);
        if (secret.ok || secret.error.kind !== 'NotFound') return secret;
        return err(domainError('ConfigInvalid', `entry ${instance.entrySource}: credential Secret "${source.secretName}" does not exist in the broker namespace`));
      }
      case 'FromInstanceSecret':
        return this.instanceSecret(source, instance.id);
      case 'FromBindingSecret':
        return err(domainError('Infrastructure', `binding of instance ${instance.id} has no Secret of its own recorded`));
      case 'FromVault': {
        const vault = this.vaultFor(instance.entrySource);
        if (!vault.ok) return vault;
        const { mount, path, version, keys } = source;
        const secret = await vault.value.readStatic({ mount, path, ...(version !== undefined ? { version } : {}), ...(keys !== undefined ? { keys } : {}) });
        return secret.ok ? ok({ ...secret.value.values }) : secret;
      }
      case 'FromVaultLease': {
        if (leased === undefined) return ok({});
        const picked = pickKeys(source, leased);
        return picked.ok ? picked : err(domainError('ConfigInvalid', `entry ${instance.entrySource}: the Vault lease from ${source.path} has no key ${picked.error.join(', ')}`));
      }
    }
  }

  /** Takes a new lease for the binding `bindingId` of `instance` (whose pinned reference is a lease's). */
  async takeLease(instance: InstanceRecord, bindingId: string): Promise<Result<LeasedCredential>> {
    const ref = instance.pinned?.credentials;
    if (ref?.kind !== 'FromVaultLease') return err(domainError('Infrastructure', `instance ${instance.id} has no Vault lease reference pinned`));
    const vault = this.vaultFor(instance.entrySource);
    if (!vault.ok) return vault;
    const body = leaseBody(ref, instance.id, bindingId);
    return vault.value.leaseCredential(ref.path, ...(body !== undefined ? [body] : []));
  }

  /** Revokes the binding's lease, if it has one; idempotent. */
  async revokeLease(binding: BindingRecord): Promise<Result<void>> {
    if (binding.lease === undefined) return ok(undefined);
    const vault = this.vaultFor(`of binding ${binding.id}`);
    if (!vault.ok) return vault;
    const revoked = await vault.value.revokeLease(binding.lease);
    if (revoked.ok) this.logger?.info('Vault lease revoked', { instanceId: binding.instanceId, bindingId: binding.id, lease: binding.lease });
    return revoked;
  }

  private vaultFor(entrySource: string): Result<Vault> {
    if (this.vault !== undefined) return ok(this.vault);
    return err(domainError('ConfigInvalid', `entry ${entrySource} uses Vault, but this broker has no Vault configured (--vault-address, or MESITIS_VAULT_ADDR)`));
  }

  /**
   * The instance's own Secret, which its plan, a Helm release or an operator
   * may still be writing: until it exists with every listed key the instance
   * is not ready to bind, a 422 ConcurrencyError platforms retry.
   */
  private async instanceSecret(ref: InstanceSecretRef, instanceId: string): Promise<Result<Record<string, string>>> {
    const secret = await this.secrets.readIn(ref.namespace, ref.secretName);
    if (!secret.ok) return secret.error.kind === 'NotFound' ? err(notReady(ref, instanceId, 'does not exist yet')) : secret;
    const picked = pickKeys(ref, secret.value);
    return picked.ok ? picked : err(notReady(ref, instanceId, `has no key ${picked.error.join(', ')} yet`));
  }

  /**
   * What an instance (or, given one, a binding with a Secret of its own)
   * still waits for before credentials can be handed out; undefined when nothing.
   */
  async pending(instance: InstanceRecord, binding?: BindingRecord): Promise<Result<string | undefined>> {
    const ref = binding?.credentials ?? instance.pinned?.credentials;
    if (ref?.kind !== 'FromInstanceSecret') return ok(undefined);
    const values = await this.instanceSecret(ref, instance.id);
    if (values.ok) return ok(undefined);
    return values.error.kind === 'ConcurrencyError' ? ok(`Secret ${ref.namespace}/${ref.secretName}`) : values;
  }
}

type InstanceSecretRef = Extract<CredentialRef, { kind: 'FromInstanceSecret' }>;

const notReady = (ref: InstanceSecretRef, instanceId: string, what: string) =>
  domainError('ConcurrencyError', `instance ${instanceId} is not ready to bind: its credential Secret "${ref.namespace}/${ref.secretName}" ${what}`);

function endpointsOf(coordinates: Coordinates): Endpoint[] {
  if (coordinates.host === undefined || coordinates.port === undefined) return [];
  return [{ host: coordinates.host, ports: [String(coordinates.port)], protocol: 'tcp' }];
}
