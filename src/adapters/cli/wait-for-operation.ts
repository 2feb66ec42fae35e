/**
 * Polls last_operation until an asynchronous provision, update or deprovision ends,
 * writing one progress line to stderr per poll, e.g.
 * `waiting for provision of i-1: in progress (12s)`. A broker that is briefly
 * away (restarting, behind a reloading proxy) does not end the wait; only
 * the timeout does.
 */
import { EXIT, fail, failOsb, type CliIo, type ExitCode } from './cli-io.js';
import { describeOsbFailure, isStatus, type OsbFailure } from './osb-failure.js';
import type { OsbHttpClient, PlanIds } from './osb-http-client.js';

export type OperationKind = 'provision' | 'deprovision' | 'update' | 'bind' | 'unbind';

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface WaitRequest {
  readonly client: Pick<OsbHttpClient, 'lastOperation'>;
  readonly kind: OperationKind;
  readonly instanceId: string;
  /** What progress lines name, e.g. "binding b-1 of i-1" (default the instance id); a binding's client polls its own last_operation. */
  readonly subject?: string;
  /** The operation the 202 named, sent back so the broker can tell operations apart. */
  readonly operation?: string;
  readonly ids?: PlanIds;
  readonly timeoutMs: number;
  readonly pollIntervalMs: number;
  readonly io: CliIo;
  readonly clock?: Clock;
}

export type WaitOutcome =
  | { readonly kind: 'succeeded'; readonly description?: string }
  | { readonly kind: 'failed'; readonly description?: string }
  | { readonly kind: 'timeout'; readonly elapsedMs: number; readonly lastState: string }
  | { readonly kind: 'error'; readonly failure: OsbFailure };

const TRANSIENT_STATUSES = new Set([502, 503, 504]);
const isTransient = (failure: OsbFailure): boolean =>
  failure.kind === 'unreachable' || (failure.kind === 'status' && TRANSIENT_STATUSES.has(failure.status));

const seconds = (ms: number): string => `${Math.round(ms / 1000)}s`;

export async function waitForOperation(request: WaitRequest): Promise<WaitOutcome> {
  const clock = request.clock ?? systemClock;
  const started = clock.now();
  const progress = (state: string, elapsed: number): void => {
    request.io.err.write(`waiting for ${request.kind} of ${request.subject ?? request.instanceId}: ${state} (${seconds(elapsed)})\n`);
  };
  for (;;) {
    const polled = await request.client.lastOperation(request.instanceId, request.operation, request.ids);
    const elapsed = clock.now() - started;
    let state: string;
    if (polled.ok) {
      const { state: current, description } = polled.value.body;
      if (current !== 'in progress') return { kind: current, ...(description !== undefined ? { description } : {}) };
      state = description !== undefined ? `in progress, ${description}` : 'in progress';
    } else if ((request.kind === 'deprovision' || request.kind === 'unbind') && isStatus(polled.error, 410)) {
      // 410 on last_operation is how OSB says an asynchronous delete has finished.
      return { kind: 'succeeded', description: request.kind === 'unbind' ? 'the binding is gone' : 'the instance is gone' };
    } else if (isTransient(polled.error)) {
      state = `${describeOsbFailure(polled.error)}; retrying`;
    } else {
      return { kind: 'error', failure: polled.error };
    }
    progress(state, elapsed);
    if (elapsed >= request.timeoutMs) return { kind: 'timeout', elapsedMs: elapsed, lastState: state };
    await clock.sleep(Math.min(request.pollIntervalMs, request.timeoutMs - elapsed));
  }
}

/** The message and exit code of a wait that did not succeed. */
export function reportUnfinished(io: CliIo, verb: string, request: Pick<WaitRequest, 'kind' | 'instanceId' | 'subject'>, namespace: string, outcome: Exclude<WaitOutcome, { kind: 'succeeded' }>): ExitCode {
  const what = `${request.kind} of ${request.subject ?? request.instanceId}`;
  switch (outcome.kind) {
    case 'failed':
      return fail(io, verb, `${what} failed: ${outcome.description ?? 'the broker gave no reason'}`);
    case 'error':
      return failOsb(io, verb, outcome.failure, `while waiting for ${what}`);
    case 'timeout':
      return fail(
        io, verb,
        `timed out after ${seconds(outcome.elapsedMs)} waiting for ${what} (last state: ${outcome.lastState}); ` +
          `the broker carries on: follow it with "mesitis status ${request.instanceId} -n ${namespace}"`,
        EXIT.timeout,
      );
  }
}
