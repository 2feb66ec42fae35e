/**
 * The catalog: valid entries grouped into offerings (OSB services), one plan
 * per entry. A bad entry is left out with a problem naming its ConfigMap;
 * every other entry keeps working.
 */
import { checkEntry, mayUse, serviceName, type CatalogEntry, type ConfigProblem } from './catalog-entry.js';
import { checkPlans, type DeniedCreate, type ScopeOf } from './plan-check.js';
import type { ResourceTemplate } from './resource-template.js';

export type { CreateDenial, DeniedCreate, ScopeOf } from './plan-check.js';

/** The provider's configuration as decoded from its ConfigMaps. */
export interface ProviderConfig {
  readonly entries: readonly CatalogEntry[];
  readonly templates: readonly ResourceTemplate[];
  /** Problems found while decoding (bad JSON, unknown kinds, missing fields). */
  readonly problems: readonly ConfigProblem[];
  /**
   * When each entry's ConfigMap was created (RFC 3339, as the API server
   * writes creationTimestamp), by ConfigMap name. It decides which of two
   * clashing entries keeps serving; entries without one rank after those
   * with one (a manifest file has none).
   */
  readonly created?: ReadonlyMap<string, string>;
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

/**
 * What the accepted entries already claim, indexed so each new entry is
 * checked in constant time (catalogs run to thousands of entries).
 */
class Claims {
  private readonly plans = new Map<string, CatalogEntry>();
  private readonly versions = new Map<string, CatalogEntry>();
  private readonly offerings = new Map<string, CatalogEntry>();
  private readonly serviceIds = new Map<string, CatalogEntry>();

  /** Problems that only show across entries; the later entry (see firstComeFirst) is the one refused. */
  conflicts(entry: CatalogEntry): ConfigProblem[] {
    const problem = (field: string, message: string): ConfigProblem[] => [{ source: entry.source, field, message }];
    const name = serviceName(entry);
    const samePlanId = this.plans.get(entry.planId);
    if (samePlanId) return problem('uuid', `plan id "${entry.planId}" is already used by ${samePlanId.source}`);
    const sameVersion = this.versions.get(`${name}\n${entry.version}`);
    if (sameVersion) return problem('version', `${name} version "${entry.version}" is already offered by ${sameVersion.source}`);
    const sameOffering = this.offerings.get(name);
    if (sameOffering && sameOffering.serviceId !== entry.serviceId) {
      return problem('serviceuuid', `differs from "${sameOffering.serviceId}" used by ${sameOffering.source} for the same offering`);
    }
    const sameServiceId = this.serviceIds.get(entry.serviceId);
    if (sameServiceId && serviceName(sameServiceId) !== name) {
      return problem('serviceuuid', `service id "${entry.serviceId}" is already used by ${sameServiceId.source}`);
    }
    return [];
  }

  claim(entry: CatalogEntry): void {
    this.plans.set(entry.planId, entry);
    this.versions.set(`${serviceName(entry)}\n${entry.version}`, entry);
    if (!this.offerings.has(serviceName(entry))) this.offerings.set(serviceName(entry), entry);
    if (!this.serviceIds.has(entry.serviceId)) this.serviceIds.set(entry.serviceId, entry);
  }
}

const createdMs = (created: ReadonlyMap<string, string> | undefined, source: string): number => {
  const parsed = Date.parse(created?.get(source) ?? '');
  return Number.isNaN(parsed) ? Number.POSITIVE_INFINITY : parsed;
};

/**
 * The order in which entries claim plan ids, versions and service ids: the
 * oldest ConfigMap first, so a ConfigMap added later can never push out an
 * entry that was already serving (and may have live instances). Ties (the
 * API server stamps whole seconds) and undated entries go by ConfigMap name,
 * so the outcome never depends on the order documents arrived in.
 */
const byName = (a: CatalogEntry, b: CatalogEntry): number => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0);

function firstComeFirst(entries: readonly CatalogEntry[], created: ReadonlyMap<string, string> | undefined): CatalogEntry[] {
  if (created === undefined || created.size === 0) return [...entries].sort(byName);
  return [...entries]
    .map((entry) => ({ entry, at: createdMs(created, entry.source) }))
    .sort((a, b) => (a.at === b.at ? byName(a.entry, b.entry) : a.at < b.at ? -1 : 1))
    .map(({ entry }) => entry);
}

/** What a review of a Helm entry's chart found (it cannot be fetched or rendered), or undefined. */
export type ChartProblem = (entry: CatalogEntry) => string | undefined;

/**
 * With `scopeOf`, an entry whose templates name a kind the cluster does not
 * serve, or not namespaced, is refused; with `deniedCreate` too, one whose
 * kinds the broker may not create in the provisioner's namespace; with
 * `chartProblem`, a Helm entry whose chart the last review could not use.
 */
export function assembleCatalog(config: ProviderConfig, scopeOf?: ScopeOf, deniedCreate?: DeniedCreate, chartProblem?: ChartProblem): Catalog {
  const problems: ConfigProblem[] = [...config.problems];
  const accepted: CatalogEntry[] = [];
  const claims = new Claims();
  for (const entry of firstComeFirst(config.entries, config.created)) {
    const checked = [...checkEntry(entry), ...checkPlans(entry, config.templates, { scopeOf, deniedCreate })];
    const chart = checked.length === 0 ? chartProblem?.(entry) : undefined;
    const found = chart === undefined ? checked : [{ source: entry.source, field: 'provisiondata.chart', message: chart }];
    const refused = found.length > 0 ? found : claims.conflicts(entry);
    if (refused.length > 0) {
      problems.push(...refused);
    } else {
      accepted.push(entry);
      claims.claim(entry);
    }
  }
  // Presented in ConfigMap-name order whatever decided the clashes, so the catalog reads the same everywhere.
  const offerings = new Map<string, CatalogEntry[]>();
  for (const entry of accepted.sort(byName)) offerings.set(serviceName(entry), [...(offerings.get(serviceName(entry)) ?? []), entry]);
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
