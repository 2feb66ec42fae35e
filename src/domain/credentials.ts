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

export type Credentials = Readonly<Record<string, string | number>>;

/** What an instance provisioned from `entry` keeps for its bindings: references and coordinates, no values. */
export function pinBinding(entry: CatalogEntry, coordinates: Coordinates): PinnedBinding {
  const source = entry.credentials;
  const credentials: CredentialRef = source.kind === 'FromCatalog' ? { kind: 'FromCatalog' } : source;
  return { type: entry.offering, provider: entry.team, coordinates, credentials };
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
