/**
 * `mesitis rotate INSTANCE_ID BINDING_ID --secret NAME`: replace a binding's
 * credentials without a moment without valid ones (OSB 2.17 rotation). The
 * order is the point: the successor is bound (and waited for) while the
 * predecessor still works; the consumer's Secret is then rewritten in
 * place, same object, so mounted volumes take the new values; only then is
 * the predecessor unbound. A failure before the Secret changes leaves
 * everything as it was; a failure after it leaves the consumer on the new
 * credentials and says how to remove the old binding. No credential is
 * printed.
 */
import { randomUUID } from 'node:crypto';
import { err, ok, type Result } from '../../domain/result.js';
import {
  bindAndWait, describeBinding, reportBindingFailure, unbindAndWait, waitSettings, type BindingFailure, type BindingTarget, type Bound,
} from './binding-flow.js';
import { EXIT, fail, failOsb, say, usage, type CliIo, type ExitCode } from './cli-io.js';
import { absentForHandOver, describeTarget, type ConsumerSecretStore, type SecretTarget } from './consumer-secret.js';
import { openSecretStore, runConsumerVerb, secretNameProblem, type ConsumerDeps, type ConsumerVerb, type VerbInvocation } from './consumer-verb.js';
import { instancePlanIds } from './instance-plan.js';
import { printJson } from './output.js';
import { timeoutMs } from './verb-arguments.js';

/** One line of progress on stderr, never mixed into -o json. */
const progress = (io: CliIo, line: string): void => {
  io.err.write(`${line}\n`);
};

/** The failure of a bind or unbind as reportBindingFailure words it, plus where the rotation stands: one error, also under -o json. */
function failStep(invocation: VerbInvocation, binding: BindingTarget, failure: BindingFailure, standing: string): ExitCode {
  const { io, verb, context } = invocation;
  const words: string[] = [];
  const code = reportBindingFailure({ out: { write: () => undefined }, err: { write: (text: string) => words.push(text) } }, verb, binding, context.namespace, failure);
  const message = words.join('').trim().replace(`mesitis ${verb}: `, '');
  return fail(io, verb, `${message}; ${standing}`, code, failure.kind === 'refused' ? failure.failure : undefined);
}

interface Rotated {
  readonly successor: BindingTarget;
  readonly bound: Bound;
  readonly secret: SecretTarget;
  readonly predecessor: 'removed' | 'gone';
}

function report({ io, output }: VerbInvocation, predecessorId: string, { successor, bound, secret, predecessor }: Rotated): ExitCode {
  const expiresAt = bound.binding.metadata?.['expires_at'];
  const renewBefore = bound.binding.metadata?.['renew_before'];
  if (output === 'json') {
    printJson(io, {
      instance_id: successor.instanceId, binding_id: successor.bindingId, predecessor_binding_id: predecessorId, created: bound.created,
      secret: { namespace: secret.namespace, name: secret.name, outcome: 'replaced' },
      predecessor: predecessor === 'removed' ? 'removed' : 'already gone',
      ...(bound.binding.metadata ? { metadata: bound.binding.metadata } : {}),
    });
    return EXIT.ok;
  }
  say(io, `binding ${successor.bindingId} of instance ${successor.instanceId} ${bound.created ? 'created' : 'already existed'}, successor of ${predecessorId}`);
  say(io, `credentials of binding ${successor.bindingId} written to ${describeTarget(secret)} in place`);
  say(io, `binding ${predecessorId} of instance ${successor.instanceId} ${predecessor === 'removed' ? 'removed' : 'was already gone'}`);
  if (typeof expiresAt === 'string') say(io, `binding ${successor.bindingId} expires ${expiresAt}${typeof renewBefore === 'string' ? `, renew before ${renewBefore}` : ''}`);
  return EXIT.ok;
}

/** Rewrites the Secret for the successor; if that fails the successor is unbound again, so the command can be rerun from where it was. */
async function handOver(
  invocation: VerbInvocation, store: ConsumerSecretStore, secret: SecretTarget, successor: BindingTarget, bound: Bound, timeout: number,
): Promise<ExitCode | undefined> {
  const written = await store.handOver(secret, successor.bindingId, bound.binding.credentials ?? {});
  if (written.ok) return undefined;
  const { io, verb } = invocation;
  if (!bound.created) return fail(io, verb, `${written.error}; binding ${successor.bindingId} existed before and is left as it is`);
  progress(io, `removing ${describeBinding(successor)} again: the Secret still holds ${secret.bindingId}`);
  const undone = await unbindAndWait(invocation.client, successor, waitSettings(invocation, timeout));
  if (undone.ok) return fail(io, verb, `${written.error}; binding ${successor.bindingId} was removed again: ${secret.bindingId} and its Secret are as they were`);
  return failStep(invocation, successor, undone.error, `${written.error}; binding ${successor.bindingId} could not be removed again: remove it with "mesitis unbind ${successor.instanceId} ${successor.bindingId} -n ${secret.namespace}"`);
}

/** What the command line asks for. */
interface Rotation {
  readonly instanceId: string;
  readonly predecessorId: string;
  readonly successorId: string;
  /** The consumer's Secret, as the predecessor holds it. */
  readonly secret: SecretTarget;
  readonly store: ConsumerSecretStore;
  readonly timeoutMs: number;
}

/** The rotation the arguments describe, or the exit code of the usage error reported. */
function rotationOf(invocation: VerbInvocation): Result<Rotation, ExitCode> {
  const { verb, values, positionals, context, io } = invocation;
  const [instanceId, predecessorId] = [positionals[0]!, positionals[1]!];
  if (values.secret === undefined) return err(usage(io, verb, '--secret is required: rotate rewrites the Secret that holds the binding'));
  const successorId = values['new-binding-id'] ?? randomUUID();
  const problem = secretNameProblem(values.secret)
    ?? (successorId.trim() === '' ? '--new-binding-id must not be empty' : undefined)
    ?? (successorId === predecessorId ? '--new-binding-id must differ from BINDING_ID' : undefined);
  if (problem !== undefined) return err(usage(io, verb, problem));
  const timeout = timeoutMs(values);
  if (!timeout.ok) return err(usage(io, verb, timeout.error));
  const store = openSecretStore(invocation);
  if (!store.ok) return err(usage(io, verb, store.error));
  const secret = { namespace: context.namespace, name: values.secret, instanceId, bindingId: predecessorId };
  return ok({ instanceId, predecessorId, successorId, secret, store: store.value, timeoutMs: timeout.value });
}

/** Binds the successor with the predecessor's parameters and waits; a failure is reported with where things stand. */
async function bindSuccessor(invocation: VerbInvocation, rotation: Rotation, successor: BindingTarget, parameters: Readonly<Record<string, unknown>>): Promise<Result<Bound, ExitCode>> {
  const { client, context, io } = invocation;
  const { instanceId, predecessorId, successorId, secret } = rotation;
  progress(io, `rotating binding ${predecessorId} of ${instanceId}: binding its successor ${successorId}`);
  const answer = await bindAndWait(client, successor, {
    service_id: successor.ids.serviceId, plan_id: successor.ids.planId, predecessor_binding_id: predecessorId,
    context: { platform: 'kubernetes', namespace: context.namespace }, parameters,
  }, waitSettings(invocation, rotation.timeoutMs));
  if (answer.ok) return answer;
  const timedOut = answer.error.kind === 'unfinished' && answer.error.outcome.kind === 'timeout';
  const standing = timedOut
    ? `binding ${predecessorId} and ${describeTarget(secret)} are unchanged; the broker may still make ${successorId}: remove it with "mesitis unbind ${instanceId} ${successorId} -n ${context.namespace}"`
    : `nothing changed: binding ${predecessorId} and ${describeTarget(secret)} are as they were`;
  return err(failStep(invocation, successor, answer.error, standing));
}

export const rotateVerb: ConsumerVerb = {
  syntax: { name: 'rotate', positionals: ['INSTANCE_ID', 'BINDING_ID'], flags: ['secret', 'new-binding-id', 'timeout'] },
  help: `Usage: mesitis rotate INSTANCE_ID BINDING_ID --secret NAME [flags]

Replaces a binding with a successor that has new credentials (for plans that
are binding_rotatable), without a moment without valid credentials: binds the
successor (with the binding's parameters) while BINDING_ID still works,
rewrites the Secret "mesitis bind --secret" wrote in place (same Secret, so
mounted files change and no manifest does), then unbinds BINDING_ID. Progress
goes to stderr; no credential is printed. If the successor cannot be made,
nothing changes. If the old binding cannot be removed, the Secret already
holds the new credentials: remove it with "mesitis unbind" (exit code 1).

Flags:
  --secret NAME          the Secret that holds BINDING_ID's credentials (required)
  --new-binding-id ID    the successor's id (default: a random UUID, printed)
  --timeout DURATION     how long to wait for each asynchronous bind or unbind: 300 (seconds), 90s, 5m (default 300s)`,

  async run(invocation) {
    const parsed = rotationOf(invocation);
    if (!parsed.ok) return parsed.error;
    const rotation = parsed.value;
    const { verb, client, io } = invocation;
    const { instanceId, predecessorId, successorId, secret, store } = rotation;

    // Everything that can be checked is, before anything changes.
    const ids = await instancePlanIds(invocation, instanceId, false);
    if (!ids.ok) return fail(io, verb, ids.error.message, EXIT.failure, ids.error.failure);
    const held = await store.check(secret);
    if (!held.ok) return fail(io, verb, held.error);
    if (held.value === 'absent') return fail(io, verb, absentForHandOver(secret));
    const current = await client.fetchBinding(instanceId, predecessorId);
    if (!current.ok) return failOsb(io, verb, current.error, `cannot fetch binding ${predecessorId}`);

    const successor: BindingTarget = { instanceId, bindingId: successorId, ids: ids.value };
    const bound = await bindSuccessor(invocation, rotation, successor, current.value.body.parameters ?? {});
    if (!bound.ok) return bound.error;
    const handed = await handOver(invocation, store, secret, successor, bound.value, rotation.timeoutMs);
    if (handed !== undefined) return handed;
    progress(io, `${describeTarget(secret)} now holds binding ${successorId}; unbinding ${predecessorId}`);
    const predecessor: BindingTarget = { instanceId, bindingId: predecessorId, ids: ids.value };
    const unbound = await unbindAndWait(client, predecessor, waitSettings(invocation, rotation.timeoutMs));
    if (!unbound.ok) {
      const retry = `"mesitis unbind ${instanceId} ${predecessorId} -n ${secret.namespace}" (without --secret: the Secret is ${successorId}'s now)`;
      return failStep(invocation, predecessor, unbound.error, `${describeTarget(secret)} already holds the credentials of ${successorId}; remove ${predecessorId} with ${retry}`);
    }
    return report(invocation, predecessorId, { successor, bound: bound.value, secret: { ...secret, bindingId: successorId }, predecessor: unbound.value });
  },
};

export const runRotate = (args: string[], deps: ConsumerDeps) => runConsumerVerb(rotateVerb, args, deps);
