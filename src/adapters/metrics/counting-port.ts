/**
 * A port that counts its own failures: every method answering a Result that
 * is not ok is reported with the method's name and the error's kind, and the
 * Result passes through untouched. Wrapping the port (StateStore,
 * ClusterApi) rather than its adapters counts exactly what the application
 * saw, whichever adapter is configured, and keeps the adapters unaware.
 * Thrown errors (bugs) are not outcomes and are not counted.
 */
import type { ErrorKind } from '../../domain/errors.js';

export type FailureCounter = (method: string, kind: ErrorKind) => void;

export function countingFailures<Port extends object>(port: Port, count: FailureCounter): Port {
  return new Proxy(port, {
    get(target, property) {
      // The port itself as receiver, so its getters and private fields work as unwrapped.
      const member: unknown = Reflect.get(target, property, target);
      if (typeof member !== 'function' || typeof property !== 'string') return member;
      return (...args: unknown[]): unknown => {
        const answer: unknown = member.apply(target, args);
        return answer instanceof Promise ? answer.then((result: unknown) => tally(property, result, count)) : tally(property, answer, count);
      };
    },
  });
}

function tally(method: string, result: unknown, count: FailureCounter): unknown {
  if (isFailure(result)) count(method, result.error.kind);
  return result;
}

function isFailure(value: unknown): value is { ok: false; error: { kind: ErrorKind } } {
  if (typeof value !== 'object' || value === null || (value as { ok?: unknown }).ok !== false) return false;
  const error = (value as { error?: unknown }).error;
  return typeof error === 'object' && error !== null && typeof (error as { kind?: unknown }).kind === 'string';
}
