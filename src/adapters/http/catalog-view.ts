/**
 * The OSB catalog document. Serialised once per configuration revision and
 * namespace view, so the hot path is a lookup of ready bytes.
 */
import { visibleTo, type Catalog, type Offering } from '../../domain/catalog.js';
import { hasOwnCredentials, planName, type CatalogEntry } from '../../domain/catalog-entry.js';
import { isHelmEntry } from '../../domain/helm-plan.js';
import { maintenanceVersionOf, planUpdateable } from '../../domain/maintenance.js';
import { osbParameterSchema } from '../../domain/parameter-schema.js';
import type { ResourceTemplate } from '../../domain/resource-template.js';
import { inDialect, NEWEST_MINOR, type ApiVersion } from './api-version.js';

function planView(entry: CatalogEntry, offering: Offering, templates: readonly ResourceTemplate[], version: ApiVersion) {
  return inDialect('plan', {
    id: entry.planId,
    name: planName(entry),
    description: entry.description,
    free: true,
    bindable: true,
    plan_updateable: planUpdateable(entry, offering.plans),
    maintenance_info: { version: maintenanceVersionOf(entry, templates) },
    // Only a binding with objects or a Vault lease of its own has credentials a successor can replace.
    binding_rotatable: hasOwnCredentials(entry),
    metadata: { displayName: `${entry.offering} ${entry.version}`, version: entry.version, team: entry.team },
    ...schemasOf(entry),
  }, version);
}

/** The parameters a consumer may set, where the entry says (a Helm entry always does: none unless declared). */
function schemasOf(entry: CatalogEntry): { schemas?: unknown } {
  const declared = entry.parameters ?? (isHelmEntry(entry) ? {} : undefined);
  if (declared === undefined) return {};
  const parameters = osbParameterSchema(declared);
  const update = entry.parametersUpdatable === true ? { update: { parameters } } : {};
  return { schemas: { service_instance: { create: { parameters }, ...update } } };
}

function serviceView(offering: Offering, templates: readonly ResourceTemplate[], version: ApiVersion) {
  return inDialect('service', {
    id: offering.serviceId,
    name: offering.name,
    description: offering.description,
    bindable: true,
    plan_updateable: offering.plans.some((entry) => planUpdateable(entry, offering.plans)),
    instances_retrievable: true,
    bindings_retrievable: true,
    tags: [offering.team, offering.offering],
    metadata: { displayName: offering.offering, providerDisplayName: offering.team },
    plans: offering.plans.map((entry) => planView(entry, offering, templates, version)),
  }, version);
}

export class CatalogDocuments {
  private revision = -1;
  private readonly documents = new Map<string, Buffer>();

  /**
   * The catalog as JSON bytes, for the platform-wide view (namespace
   * undefined) or one consumer's, in the platform's API version. Bytes, not
   * text: encoding a large catalog on every response was most of its cost.
   */
  render(catalog: Catalog, revision: number, namespace: string | undefined, version: ApiVersion): Buffer {
    if (revision !== this.revision) {
      this.documents.clear();
      this.revision = revision;
    }
    const dialect: ApiVersion = { major: 2, minor: Math.min(version.minor, NEWEST_MINOR) };
    const key = `${dialect.minor}/${namespace ?? ''}`;
    let document = this.documents.get(key);
    if (document === undefined) {
      const offerings = namespace === undefined ? catalog.offerings : visibleTo(catalog, namespace);
      document = Buffer.from(JSON.stringify({ services: offerings.map((offering) => serviceView(offering, catalog.templates, dialect)) }));
      this.documents.set(key, document);
    }
    return document;
  }
}
