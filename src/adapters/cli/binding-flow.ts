/**
 * Binding and unbinding as every consumer verb needs them, asynchronous
 * ones included (OSB 2.14): PUT or DELETE with accepts_incomplete; on 202,
 * poll the binding's last_operation with a progress line per poll on
 * stderr (wait-for-operation.ts); then, for a bind, GET the binding for its
 * credentials, which a 202 never carries. `mesitis bind` and `unbind` run
 * these; a rotation runs both (bind the successor, unbind the predecessor).
 * Nothing here prints a credential.
 */
import { err, ok, type Result } from '../../domain/result.js';
import type { CliIo, ExitCode } from './cli-io.js';
import { failOsb } from './cli-io.js';
import { DEFAULT_POLL_INTERVAL_MS, type VerbInvocation } from './consumer-verb.js';
import { isGone } from './instance-plan.js';
import type { OsbFailure } from './osb-failure.js';
import type { BindingBody, OsbHttpClient, PlanIds } from './osb-http-client.js';
import type { Binding } from './osb-responses.js';
import { reportUnfinished, waitForOperation, type Clock, type WaitOutcome, type WaitRequest } from './wait-for-operation.js';

export interface BindingTarget {
  readonly instanceId: string;
  readonly bindingId: string;
  /** The instance's service and plan: sent with the DELETE and as hints with every poll. */
  readonly ids: PlanIds;
}

/** How to wait for a 202: where progress goes, for how long, how often to poll. */
export interface WaitSettings {
  readonly io: CliIo;
  readonly timeoutMs: number;
  readonly pollIntervalMs: number;
  readonly clock?: Clock;
}

/** A verb's wait: its stderr, its --timeout, the poll interval and clock its caller chose. */
export function waitSettings({ io, deps }: Pick<VerbInvocation, 'io' | 'deps'>, timeoutMs: number): WaitSettings {
  return { io, timeoutMs, pollIntervalMs: deps.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS, ...(deps.clock ? { clock: deps.clock } : {}) };
}

export type BindingClient = Pick<OsbHttpClient, 'bind' | 'unbind' | 'bindingLastOperation' | 'fetchBinding'>;

export interface Bound {
  /** Made by this call (201, or 202 and then succeeded), not an identical one already there (200). */
  readonly created: boolean;
  readonly binding: Binding;
  /** The operation a 202 named, when the bind was asynchronous. */
  readonly operation?: string;
}

export type BindingFailure =
  /** The broker answered an error: to the PUT or DELETE, or (`what`) to a later call. */
  | { readonly kind: 'refused'; readonly failure: OsbFailure; readonly what?: string }
  /** The asynchronous operation failed, timed out, or its polling went wrong. */
  | { readonly kind: 'unfinished'; readonly operation: 'bind' | 'unbind'; readonly outcome: Exclude<WaitOutcome, { kind: 'succeeded' }> };

/** "binding b-1 of i-1": what progress lines and messages name. */
export const describeBinding = (target: Pick<BindingTarget, 'instanceId' | 'bindingId'>): string => `binding ${target.bindingId} of ${target.instanceId}`;

function waitRequest(client: BindingClient, target: BindingTarget, kind: 'bind' | 'unbind', operation: string | undefined, wait: WaitSettings): WaitRequest {
  return {
    // The binding's own last_operation, behind the instance-shaped poll the waiter makes.
    client: { lastOperation: (_instanceId, op, ids) => client.bindingLastOperation(target.instanceId, target.bindingId, op, ids) },
    kind, instanceId: target.instanceId, subject: describeBinding(target), ids: target.ids,
    timeoutMs: wait.timeoutMs, pollIntervalMs: wait.pollIntervalMs, io: wait.io,
    ...(operation !== undefined ? { operation } : {}),
    ...(wait.clock ? { clock: wait.clock } : {}),
  };
}

/** Binds, waits for an asynchronous bind to succeed, and answers the binding with its credentials. */
export async function bindAndWait(client: BindingClient, target: BindingTarget, body: BindingBody, wait: WaitSettings): Promise<Result<Bound, BindingFailure>> {
  const answer = await client.bind(target.instanceId, target.bindingId, body);
  if (!answer.ok) return err({ kind: 'refused', failure: answer.error });
  if (answer.value.status !== 202) {
    const { operation: _none, ...binding } = answer.value.body;
    return ok({ created: answer.value.status === 201, binding });
  }
  const operation = answer.value.body.operation;
  const done = await waitForOperation(waitRequest(client, target, 'bind', operation, wait));
  if (done.kind !== 'succeeded') return err({ kind: 'unfinished', operation: 'bind', outcome: done });
  // OSB: once last_operation says succeeded, GET binding answers the credentials.
  const fetched = await client.fetchBinding(target.instanceId, target.bindingId);
  if (!fetched.ok) return err({ kind: 'refused', failure: fetched.error, what: `fetching ${describeBinding(target)} after it was made` });
  return ok({ created: true, binding: fetched.value.body, ...(operation !== undefined ? { operation } : {}) });
}

/** Unbinds and waits for an asynchronous unbind to finish: 'removed' now, or 'gone' already (410/404). */
export async function unbindAndWait(client: BindingClient, target: BindingTarget, wait: WaitSettings): Promise<Result<'removed' | 'gone', BindingFailure>> {
  const answer = await client.unbind(target.instanceId, target.bindingId, target.ids);
  if (!answer.ok) return isGone(answer.error) ? ok('gone') : err({ kind: 'refused', failure: answer.error });
  if (answer.value.status !== 202) return ok('removed');
  const done = await waitForOperation(waitRequest(client, target, 'unbind', answer.value.body.operation, wait));
  return done.kind === 'succeeded' ? ok('removed') : err({ kind: 'unfinished', operation: 'unbind', outcome: done });
}

/** The message and exit code of a bind or unbind that did not succeed. */
export function reportBindingFailure(io: CliIo, verb: string, target: BindingTarget, namespace: string, failure: BindingFailure): ExitCode {
  if (failure.kind === 'refused') return failOsb(io, verb, failure.failure, failure.what);
  return reportUnfinished(io, verb, { kind: failure.operation, instanceId: target.instanceId, subject: describeBinding(target) }, namespace, failure.outcome);
}
