/**
 * The one place that decides what each kind of failure looks like on the
 * wire. Descriptions are the domain's safe messages; nothing else is sent.
 */
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

export interface ErrorResponse {
  readonly status: number;
  readonly body: { error?: string; description: string };
}

export function errorResponse(error: DomainError): ErrorResponse {
  const wire = TABLE[error.kind];
  return { status: wire.status, body: { ...(wire.code ? { error: wire.code } : {}), description: error.message } };
}
