/**
 * The service_id and plan_id that bind, unbind and deprovision must send:
 * from --service/--plan when given (names resolved through the catalog),
 * else from the broker's own record of the instance (GET instance). The
 * flags exist for the case GET cannot answer: an instance whose provision
 * never finished (OSB answers 404 for it).
 */
import { err, ok, type Result } from '../../domain/result.js';
import { planIds, resolvePlan } from './catalog-lookup.js';
import type { VerbInvocation } from './consumer-verb.js';
import { describeOsbFailure } from './osb-failure.js';
import type { PlanIds } from './osb-http-client.js';

/** A usage problem with --service/--plan; undefined when they are fine (or absent). */
export const planFlagsProblem = ({ values }: VerbInvocation): string | undefined =>
  values.service !== undefined && values.plan === undefined ? '--service needs --plan' : undefined;

/** `flagsAccepted`: whether the verb takes --service/--plan, so the message can offer them. */
export async function instancePlanIds(invocation: VerbInvocation, instanceId: string, flagsAccepted: boolean): Promise<Result<PlanIds, string>> {
  const { values, client, context } = invocation;
  if (values.plan !== undefined) {
    const catalog = await client.catalog();
    if (!catalog.ok) return err(`cannot read the catalog to resolve --plan: ${describeOsbFailure(catalog.error)}`);
    const resolved = resolvePlan(catalog.value.body, context.namespace, values.service, values.plan);
    return resolved.ok ? ok(planIds(resolved.value)) : resolved;
  }
  const instance = await client.fetchInstance(instanceId);
  if (instance.ok) return ok({ serviceId: instance.value.body.service_id, planId: instance.value.body.plan_id });
  const hint = flagsAccepted ? '; if its provision never finished, name them with --service and --plan' : '';
  return err(`cannot look up the service and plan of instance ${instanceId}: ${describeOsbFailure(instance.error)}${hint}`);
}
