/**
 * `mesitis bind INSTANCE_ID BINDING_ID [--secret NAME]`: get credentials for
 * an instance and, with --secret, keep them in a Secret in the consumer
 * namespace. A bind the broker makes asynchronously (its objects need time)
 * is waited for with progress on stderr (binding-flow.ts). Values are
 * masked on the terminal unless asked for: credentials on a screen (or in a
 * CI log) by accident are a leak.
 */
import { err, type Result } from '../../domain/result.js';
import {
  bindAndWait, reportBindingFailure, unbindAndWait, waitSettings, type BindingFailure, type BindingTarget, type Bound, type WaitSettings,
} from './binding-flow.js';
import { EXIT, fail, say, usage, type ExitCode } from './cli-io.js';
import { credentialStrings, describeTarget, type ConsumerSecretStore, type SecretTarget } from './consumer-secret.js';
import { openSecretStore, runConsumerVerb, secretNameProblem, type ConsumerDeps, type ConsumerVerb, type VerbInvocation } from './consumer-verb.js';
import { instancePlanIds } from './instance-plan.js';
import { describeOsbFailure } from './osb-failure.js';
import { printJson, printTable } from './output.js';
import { parameters, timeoutMs } from './verb-arguments.js';

const MASK = '********';

type Reported = Bound & { readonly secret?: { readonly target: SecretTarget; readonly outcome: 'created' | 'replaced' } };

/** Writes the Secret; a binding made just now is undone when that fails, so a retry starts clean. */
async function keepInSecret(
  invocation: VerbInvocation, store: ConsumerSecretStore, target: SecretTarget, binding: BindingTarget, bound: Bound, wait: WaitSettings,
): Promise<Result<'created' | 'replaced', string>> {
  const written = await store.write(target, bound.binding.credentials ?? {});
  if (written.ok) return written;
  if (!bound.created) return err(`${written.error} (binding ${target.bindingId} remains, as it was before)`);
  const undone = await unbindAndWait(invocation.client, binding, wait);
  const why = (failure: BindingFailure) => (failure.kind === 'refused' ? describeOsbFailure(failure.failure) : `its unbind did not finish (${failure.outcome.kind})`);
  return err(`${written.error} (${undone.ok ? 'the new binding was removed again' : `the new binding could not be removed: ${why(undone.error)}`})`);
}

function report({ io, output, values }: VerbInvocation, instanceId: string, bindingId: string, bound: Reported): ExitCode {
  const credentials = bound.binding.credentials ?? {};
  const secret = bound.secret ? { namespace: bound.secret.target.namespace, name: bound.secret.target.name, outcome: bound.secret.outcome } : undefined;
  if (output === 'json') {
    printJson(io, { instance_id: instanceId, binding_id: bindingId, created: bound.created, ...bound.binding, credentials, ...(secret ? { secret } : {}) });
    return EXIT.ok;
  }
  say(io, `binding ${bindingId} of instance ${instanceId} ${bound.created ? 'created' : 'already exists with these attributes'}`);
  if (bound.secret) say(io, `credentials ${bound.secret.outcome === 'created' ? 'written to' : 'rewritten in'} ${describeTarget(bound.secret.target)}`);
  for (const endpoint of bound.binding.endpoints ?? []) say(io, `endpoint ${endpoint.host} ports ${endpoint.ports.join(',')}${endpoint.protocol ? ` (${endpoint.protocol})` : ''}`);
  const shown = credentialStrings(credentials);
  const keys = Object.keys(shown).sort();
  if (keys.length === 0) {
    say(io, 'the binding carries no credentials');
    return EXIT.ok;
  }
  const show = values['show-credentials'] === true;
  printTable(io, ['KEY', 'VALUE'], keys.map((key) => [key, show ? shown[key]! : MASK]));
  if (!show) io.err.write('values are hidden: --show-credentials or -o json prints them\n');
  return EXIT.ok;
}

export const bindVerb: ConsumerVerb = {
  syntax: { name: 'bind', positionals: ['INSTANCE_ID', 'BINDING_ID'], flags: ['param', 'secret', 'show-credentials', 'timeout'] },
  help: `Usage: mesitis bind INSTANCE_ID BINDING_ID [--secret NAME] [flags]

Creates a binding to a provisioned instance. Prints the credential keys with
their values masked, unless --show-credentials or -o json. With --secret the
credentials are written to a Secret in the consumer namespace, with your own
kube credentials (you need create/update on Secrets there; the broker needs
nothing). An existing Secret of that name is replaced only when it holds this
same binding. A binding whose objects need time to become ready (a user made
by a Job or an operator) is waited for, with progress on stderr.

Flags:
  --secret NAME          write the credentials to this Secret in the consumer namespace
  --show-credentials     print the credential values
  -p, --param KEY=VALUE  a binding parameter (repeatable; values are strings)
  --timeout DURATION     how long to wait for an asynchronous bind: 300 (seconds), 90s, 5m (default 300s)`,

  async run(invocation) {
    const { verb, values, positionals, client, context, io } = invocation;
    const [instanceId, bindingId] = [positionals[0]!, positionals[1]!];
    const params = parameters(values);
    if (!params.ok) return usage(io, verb, params.error);
    const timeout = timeoutMs(values);
    if (!timeout.ok) return usage(io, verb, timeout.error);
    const nameProblem = values.secret !== undefined ? secretNameProblem(values.secret) : undefined;
    if (nameProblem !== undefined) return usage(io, verb, nameProblem);
    const store = values.secret !== undefined ? openSecretStore(invocation) : undefined;
    if (store && !store.ok) return usage(io, verb, store.error);
    const target = values.secret !== undefined ? { namespace: context.namespace, name: values.secret, instanceId, bindingId } : undefined;

    const ids = await instancePlanIds(invocation, instanceId, false);
    if (!ids.ok) return fail(io, verb, ids.error.message, EXIT.failure, ids.error.failure);
    // Refuse a foreign Secret before binding, so a refusal leaves nothing behind at the broker.
    if (store?.ok && target) {
      const free = await store.value.check(target);
      if (!free.ok) return fail(io, verb, free.error);
    }
    const binding: BindingTarget = { instanceId, bindingId, ids: ids.value };
    const wait = waitSettings(invocation, timeout.value);
    const answer = await bindAndWait(client, binding, {
      service_id: ids.value.serviceId, plan_id: ids.value.planId,
      context: { platform: 'kubernetes', namespace: context.namespace }, parameters: params.value,
    }, wait);
    if (!answer.ok) return reportBindingFailure(io, verb, binding, context.namespace, answer.error);
    const bound = answer.value;
    if (!store?.ok || !target) return report(invocation, instanceId, bindingId, bound);
    const kept = await keepInSecret(invocation, store.value, target, binding, bound, wait);
    if (!kept.ok) return fail(io, verb, kept.error);
    return report(invocation, instanceId, bindingId, { ...bound, secret: { target, outcome: kept.value } });
  },
};

export const runBind = (args: string[], deps: ConsumerDeps) => runConsumerVerb(bindVerb, args, deps);
