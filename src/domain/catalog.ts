/**
 * The catalog: valid entries grouped into offerings (OSB services), one plan
 * per entry. A bad entry is left out with a problem naming its ConfigMap;
 * every other entry keeps working.
 */
import { checkEntry, mayUse, serviceName, type CatalogEntry, type ConfigProblem } from './catalog-entry.js';
import type { KindScope } from './built-in-kinds.js';
import { parseLabelSelector } from './label-selector.js';
import { planResources } from './resource-plan.js';
import { normaliseTemplate, selectTemplates, type ResourceTemplate } from './resource-template.js';

/** What the cluster serves: discovery's answer for one apiVersion and kind. */
export type ScopeOf = (apiVersion: string, kind: string) => KindScope;

/** What the broker may not create: the resource RBAC names, to be granted (the chart's targetKinds). */
export interface CreateDenial {
  readonly group: string;
  readonly resource: string;
}

/** Whether the broker's identity may create a kind in a namespace, as last reviewed: a denial, or undefined (allowed, or not yet known). */
export type DeniedCreate = (namespace: string, apiVersion: string, kind: string) => CreateDenial | undefined;

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

/** Renders a dedicated entry's plan with stand-in facts, to find broken templates before any consumer does. */
function checkPlan(entry: CatalogEntry, templates: readonly ResourceTemplate[], scopeOf: ScopeOf | undefined, deniedCreate: DeniedCreate | undefined): ConfigProblem[] {
  if (entry.provisioner.kind !== 'NewClusterObjects') return [];
  const facts = {
    instanceId: 'config-check', instanceName: 'config-check', consumerNamespace: entry.whitelist[0] ?? 'consumer',
    team: entry.team, offering: entry.offering, version: entry.version, parameters: {},
  };
  const plan = planResources(entry, templates, facts, 'placeholder');
  if (!plan.ok) return [{ source: entry.source, field: 'provisiondata', message: plan.error.message }];
  return scopeOf === undefined ? [] : checkKinds(entry, templates, scopeOf, deniedCreate);
}

/**
 * Each selected template's kind must be one the cluster serves, in a
 * namespace (the broker creates nothing cluster-wide), and one the broker
 * may create in the provisioner's namespace: a provision would otherwise
 * fail on a refusal no consumer can do anything about.
 */
function checkKinds(entry: CatalogEntry, templates: readonly ResourceTemplate[], scopeOf: ScopeOf, deniedCreate: DeniedCreate | undefined): ConfigProblem[] {
  if (entry.provisioner.kind !== 'NewClusterObjects') return [];
  const selector = parseLabelSelector(entry.provisioner.labelSelector);
  if (!selector.ok) return [];
  for (const template of selectTemplates(templates, selector.value)) {
    const object = normaliseTemplate(template);
    if (!object.ok) continue;
    const { apiVersion, kind } = object.value;
    const scope = scopeOf(apiVersion, kind);
    if (scope === 'namespaced') {
      const { namespace } = entry.provisioner;
      const denial = deniedCreate?.(namespace, apiVersion, kind);
      if (denial === undefined) continue;
      const grant = `{apiGroup: "${denial.group}", resources: [${denial.resource}]}`;
      const message = `resource ConfigMap ${template.source}: the broker may not create ${kind} (${apiVersion}) in namespace ${namespace}: add ${grant} to the chart's targetKinds`;
      return [{ source: entry.source, field: 'provisiondata', message }];
    }
    const message = scope === 'cluster'
      ? `resource ConfigMap ${template.source}: ${kind} (${apiVersion}) is cluster-scoped; only namespaced kinds can be created per instance`
      : `resource ConfigMap ${template.source}: the cluster serves no kind ${kind} in ${apiVersion} (a missing CRD, or a wrong apiVersion)`;
    return [{ source: entry.source, field: 'provisiondata', message }];
  }
  return [];
}

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

/**
 * With `scopeOf`, an entry whose templates name a kind the cluster does not
 * serve, or not namespaced, is refused; with `deniedCreate` too, one whose
 * kinds the broker may not create in the provisioner's namespace.
 */
export function assembleCatalog(config: ProviderConfig, scopeOf?: ScopeOf, deniedCreate?: DeniedCreate): Catalog {
  const problems: ConfigProblem[] = [...config.problems];
  const accepted: CatalogEntry[] = [];
  const claims = new Claims();
  for (const entry of firstComeFirst(config.entries, config.created)) {
    const found = [...checkEntry(entry), ...checkPlan(entry, config.templates, scopeOf, deniedCreate)];
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
