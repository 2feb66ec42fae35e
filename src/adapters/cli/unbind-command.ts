/**
 * `mesitis unbind INSTANCE_ID BINDING_ID [--secret NAME]`: delete the
 * consumer's Secret (only when it holds this binding) and then the binding.
 * The Secret goes first: if it cannot be removed, the binding stays too, and
 * the same command can simply be run again.
 */
import { EXIT, fail, say, usage } from './cli-io.js';
import { describeTarget } from './consumer-secret.js';
import { openSecretStore, runConsumerVerb, secretNameProblem, type ConsumerDeps, type ConsumerVerb } from './consumer-verb.js';
import { instancePlanIds, planFlagsProblem } from './instance-plan.js';
import { describeOsbFailure } from './osb-failure.js';
import { printJson } from './output.js';

export const unbindVerb: ConsumerVerb = {
  syntax: { name: 'unbind', positionals: ['INSTANCE_ID', 'BINDING_ID'], flags: ['secret', 'service', 'plan'] },
  help: `Usage: mesitis unbind INSTANCE_ID BINDING_ID [--secret NAME] [flags]

Removes a binding. With --secret, first deletes that Secret from the consumer
namespace (with your own kube credentials), but only when it holds this
binding; a Secret that is already gone is fine.

Flags:
  --secret NAME          the Secret "mesitis bind --secret" wrote
  --service, --plan      name the instance's service and plan instead of asking the broker`,

  async run(invocation) {
    const { verb, values, positionals, client, context, output, io } = invocation;
    const [instanceId, bindingId] = [positionals[0]!, positionals[1]!];
    const flagsProblem = planFlagsProblem(invocation) ?? (values.secret !== undefined ? secretNameProblem(values.secret) : undefined);
    if (flagsProblem !== undefined) return usage(io, verb, flagsProblem);
    const store = values.secret !== undefined ? openSecretStore(invocation) : undefined;
    if (store && !store.ok) return usage(io, verb, store.error);

    const ids = await instancePlanIds(invocation, instanceId, true);
    if (!ids.ok) return fail(io, verb, ids.error);
    const target = values.secret !== undefined ? { namespace: context.namespace, name: values.secret, instanceId, bindingId } : undefined;
    const removed = store?.ok && target ? await store.value.delete(target) : undefined;
    if (removed && !removed.ok) return fail(io, verb, `${removed.error}; the binding was left as it is`);
    const answer = await client.unbind(instanceId, bindingId, ids.value);
    if (!answer.ok) return fail(io, verb, describeOsbFailure(answer.error));

    if (output === 'json') {
      const secret = target && removed?.ok ? { secret: { namespace: target.namespace, name: target.name, outcome: removed.value } } : {};
      printJson(io, { instance_id: instanceId, binding_id: bindingId, unbound: true, ...secret });
      return EXIT.ok;
    }
    if (target && removed?.ok) say(io, `${describeTarget(target)} ${removed.value === 'deleted' ? 'deleted' : 'was already gone'}`);
    say(io, `binding ${bindingId} of instance ${instanceId} removed`);
    return EXIT.ok;
  },
};

export const runUnbind = (args: string[], deps: ConsumerDeps) => runConsumerVerb(unbindVerb, args, deps);
