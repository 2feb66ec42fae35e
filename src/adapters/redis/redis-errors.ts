/**
 * ioredis errors become error kinds here and nowhere else. The messages are
 * fixed text: an ioredis error can carry the command it failed on (a record,
 * or AUTH with the password), so none of it is passed on.
 */
import { domainError, type DomainError } from '../../domain/errors.js';
import { isCredentialsError, type ConnectionFailure } from './redis-connection.js';

export const UNREACHABLE = 'state store unreachable';
export const CREDENTIALS_REJECTED = 'state store rejected the broker credentials';
export const FAILED = 'state store failed';

// Thrown by ioredis itself when there is no usable connection.
const CONNECTION_MESSAGES = [
  "Stream isn't writeable",
  'Connection is closed',
  'Command timed out',
  'Reached the max retries per request limit',
];

// Socket errors that mean "not reachable right now".
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT',
  'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
]);

// Redis replies that mean "try again shortly": loading a dataset, a replica
// mid-failover, a long script running.
const TRANSIENT_REPLIES = /^(LOADING|MASTERDOWN|READONLY|TRYAGAIN|BUSY|CLUSTERDOWN)\b/;

export function translateRedisError(error: unknown, lastFailure: ConnectionFailure | undefined): DomainError {
  if (isCredentialsError(error)) return domainError('Infrastructure', CREDENTIALS_REJECTED);
  if (isConnectionError(error)) {
    // A refused command does not say why the connection is down; the last connection error does.
    return lastFailure === 'credentials'
      ? domainError('Infrastructure', CREDENTIALS_REJECTED)
      : domainError('Unavailable', UNREACHABLE);
  }
  return domainError('Infrastructure', FAILED);
}

function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    error.name === 'MaxRetriesPerRequestError' ||
    (typeof code === 'string' && NETWORK_CODES.has(code)) ||
    TRANSIENT_REPLIES.test(error.message) ||
    CONNECTION_MESSAGES.some((text) => error.message.startsWith(text))
  );
}
