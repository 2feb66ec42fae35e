/**
 * The one place that decides what each kind of failure looks like on the
 * wire. Descriptions are the domain's safe messages; nothing else is sent.
 * Failures the HTTP layer finds itself (401, 404, 412, 413, 500) use the
 * same body shape through `sendFailure`.
 */
import type { Context } from 'koa';
import type { DomainError, ErrorKind } from '../../domain/errors.js';

interface WireError {
  readonly status: number;
  /** OSB error code, where the spec defines one. */
  readonly code?: string;
}

const TABLE: Readonly<Record<ErrorKind, WireError>> = {
  InvalidRequest: { status: 400 },
  UnknownPlan: { status: 400 },
  NotWhitelisted: { status: 403 },
  NotFound: { status: 404 },
  Conflict: { status: 409 },
  Gone: { status: 410 },
  ConcurrencyError: { status: 422, code: 'ConcurrencyError' },
  AsyncRequired: { status: 422, code: 'AsyncRequired' },
  RequiresApp: { status: 422, code: 'RequiresApp' },
  MaintenanceInfoConflict: { status: 422, code: 'MaintenanceInfoConflict' },
  Unsupported: { status: 422 },
  ObjectsExist: { status: 422 },
  ConfigInvalid: { status: 500 },
  Forbidden: { status: 500 },
  Infrastructure: { status: 500 },
  Unavailable: { status: 503 },
};

/**
 * The spec gives these codes a fixed description, and clients compare it
 * word for word (the Go client behind Service Catalog does). The broker's
 * own reason is logged with the request instead.
 */
const SPEC_DESCRIPTIONS: Readonly<Record<string, string>> = {
  AsyncRequired: 'This service plan requires client support for asynchronous service operations.',
  ConcurrencyError: 'The Service Broker does not support concurrent requests that mutate the same resource.',
  RequiresApp: 'This service supports generation of credentials through binding an application only.',
};

export interface ErrorResponse {
  readonly status: number;
  readonly body: { error?: string; description: string };
}

export function errorResponse(error: DomainError): ErrorResponse {
  const wire = TABLE[error.kind];
  const description = (wire.code !== undefined ? SPEC_DESCRIPTIONS[wire.code] : undefined) ?? error.message;
  return { status: wire.status, body: { ...(wire.code ? { error: wire.code } : {}), description } };
}

/** Failures decided by the HTTP layer before any use case runs. */
export const HTTP_FAILURES = {
  Unauthenticated: 401,
  NoSuchEndpoint: 404,
  VersionUnsupported: 412,
  BodyTooLarge: 413,
  InternalError: 500,
} as const;

/** Writes an OSB error body: a domain error through the table, or one of the HTTP layer's own. */
export function sendFailure(ctx: Context, failure: DomainError | { readonly http: keyof typeof HTTP_FAILURES; readonly description: string }): void {
  if ('http' in failure) {
    ctx.status = HTTP_FAILURES[failure.http];
    ctx.body = { description: failure.description };
    return;
  }
  const response = errorResponse(failure);
  ctx.status = response.status;
  ctx.body = response.body;
  ctx.state['failure'] = failure;
}
