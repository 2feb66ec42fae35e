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
import { describeOsbFailure, isStatus, type OsbFailure } from './osb-failure.js';
import type { PlanIds } from './osb-http-client.js';

/** A usage problem with --service/--plan; undefined when they are fine (or absent). */
export const planFlagsProblem = ({ values }: VerbInvocation): string | undefined =>
  values.service !== undefined && values.plan === undefined ? '--service needs --plan' : undefined;

/** Why the ids are not known. `gone`: the broker says the instance does not exist (any more). */
export interface PlanIdsProblem {
  readonly message: string;
  readonly gone: boolean;
  readonly failure?: OsbFailure;
}

/** 404 and 410 both mean "no such thing here" to a DELETE or a lookup: OSB answers either, depending on the call. */
export const isGone = (failure: OsbFailure): boolean => isStatus(failure, 410) || isStatus(failure, 404);

/**
 * GET instance answers 404 both for an instance that does not exist and for
 * one whose provision has not finished; last_operation tells them apart.
 */
async function instanceIsGone(invocation: VerbInvocation, instanceId: string, failure: OsbFailure): Promise<boolean> {
  if (isStatus(failure, 410)) return true;
  if (!isStatus(failure, 404)) return false;
  const last = await invocation.client.lastOperation(instanceId);
  return !last.ok && isGone(last.error);
}

/** `flagsAccepted`: whether the verb takes --service/--plan, so the message can offer them. */
export async function instancePlanIds(invocation: VerbInvocation, instanceId: string, flagsAccepted: boolean): Promise<Result<PlanIds, PlanIdsProblem>> {
  const { values, client, context } = invocation;
  if (values.plan !== undefined) {
    const catalog = await client.catalog();
    if (!catalog.ok) return err({ message: `cannot read the catalog to resolve --plan: ${describeOsbFailure(catalog.error)}`, gone: false, failure: catalog.error });
    const resolved = resolvePlan(catalog.value.body, context.namespace, values.service, values.plan);
    return resolved.ok ? ok(planIds(resolved.value)) : err({ message: resolved.error, gone: false });
  }
  const instance = await client.fetchInstance(instanceId);
  if (instance.ok) return ok({ serviceId: instance.value.body.service_id, planId: instance.value.body.plan_id });
  const gone = await instanceIsGone(invocation, instanceId, instance.error);
  const hint = flagsAccepted && !gone ? '; if its provision never finished, name them with --service and --plan' : '';
  const message = `cannot look up the service and plan of instance ${instanceId}: ${describeOsbFailure(instance.error)}${hint}`;
  return err({ message, gone, failure: instance.error });
}
