/**
 * A binding's credentials: the entry's own credentials merged with the
 * instance's coordinates under servicebinding.io well-known keys. A key both
 * sides produce is a configuration error, never a silent overwrite.
 */
import type { CatalogEntry } from './catalog-entry.js';
import type { Coordinates } from './coordinates.js';
import type { CredentialRef, PinnedBinding } from './records.js';
import { domainError, type DomainError } from './errors.js';
import { err, ok, type Result } from './result.js';
import { bindingShortId, substitute, type InstanceFacts } from './template-variables.js';
import { substituteAllButBinding } from './binding-plan.js';

export type Credentials = Readonly<Record<string, string | number>>;

/** What an instance provisioned from `entry` keeps for its bindings: references and coordinates, no values. */
export function pinBinding(entry: CatalogEntry, coordinates: Coordinates, facts: InstanceFacts): PinnedBinding {
  return { type: entry.offering, provider: entry.team, coordinates, credentials: credentialRef(entry, facts) };
}

/** `facts` of a Helm entry carry the release name (helm-plan.ts releaseFacts). */
function credentialRef(entry: CatalogEntry, facts: InstanceFacts): CredentialRef {
  const source = entry.credentials;
  if (source.kind === 'FromCatalog') return { kind: 'FromCatalog' };
  if (source.kind === 'FromVault' || source.kind === 'FromVaultLease') return vaultRef(source, facts, entry.source);
  if (source.kind !== 'FromInstanceSecret') return source;
  // checkEntry lets only a provisioner with a namespace use this, with only variables every instance has.
  // A name using the binding's variables is resolved at each bind (per-binding Secrets).
  const perBinding = /\{\{\s*binding\./.test(source.secretName);
  const name = perBinding ? substituteAllButBinding(source.secretName, facts) : substitute(source.secretName, facts);
  const { provisioner } = entry;
  const namespace = source.namespace ?? (provisioner.kind === 'NewClusterObjects' || provisioner.kind === 'HelmChart' ? provisioner.namespace : undefined);
  if (!name.ok || namespace === undefined) throw new Error(`bug: entry ${entry.source} was not checked: ${name.ok ? 'no namespace' : name.error.message}`);
  return { kind: perBinding ? 'FromBindingSecret' : 'FromInstanceSecret', namespace, secretName: name.value, ...(source.keys !== undefined ? { keys: source.keys } : {}) };
}

/** A Vault reference with the instance's variables resolved (checkEntry allowed only the provider's); a lease body keeps the binding's. */
function vaultRef(source: Extract<CredentialRef, { kind: 'FromVault' | 'FromVaultLease' }>, facts: InstanceFacts, entrySource: string): CredentialRef {
  const resolve = (text: string): string => {
    const done = substituteAllButBinding(text, facts);
    if (!done.ok) throw new Error(`bug: entry ${entrySource} was not checked: ${done.error.message}`);
    return done.value;
  };
  if (source.kind === 'FromVault') return { ...source, path: resolve(source.path) };
  return { ...source, path: resolve(source.path), ...(source.body !== undefined ? { body: mapStrings(source.body, resolve) as Record<string, unknown> } : {}) };
}

/** `value` with `change` applied to every string in it, keys untouched. */
const mapStrings = (value: unknown, change: (text: string) => string): unknown => typeof value === 'string' ? change(value)
  : Array.isArray(value) ? value.map((item) => mapStrings(item, change))
  : value !== null && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, change)]))
  : value;

/** The body a lease for one binding is asked with: its `{{ binding.shortId }}` filled in; undefined when the path is read. */
export function leaseBody(ref: Extract<CredentialRef, { kind: 'FromVaultLease' }>, instanceId: string, bindingId: string): Record<string, unknown> | undefined {
  if (ref.body === undefined) return undefined;
  const short = bindingShortId(instanceId, bindingId);
  return mapStrings(ref.body, (text) => text.replace(/\{\{\s*binding\.shortId\s*\}\}/g, short)) as Record<string, unknown>;
}

/** The values a binding gets from an instance Secret: the listed keys (all when none are listed); undefined names missing keys. */
export function pickKeys(ref: { readonly keys?: readonly string[] }, data: Readonly<Record<string, string>>): Result<Record<string, string>, string[]> {
  if (ref.keys === undefined) return ok({ ...data });
  const missing = ref.keys.filter((key) => !Object.hasOwn(data, key));
  return missing.length > 0 ? err(missing) : ok(Object.fromEntries(ref.keys.map((key) => [key, data[key]!])));
}

function coordinateKeys(pinned: PinnedBinding): Record<string, string | number> {
  const { coordinates } = pinned;
  return {
    type: pinned.type,
    provider: pinned.provider,
    ...(coordinates.host !== undefined ? { host: coordinates.host } : {}),
    ...(coordinates.port !== undefined ? { port: coordinates.port } : {}),
    ...(coordinates.uri !== undefined ? { uri: coordinates.uri } : {}),
  };
}

/** `secretValues` are the credential values, already read from wherever the pinned reference points. */
export function bindingCredentials(
  pinned: PinnedBinding,
  secretValues: Readonly<Record<string, string>>,
  source: string,
): Result<Credentials, DomainError> {
  const fromCoordinates = coordinateKeys(pinned);
  const clashes = Object.keys(secretValues).filter((key) => Object.hasOwn(fromCoordinates, key));
  if (clashes.length > 0) {
    return err(domainError('ConfigInvalid', `entry ${source}: credential key(s) ${clashes.join(', ')} clash with the coordinates Mesitis provides`));
  }
  return ok({ ...fromCoordinates, ...secretValues });
}
