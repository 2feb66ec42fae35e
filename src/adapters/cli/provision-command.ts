/**
 * `mesitis provision INSTANCE_ID --plan P [--service S]`: create an instance
 * for the consumer namespace and, unless --no-wait, wait until it is usable.
 */
import { EXIT, fail, failOsb, say, usage, type ExitCode } from './cli-io.js';
import { planIds, resolvePlan, type ResolvedPlan } from './catalog-lookup.js';
import { runConsumerVerb, waitForAccepted, type ConsumerDeps, type ConsumerVerb, type VerbInvocation } from './consumer-verb.js';
import { printJson } from './output.js';
import { parameters, shouldWait, timeoutMs } from './verb-arguments.js';

interface Provisioned {
  readonly state: 'succeeded' | 'in progress';
  /** How the broker answered: made now, already there (identical), or still being made. */
  readonly outcome: 'created' | 'exists' | 'accepted';
  readonly operation?: string;
  readonly description?: string;
}

function report(invocation: VerbInvocation, instanceId: string, resolved: ResolvedPlan, result: Provisioned): ExitCode {
  const { io, output, context } = invocation;
  if (output === 'json') {
    printJson(io, {
      instance_id: instanceId, namespace: context.namespace,
      service_id: resolved.service.id, service: resolved.service.name, plan_id: resolved.plan.id, plan: resolved.plan.name,
      state: result.state, outcome: result.outcome,
      ...(result.operation !== undefined ? { operation: result.operation } : {}),
      ...(result.description !== undefined ? { description: result.description } : {}),
    });
  } else if (result.state === 'in progress') {
    say(io, `provision of instance ${instanceId} accepted; follow it with "mesitis status ${instanceId} -n ${context.namespace}"`);
  } else {
    const how = result.outcome === 'exists' ? 'already exists with these attributes' : 'provisioned';
    say(io, `instance ${instanceId} ${how} (${resolved.service.name} / ${resolved.plan.name}) in ${context.namespace}`);
  }
  return EXIT.ok;
}

export const provisionVerb: ConsumerVerb = {
  syntax: { name: 'provision', positionals: ['INSTANCE_ID'], flags: ['service', 'plan', 'param', 'instance-name', 'cluster-id', 'wait', 'no-wait', 'timeout'] },
  help: `Usage: mesitis provision INSTANCE_ID --plan NAME|ID [--service NAME|ID] [flags]

Provisions an instance of a plan for the consumer namespace and waits until it
is ready, printing progress to stderr. Names are looked up in the namespace's
catalog; --service is needed only when the plan name is in several services.

Flags:
  --service NAME|ID      the service (as "mesitis catalog" lists it)
  --plan NAME|ID         the plan (required)
  -p, --param KEY=VALUE  a provision parameter (repeatable; values are strings)
  --instance-name NAME   instance_name sent in the context (default INSTANCE_ID)
  --cluster-id ID        the cluster, sent as organization_guid and context.clusterid (or
                         MESITIS_CLUSTER_ID; default the current kube context's cluster,
                         else "kubernetes"); space_guid is the consumer namespace
  --wait / --no-wait     wait for an asynchronous provision to finish (default --wait)
  --timeout DURATION     how long to wait: 300 (seconds), 90s, 5m (default 300s)`,

  async run(invocation) {
    const { verb, values, positionals, client, context, io } = invocation;
    const instanceId = positionals[0]!;
    if (values.plan === undefined) return usage(io, verb, '--plan is required');
    const params = parameters(values);
    if (!params.ok) return usage(io, verb, params.error);
    const wait = shouldWait(values);
    if (!wait.ok) return usage(io, verb, wait.error);
    const timeout = timeoutMs(values);
    if (!timeout.ok) return usage(io, verb, timeout.error);

    const catalog = await client.catalog();
    if (!catalog.ok) return failOsb(io, verb, catalog.error, 'cannot read the catalog');
    const resolved = resolvePlan(catalog.value.body, context.namespace, values.service, values.plan);
    if (!resolved.ok) return fail(io, verb, resolved.error);

    const answer = await client.provision(instanceId, {
      service_id: resolved.value.service.id, plan_id: resolved.value.plan.id,
      // OSB's required pair, the Kubernetes way: the cluster as the organization, the namespace as the space.
      organization_guid: context.clusterId, space_guid: context.namespace,
      // The Kubernetes profile's context; the broker checks namespace against its view and the whitelist.
      context: { platform: 'kubernetes', clusterid: context.clusterId, namespace: context.namespace, instance_name: values['instance-name'] ?? instanceId },
      parameters: params.value,
    });
    if (!answer.ok) return failOsb(io, verb, answer.error);
    if (answer.value.status !== 202) {
      return report(invocation, instanceId, resolved.value, { state: 'succeeded', outcome: answer.value.status === 201 ? 'created' : 'exists' });
    }
    const operation = answer.value.body.operation;
    if (!wait.value) {
      return report(invocation, instanceId, resolved.value, { state: 'in progress', outcome: 'accepted', ...(operation !== undefined ? { operation } : {}) });
    }
    const done = await waitForAccepted(invocation, { kind: 'provision', instanceId, ids: planIds(resolved.value), operation, timeoutMs: timeout.value });
    if (!done.ok) return done.error;
    return report(invocation, instanceId, resolved.value, {
      state: 'succeeded', outcome: 'created', ...(operation !== undefined ? { operation } : {}),
      ...(done.value !== undefined ? { description: done.value } : {}),
    });
  },
};

export const runProvision = (args: string[], deps: ConsumerDeps) => runConsumerVerb(provisionVerb, args, deps);
