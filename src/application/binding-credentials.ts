/**
 * Derives a binding's credentials each time they are needed, from the entry
 * and the instance, so that no credential value is ever stored.
 */
import type { Catalog } from '../domain/catalog.js';
import type { CatalogEntry } from '../domain/catalog-entry.js';
import { coordinatesOf, type Coordinates } from '../domain/coordinates.js';
import { bindingCredentials, type Credentials } from '../domain/credentials.js';
import { domainError } from '../domain/errors.js';
import type { InstanceRecord } from '../domain/records.js';
import { planResources } from '../domain/resource-plan.js';
import { err, ok, type Result } from '../domain/result.js';
import type { SecretSource } from './ports/secret-source.js';
import { instanceFacts } from './requests.js';

export interface Endpoint {
  readonly host: string;
  readonly ports: readonly string[];
  readonly protocol: 'tcp';
}

export interface BindingAnswer {
  readonly credentials: Credentials;
  readonly endpoints: readonly Endpoint[];
}

export class BindingCredentials {
  constructor(private readonly secrets: SecretSource) {}

  async derive(catalog: Catalog, entry: CatalogEntry, instance: InstanceRecord): Promise<Result<BindingAnswer>> {
    const facts = instanceFacts(entry, instance);
    const plan = planResources(entry, catalog.templates, facts);
    if (!plan.ok) return plan;
    const coordinates = coordinatesOf(entry, facts, plan.value);
    if (!coordinates.ok) return coordinates;
    const values = await this.values(entry);
    if (!values.ok) return values;
    const credentials = bindingCredentials(entry, coordinates.value, values.value);
    if (!credentials.ok) return credentials;
    return ok({ credentials: credentials.value, endpoints: endpointsOf(coordinates.value) });
  }

  private async values(entry: CatalogEntry): Promise<Result<Record<string, string>>> {
    const source = entry.credentials;
    switch (source.kind) {
      case 'NoCredential':
        return ok({});
      case 'FromCatalog':
        return ok({ ...source.values });
      case 'FromClusterSecret': {
        const secret = await this.secrets.read(source.secretName);
        if (secret.ok || secret.error.kind !== 'NotFound') return secret;
        return err(domainError('ConfigInvalid', `entry ${entry.source}: credential Secret "${source.secretName}" does not exist in the broker namespace`));
      }
    }
  }
}

function endpointsOf(coordinates: Coordinates): Endpoint[] {
  if (coordinates.host === undefined || coordinates.port === undefined) return [];
  return [{ host: coordinates.host, ports: [String(coordinates.port)], protocol: 'tcp' }];
}
