/**
 * `mesitis deprovision INSTANCE_ID`: remove an instance (and everything the
 * broker made for it) and, unless --no-wait, wait until it is gone. An
 * instance that is already gone is success with a note, so a cleanup script
 * can be run again.
 */
import { EXIT, fail, failOsb, say, usage, type ExitCode } from './cli-io.js';
import { runConsumerVerb, waitForAccepted, type ConsumerDeps, type ConsumerVerb, type VerbInvocation } from './consumer-verb.js';
import { instancePlanIds, isGone, planFlagsProblem } from './instance-plan.js';
import { printJson } from './output.js';
import { shouldWait, timeoutMs } from './verb-arguments.js';

type Outcome = 'succeeded' | 'in progress' | 'gone';

function report({ io, output, context }: VerbInvocation, instanceId: string, state: Outcome, operation?: string): ExitCode {
  if (output === 'json') printJson(io, { instance_id: instanceId, namespace: context.namespace, state, ...(operation !== undefined ? { operation } : {}) });
  else if (state === 'succeeded') say(io, `instance ${instanceId} deprovisioned`);
  else if (state === 'gone') say(io, `instance ${instanceId} was already gone: nothing to deprovision`);
  else say(io, `deprovision of instance ${instanceId} accepted; follow it with "mesitis status ${instanceId} -n ${context.namespace}"`);
  return EXIT.ok;
}

export const deprovisionVerb: ConsumerVerb = {
  syntax: { name: 'deprovision', positionals: ['INSTANCE_ID'], flags: ['service', 'plan', 'wait', 'no-wait', 'timeout'] },
  help: `Usage: mesitis deprovision INSTANCE_ID [flags]

Deprovisions an instance: the broker removes what it made for it and forgets
its bindings. Unbind first to delete Secrets written with "bind --secret".
An instance the broker no longer knows (410 Gone, 404 Not Found) is reported
as already gone, with exit code 0, so cleanup scripts can be run again.

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
    if (!ids.ok && ids.error.gone) return report(invocation, instanceId, 'gone');
    if (!ids.ok) return fail(io, verb, ids.error.message, EXIT.failure, ids.error.failure);
    const answer = await client.deprovision(instanceId, ids.value);
    if (!answer.ok && isGone(answer.error)) return report(invocation, instanceId, 'gone');
    if (!answer.ok) return failOsb(io, verb, answer.error);
    const operation = answer.value.body.operation;
    if (answer.value.status !== 202) return report(invocation, instanceId, 'succeeded');
    if (!wait.value) return report(invocation, instanceId, 'in progress', operation);
    const done = await waitForAccepted(invocation, { kind: 'deprovision', instanceId, ids: ids.value, operation, timeoutMs: timeout.value });
    return done.ok ? report(invocation, instanceId, 'succeeded', operation) : done.error;
  },
};

export const runDeprovision = (args: string[], deps: ConsumerDeps) => runConsumerVerb(deprovisionVerb, args, deps);
