/**
 * `mesitis deprovision INSTANCE_ID`: remove an instance (and everything the
 * broker made for it) and, unless --no-wait, wait until it is gone.
 */
import { EXIT, fail, say, usage, type ExitCode } from './cli-io.js';
import { runConsumerVerb, waitForAccepted, type ConsumerDeps, type ConsumerVerb, type VerbInvocation } from './consumer-verb.js';
import { instancePlanIds, planFlagsProblem } from './instance-plan.js';
import { describeOsbFailure } from './osb-failure.js';
import { printJson } from './output.js';
import { shouldWait, timeoutMs } from './verb-arguments.js';

function report({ io, output, context }: VerbInvocation, instanceId: string, state: 'succeeded' | 'in progress', operation?: string): ExitCode {
  if (output === 'json') printJson(io, { instance_id: instanceId, namespace: context.namespace, state, ...(operation !== undefined ? { operation } : {}) });
  else if (state === 'succeeded') say(io, `instance ${instanceId} deprovisioned`);
  else say(io, `deprovision of instance ${instanceId} accepted; follow it with "mesitis status ${instanceId} -n ${context.namespace}"`);
  return EXIT.ok;
}

export const deprovisionVerb: ConsumerVerb = {
  syntax: { name: 'deprovision', positionals: ['INSTANCE_ID'], flags: ['service', 'plan', 'wait', 'no-wait', 'timeout'] },
  help: `Usage: mesitis deprovision INSTANCE_ID [flags]

Deprovisions an instance: the broker removes what it made for it and forgets
its bindings. Unbind first to delete Secrets written with "bind --secret".

Flags:
  --service, --plan      name the instance's service and plan instead of asking the broker
                         (needed for an instance whose provision never finished)
  --wait / --no-wait     wait for an asynchronous deprovision to finish (default --wait)
  --timeout DURATION     how long to wait: 300 (seconds), 90s, 5m (default 300s)`,

  async run(invocation) {
    const { verb, values, positionals, client, io } = invocation;
    const instanceId = positionals[0]!;
    const flagsProblem = planFlagsProblem(invocation);
    if (flagsProblem !== undefined) return usage(io, verb, flagsProblem);
    const wait = shouldWait(values);
    if (!wait.ok) return usage(io, verb, wait.error);
    const timeout = timeoutMs(values);
    if (!timeout.ok) return usage(io, verb, timeout.error);

    const ids = await instancePlanIds(invocation, instanceId, true);
    if (!ids.ok) return fail(io, verb, ids.error);
    const answer = await client.deprovision(instanceId, ids.value);
    if (!answer.ok) return fail(io, verb, describeOsbFailure(answer.error));
    const operation = answer.value.body.operation;
    if (answer.value.status !== 202) return report(invocation, instanceId, 'succeeded');
    if (!wait.value) return report(invocation, instanceId, 'in progress', operation);
    const done = await waitForAccepted(invocation, { kind: 'deprovision', instanceId, ids: ids.value, operation, timeoutMs: timeout.value });
    return done.ok ? report(invocation, instanceId, 'succeeded', operation) : done.error;
  },
};

export const runDeprovision = (args: string[], deps: ConsumerDeps) => runConsumerVerb(deprovisionVerb, args, deps);
