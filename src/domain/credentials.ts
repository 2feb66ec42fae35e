/**
 * A binding's credentials: the entry's own credentials merged with the
 * instance's coordinates under servicebinding.io well-known keys. A key both
 * sides produce is a configuration error, never a silent overwrite.
 */
import type { CatalogEntry } from './catalog-entry.js';
import type { Coordinates } from './coordinates.js';
import { domainError, type DomainError } from './errors.js';
import { err, ok, type Result } from './result.js';

export type Credentials = Readonly<Record<string, string | number>>;

function coordinateKeys(entry: CatalogEntry, coordinates: Coordinates): Record<string, string | number> {
  return {
    type: entry.offering,
    provider: entry.team,
    ...(coordinates.host !== undefined ? { host: coordinates.host } : {}),
    ...(coordinates.port !== undefined ? { port: coordinates.port } : {}),
    ...(coordinates.uri !== undefined ? { uri: coordinates.uri } : {}),
  };
}

/** `secretValues` are the entry's credential values, already read from wherever they live. */
export function bindingCredentials(
  entry: CatalogEntry,
  coordinates: Coordinates,
  secretValues: Readonly<Record<string, string>>,
): Result<Credentials, DomainError> {
  const fromCoordinates = coordinateKeys(entry, coordinates);
  const clashes = Object.keys(secretValues).filter((key) => Object.hasOwn(fromCoordinates, key));
  if (clashes.length > 0) {
    return err(domainError('ConfigInvalid', `entry ${entry.source}: credential key(s) ${clashes.join(', ')} clash with the coordinates Mesitis provides`));
  }
  return ok({ ...fromCoordinates, ...secretValues });
}
