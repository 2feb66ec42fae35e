/**
 * One API request of the Kubernetes state store, and what its failure means
 * to a StateStore caller. The answers a method expects (404, 409) are
 * handled by the method; everything else is translated by api-errors.ts
 * and narrowed to the kinds the StateStore port knows: Unavailable (try
 * again later) or Infrastructure. The original error goes to the log as
 * fixed fields only.
 */
import type { Logger } from '../../application/ports/logger.js';
import { domainError, type DomainError } from '../../domain/errors.js';
import { describeApiError, logFieldsOf, translateApiError, type ApiAction } from './api-errors.js';

export type Attempt<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly status: number | undefined; readonly error: unknown };

/** Runs the request, keeping a failure as a value with its HTTP status (undefined when there was no answer). */
export async function attempt<T>(request: () => Promise<T>): Promise<Attempt<T>> {
  try {
    return { ok: true, value: await request() };
  } catch (error) {
    return { ok: false, status: describeApiError(error).status, error };
  }
}

/** The StateStore's error for a request that failed unexpectedly. */
export function storeFailure(error: unknown, action: ApiAction, logger: Logger): DomainError {
  const translated = translateApiError(error, action);
  const kind = translated.kind === 'Unavailable' ? 'Unavailable' : 'Infrastructure';
  logger.warn('state store request failed', { verb: action.verb, object: action.what, kind, ...logFieldsOf(error) });
  return domainError(kind, `state store: ${translated.message}`);
}
