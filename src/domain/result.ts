/**
 * Expected outcomes are values, not exceptions. A Result is either a value or
 * a DomainError; callers must look before they use it.
 */
import type { DomainError } from './errors.js';

export type Result<T, E = DomainError> = Ok<T> | Err<E>;
export interface Ok<T> { readonly ok: true; readonly value: T }
export interface Err<E> { readonly ok: false; readonly error: E }

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });
export const err = <E>(error: E): Err<E> => ({ ok: false, error });

/** Collects every value, or returns the first error. */
export function all<T, E>(results: readonly Result<T, E>[]): Result<T[], E> {
  const values: T[] = [];
  for (const result of results) {
    if (!result.ok) return result;
    values.push(result.value);
  }
  return ok(values);
}
