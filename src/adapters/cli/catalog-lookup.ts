/**
 * Services and plans named the way people name them: by name or by id, both
 * as the namespace's catalog shows them. A plan name or id that is unique in
 * the catalog needs no --service.
 */
import { err, ok, type Result } from '../../domain/result.js';
import type { PlanIds } from './osb-http-client.js';
import type { CatalogDocument, CatalogPlan, CatalogService } from './osb-responses.js';

export interface ResolvedPlan {
  readonly service: CatalogService;
  readonly plan: CatalogPlan;
}

const named = (wanted: string) => (item: { id: string; name: string }): boolean => item.id === wanted || item.name === wanted;

export function resolvePlan(catalog: CatalogDocument, namespace: string, service: string | undefined, plan: string): Result<ResolvedPlan, string> {
  const seeCatalog = `run "mesitis catalog -n ${namespace}" to see what ${namespace} may use`;
  const services = service === undefined ? catalog.services : catalog.services.filter(named(service));
  if (services.length === 0) return err(`no service "${service}" in the catalog of ${namespace}; ${seeCatalog}`);
  const matches = services.flatMap((candidate) => candidate.plans.filter(named(plan)).map((found) => ({ service: candidate, plan: found })));
  const [first, ...others] = matches;
  if (first === undefined) {
    return err(`no plan "${plan}"${service !== undefined ? ` in service "${service}"` : ''} in the catalog of ${namespace}; ${seeCatalog}`);
  }
  if (others.length > 0) {
    return err(`plan "${plan}" is in several services (${matches.map((match) => match.service.name).join(', ')}): pass --service`);
  }
  return ok(first);
}

export const planIds = ({ service, plan }: ResolvedPlan): PlanIds => ({ serviceId: service.id, planId: plan.id });

/** The names behind an instance's ids, when the catalog still lists them. */
export function planNames(catalog: CatalogDocument, ids: PlanIds): { service?: string; plan?: string } {
  const service = catalog.services.find((candidate) => candidate.id === ids.serviceId);
  const plan = service?.plans.find((candidate) => candidate.id === ids.planId);
  return { ...(service ? { service: service.name } : {}), ...(plan ? { plan: plan.name } : {}) };
}
