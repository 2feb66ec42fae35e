/**
 * `mesitis unbind INSTANCE_ID BINDING_ID [--secret NAME]`: delete the
 * consumer's Secret (only when it holds this binding) and then the binding.
 * The Secret goes first: if it cannot be removed, the binding stays too, and
 * the same command can simply be run again. A binding (or instance) that is
 * already gone is success with a note, for the same reason. An unbind the
 * broker finishes asynchronously (objects that take time to go) is waited
 * for, with progress on stderr (binding-flow.ts).
 */
import { reportBindingFailure, unbindAndWait, waitSettings } from './binding-flow.js';
import { EXIT, fail, say, usage, type ExitCode } from './cli-io.js';
import { describeTarget, type SecretTarget } from './consumer-secret.js';
import { openSecretStore, runConsumerVerb, secretNameProblem, type ConsumerDeps, type ConsumerVerb, type VerbInvocation } from './consumer-verb.js';
import { instancePlanIds, planFlagsProblem } from './instance-plan.js';
import { printJson } from './output.js';
import { timeoutMs } from './verb-arguments.js';

/** What happened to the binding: removed now, already gone, or gone with its instance. */
type Unbound = 'removed' | 'binding gone' | 'instance gone';

const UNBOUND_TEXT: Readonly<Record<Unbound, (instanceId: string, bindingId: string) => string>> = {
  removed: (i, b) => `binding ${b} of instance ${i} removed`,
  'binding gone': (i, b) => `binding ${b} of instance ${i} was already gone`,
  'instance gone': (i, b) => `instance ${i} is gone, and binding ${b} with it`,
};

function report(invocation: VerbInvocation, instanceId: string, bindingId: string, unbound: Unbound, secret?: { target: SecretTarget; outcome: string }): ExitCode {
  const { io, output } = invocation;
  if (output === 'json') {
    const secretJson = secret ? { secret: { namespace: secret.target.namespace, name: secret.target.name, outcome: secret.outcome } } : {};
    printJson(io, { instance_id: instanceId, binding_id: bindingId, unbound: true, ...(unbound !== 'removed' ? { already_gone: true } : {}), ...secretJson });
    return EXIT.ok;
  }
  if (secret) say(io, `${describeTarget(secret.target)} ${secret.outcome === 'deleted' ? 'deleted' : 'was already gone'}`);
  say(io, UNBOUND_TEXT[unbound](instanceId, bindingId));
  return EXIT.ok;
}

export const unbindVerb: ConsumerVerb = {
  syntax: { name: 'unbind', positionals: ['INSTANCE_ID', 'BINDING_ID'], flags: ['secret', 'service', 'plan', 'timeout'] },
  help: `Usage: mesitis unbind INSTANCE_ID BINDING_ID [--secret NAME] [flags]

Removes a binding. With --secret, first deletes that Secret from the consumer
namespace (with your own kube credentials), but only when it holds this
binding; a Secret that is already gone is fine. A binding or instance the
broker no longer knows (410 Gone, 404 Not Found) is reported as already gone,
with exit code 0, so cleanup scripts can be run again.

Flags:
  --secret NAME          the Secret "mesitis bind --secret" wrote
  --service, --plan      name the instance's service and plan instead of asking the broker
  --timeout DURATION     how long to wait for an asynchronous unbind: 300 (seconds), 90s, 5m (default 300s)`,

  async run(invocation) {
    const { verb, values, positionals, client, context, io } = invocation;
    const [instanceId, bindingId] = [positionals[0]!, positionals[1]!];
    const flagsProblem = planFlagsProblem(invocation) ?? (values.secret !== undefined ? secretNameProblem(values.secret) : undefined);
    if (flagsProblem !== undefined) return usage(io, verb, flagsProblem);
    const timeout = timeoutMs(values);
    if (!timeout.ok) return usage(io, verb, timeout.error);
    const store = values.secret !== undefined ? openSecretStore(invocation) : undefined;
    if (store && !store.ok) return usage(io, verb, store.error);

    const ids = await instancePlanIds(invocation, instanceId, true);
    if (!ids.ok && !ids.error.gone) return fail(io, verb, ids.error.message, EXIT.failure, ids.error.failure);
    const target = values.secret !== undefined ? { namespace: context.namespace, name: values.secret, instanceId, bindingId } : undefined;
    // Even with the instance gone, a Secret holding this binding is stale: remove it too.
    const removed = store?.ok && target ? await store.value.delete(target) : undefined;
    if (removed && !removed.ok) return fail(io, verb, `${removed.error}; the binding was left as it is`);
    const secret = target && removed?.ok ? { target, outcome: removed.value } : undefined;
    if (!ids.ok) return report(invocation, instanceId, bindingId, 'instance gone', secret);
    const binding = { instanceId, bindingId, ids: ids.value };
    const answer = await unbindAndWait(client, binding, waitSettings(invocation, timeout.value));
    if (!answer.ok) return reportBindingFailure(io, verb, binding, context.namespace, answer.error);
    return report(invocation, instanceId, bindingId, answer.value === 'gone' ? 'binding gone' : 'removed', secret);
  },
};

export const runUnbind = (args: string[], deps: ConsumerDeps) => runConsumerVerb(unbindVerb, args, deps);
