/**
 * `mesitis upgrade INSTANCE_ID [--plan NAME|ID|VERSION]`: move an instance to
 * its plan's newest maintenance level or, with --plan, to another plan of its
 * service, and unless --no-wait wait until it is there. The levels are the
 * ones the broker shows (GET instance, the catalog); an instance already at
 * its plan's level is success with a note, and nothing is sent.
 */
import { err, ok, type Result } from '../../domain/result.js';
import { EXIT, fail, failOsb, say, usage, type ExitCode } from './cli-io.js';
import { runConsumerVerb, waitForAccepted, type ConsumerDeps, type ConsumerVerb, type VerbInvocation } from './consumer-verb.js';
import { describeOsbFailure, type OsbFailure } from './osb-failure.js';
import type { UpdateBody } from './osb-http-client.js';
import type { CatalogDocument, CatalogPlan, CatalogService, FetchedInstance } from './osb-responses.js';
import { printJson } from './output.js';
import { shouldWait, timeoutMs } from './verb-arguments.js';

/** Where the instance is and where it goes. */
interface Move {
  readonly service: CatalogService;
  readonly fromPlanId: string;
  readonly fromPlan?: CatalogPlan;
  readonly fromVersion?: string;
  readonly to: CatalogPlan;
  readonly toVersion?: string;
}

type Outcome = 'up to date' | 'updated' | 'accepted';

const seeCatalog = (namespace: string) => `see "mesitis catalog -n ${namespace}"`;
const planVersion = (plan: CatalogPlan): unknown => plan.metadata?.['version'];

/** A plan of the instance's own service, by id or name, else by the version the catalog gives it (`--plan 2`). */
function pickPlan(service: CatalogService, wanted: string): CatalogPlan | undefined {
  return service.plans.find((plan) => plan.id === wanted || plan.name === wanted) ?? service.plans.find((plan) => planVersion(plan) === wanted);
}

function planMove({ values, context, positionals }: VerbInvocation, catalog: CatalogDocument, instance: FetchedInstance): Result<Move, string> {
  const instanceId = positionals[0]!;
  const service = catalog.services.find((candidate) => candidate.id === instance.service_id);
  if (service === undefined) return err(`the service of instance ${instanceId} (${instance.service_id}) is not in the catalog of ${context.namespace}`);
  if (values.service !== undefined && values.service !== service.id && values.service !== service.name) {
    return err(`instance ${instanceId} is of service ${service.name}, not "${values.service}": an instance moves only between plans of its service`);
  }
  const fromPlan = service.plans.find((plan) => plan.id === instance.plan_id);
  const to = values.plan === undefined ? fromPlan : pickPlan(service, values.plan);
  if (to === undefined && values.plan === undefined) {
    return err(`the plan of instance ${instanceId} (${instance.plan_id}) is no longer in the catalog: choose another with --plan (${seeCatalog(context.namespace)})`);
  }
  if (to === undefined) return err(`service ${service.name} has no plan "${values.plan}" (by name, id or version); ${seeCatalog(context.namespace)}`);
  const fromVersion = instance.maintenance_info?.version;
  const toVersion = to.maintenance_info?.version;
  return ok({
    service, fromPlanId: instance.plan_id, to,
    ...(fromPlan !== undefined ? { fromPlan } : {}), ...(fromVersion !== undefined ? { fromVersion } : {}), ...(toVersion !== undefined ? { toVersion } : {}),
  });
}

function updateBody({ context }: VerbInvocation, move: Move): UpdateBody {
  const level = (version: string | undefined) => (version !== undefined ? { maintenance_info: { version } } : {});
  return {
    service_id: move.service.id, plan_id: move.to.id, ...level(move.toVersion),
    context: { platform: 'kubernetes', clusterid: context.clusterId, namespace: context.namespace },
    // What the instance was, as OSB asks a platform to say (the plan the broker last reported, its maintenance level).
    previous_values: { service_id: move.service.id, plan_id: move.fromPlanId, ...level(move.fromVersion) },
  };
}

const describeLevel = (plan: string, version: string | undefined): string => (version !== undefined ? `${plan} at ${version}` : plan);

function report({ io, output, context, positionals }: VerbInvocation, move: Move, outcome: Outcome, extra: { operation?: string; description?: string } = {}): ExitCode {
  const instanceId = positionals[0]!;
  const from = describeLevel(move.fromPlan?.name ?? move.fromPlanId, move.fromVersion);
  const to = describeLevel(move.to.name, move.toVersion);
  if (output === 'json') {
    printJson(io, {
      instance_id: instanceId, namespace: context.namespace, service_id: move.service.id, service: move.service.name,
      state: outcome === 'accepted' ? 'in progress' : 'succeeded', outcome,
      from: { plan_id: move.fromPlanId, ...(move.fromPlan ? { plan: move.fromPlan.name } : {}), ...(move.fromVersion !== undefined ? { version: move.fromVersion } : {}) },
      to: { plan_id: move.to.id, plan: move.to.name, ...(move.toVersion !== undefined ? { version: move.toVersion } : {}) },
      ...extra,
    });
  } else if (outcome === 'up to date') {
    say(io, `instance ${instanceId} is already up to date (${to}): nothing to upgrade`);
  } else if (outcome === 'accepted') {
    say(io, `upgrade of instance ${instanceId} from ${from} to ${to} accepted; follow it with "mesitis status ${instanceId} -n ${context.namespace}"`);
  } else {
    say(io, `instance ${instanceId} upgraded from ${from} to ${to}`);
  }
  return EXIT.ok;
}

/** The broker's refusal, with what to do when the plan changed under the request. */
function refused(invocation: VerbInvocation, failure: OsbFailure): ExitCode {
  const { io, verb, positionals, context } = invocation;
  if (failure.kind === 'status' && failure.code === 'MaintenanceInfoConflict') {
    const again = `the plan's maintenance level changed meanwhile: run "mesitis upgrade ${positionals[0]!} -n ${context.namespace}" again`;
    return fail(io, verb, `${describeOsbFailure(failure)}; ${again}`, EXIT.failure, failure);
  }
  return failOsb(io, verb, failure);
}

export const upgradeVerb: ConsumerVerb = {
  syntax: { name: 'upgrade', positionals: ['INSTANCE_ID'], flags: ['service', 'plan', 'wait', 'no-wait', 'timeout'] },
  help: `Usage: mesitis upgrade INSTANCE_ID [--plan NAME|ID|VERSION] [flags]

Upgrades an instance: without --plan to the newest maintenance level of its
plan (the provider changed the plan's templates; "mesitis status" says when
an upgrade is available), with --plan to another plan of its service that
its plan may be updated to. Waits until the upgrade is done, printing
progress to stderr. An instance already at its plan's level is left alone
(exit code 0).

Flags:
  --plan NAME|ID|VERSION the plan to move to: its name or id, or its version (e.g. 2)
  --service NAME|ID      the instance's service (optional: an instance stays in its service)
  --wait / --no-wait     wait for an asynchronous upgrade to finish (default --wait)
  --timeout DURATION     how long to wait: 300 (seconds), 90s, 5m (default 300s)`,

  async run(invocation) {
    const { verb, values, positionals, client, io } = invocation;
    const instanceId = positionals[0]!;
    const wait = shouldWait(values);
    if (!wait.ok) return usage(io, verb, wait.error);
    const timeout = timeoutMs(values);
    if (!timeout.ok) return usage(io, verb, timeout.error);

    const instance = await client.fetchInstance(instanceId);
    if (!instance.ok) return failOsb(io, verb, instance.error, `cannot look up instance ${instanceId}`);
    const catalog = await client.catalog();
    if (!catalog.ok) return failOsb(io, verb, catalog.error, 'cannot read the catalog');
    const move = planMove(invocation, catalog.value.body, instance.value.body);
    if (!move.ok) return fail(io, verb, move.error);
    if (move.value.to.id === move.value.fromPlanId) {
      if (move.value.toVersion === undefined) return fail(io, verb, `the broker gives plan ${move.value.to.name} no maintenance level: there is nothing to upgrade to`);
      if (move.value.toVersion === move.value.fromVersion) return report(invocation, move.value, 'up to date');
    }

    const answer = await client.update(instanceId, updateBody(invocation, move.value));
    if (!answer.ok) return refused(invocation, answer.error);
    if (answer.value.status !== 202) return report(invocation, move.value, 'updated');
    const operation = answer.value.body.operation;
    const named = operation !== undefined ? { operation } : {};
    if (!wait.value) return report(invocation, move.value, 'accepted', named);
    // OSB: while a plan change runs, last_operation is asked with the plan the instance had.
    const ids = { serviceId: move.value.service.id, planId: move.value.fromPlanId };
    const done = await waitForAccepted(invocation, { kind: 'update', instanceId, ids, operation, timeoutMs: timeout.value });
    if (!done.ok) return done.error;
    return report(invocation, move.value, 'updated', { ...named, ...(done.value !== undefined ? { description: done.value } : {}) });
  },
};

export const runUpgrade = (args: string[], deps: ConsumerDeps) => runConsumerVerb(upgradeVerb, args, deps);
