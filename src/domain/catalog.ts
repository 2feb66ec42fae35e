/**
 * The catalog: valid entries grouped into offerings (OSB services), one plan
 * per entry. A bad entry is left out with a problem naming its ConfigMap;
 * every other entry keeps working.
 */
import { checkEntry, mayUse, serviceName, type CatalogEntry, type ConfigProblem } from './catalog-entry.js';
import { planResources } from './resource-plan.js';
import type { ResourceTemplate } from './resource-template.js';

/** The provider's configuration as decoded from its ConfigMaps. */
export interface ProviderConfig {
  readonly entries: readonly CatalogEntry[];
  readonly templates: readonly ResourceTemplate[];
  /** Problems found while decoding (bad JSON, unknown kinds, missing fields). */
  readonly problems: readonly ConfigProblem[];
}

export interface Offering {
  readonly serviceId: string;
  readonly name: string;
  readonly team: string;
  readonly offering: string;
  readonly description: string;
  readonly plans: readonly CatalogEntry[];
}

export interface Catalog {
  readonly offerings: readonly Offering[];
  readonly problems: readonly ConfigProblem[];
  readonly templates: readonly ResourceTemplate[];
}

export const EMPTY_CONFIG: ProviderConfig = { entries: [], templates: [], problems: [] };

/** Renders a dedicated entry's plan with stand-in facts, to find broken templates before any consumer does. */
function checkPlan(entry: CatalogEntry, templates: readonly ResourceTemplate[]): ConfigProblem[] {
  if (entry.provisioner.kind !== 'NewClusterObjects') return [];
  const facts = {
    instanceId: 'config-check', instanceName: 'config-check', consumerNamespace: entry.whitelist[0] ?? 'consumer',
    team: entry.team, offering: entry.offering, version: entry.version, parameters: {},
  };
  const plan = planResources(entry, templates, facts, 'placeholder');
  return plan.ok ? [] : [{ source: entry.source, field: 'provisiondata', message: plan.error.message }];
}

/** Problems that only show across entries; the later entry (by ConfigMap name) is the one refused. */
function checkUniqueness(entry: CatalogEntry, accepted: readonly CatalogEntry[]): ConfigProblem[] {
  const problem = (field: string, message: string): ConfigProblem[] => [{ source: entry.source, field, message }];
  const samePlanId = accepted.find((other) => other.planId === entry.planId);
  if (samePlanId) return problem('uuid', `plan id "${entry.planId}" is already used by ${samePlanId.source}`);
  const sameVersion = accepted.find((o) => serviceName(o) === serviceName(entry) && o.version === entry.version);
  if (sameVersion) return problem('version', `${serviceName(entry)} version "${entry.version}" is already offered by ${sameVersion.source}`);
  const sameOffering = accepted.find((o) => serviceName(o) === serviceName(entry));
  if (sameOffering && sameOffering.serviceId !== entry.serviceId) {
    return problem('serviceuuid', `differs from "${sameOffering.serviceId}" used by ${sameOffering.source} for the same offering`);
  }
  const sameServiceId = accepted.find((o) => o.serviceId === entry.serviceId && serviceName(o) !== serviceName(entry));
  if (sameServiceId) return problem('serviceuuid', `service id "${entry.serviceId}" is already used by ${sameServiceId.source}`);
  return [];
}

export function assembleCatalog(config: ProviderConfig): Catalog {
  const problems: ConfigProblem[] = [...config.problems];
  const accepted: CatalogEntry[] = [];
  const bySource = [...config.entries].sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  for (const entry of bySource) {
    const found = [...checkEntry(entry), ...checkPlan(entry, config.templates)];
    const refused = found.length > 0 ? found : checkUniqueness(entry, accepted);
    if (refused.length > 0) problems.push(...refused);
    else accepted.push(entry);
  }
  const offerings = new Map<string, CatalogEntry[]>();
  for (const entry of accepted) offerings.set(serviceName(entry), [...(offerings.get(serviceName(entry)) ?? []), entry]);
  return {
    problems,
    templates: config.templates,
    offerings: [...offerings.entries()].map(([name, plans]) => ({
      serviceId: plans[0]!.serviceId, name, team: plans[0]!.team, offering: plans[0]!.offering,
      description: plans[0]!.description, plans,
    })),
  };
}

/** The catalog a consumer namespace may use: only whitelisted plans, only offerings left with a plan. */
export function visibleTo(catalog: Catalog, namespace: string): Offering[] {
  return catalog.offerings
    .map((offering) => ({ ...offering, plans: offering.plans.filter((plan) => mayUse(plan, namespace)) }))
    .filter((offering) => offering.plans.length > 0);
}

export function findPlan(catalog: Catalog, serviceId: string, planId: string): CatalogEntry | undefined {
  return catalog.offerings.find((o) => o.serviceId === serviceId)?.plans.find((p) => p.planId === planId);
}
