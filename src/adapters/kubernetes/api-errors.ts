/**
 * client-node errors become error kinds here and nowhere else. Messages are
 * built from what the broker itself asked for (verb, kind, namespace, name)
 * plus the status code, the Status reason and, for an invalid object, the
 * paths of the fields at fault. Never from the response body's text: an
 * ApiException's message embeds the whole body and headers, and the
 * apiserver echoes field values back, Secret data included.
 */
import { domainError, type DomainError } from '../../domain/errors.js';

/** What the broker was doing, in its own words: `create Secret "api-ns/token"`. */
export interface ApiAction {
  readonly verb: 'create' | 'read' | 'update' | 'delete' | 'list' | 'watch';
  readonly what: string;
  /** The namespace asked for, to say which one is missing on create. */
  readonly namespace?: string;
}

/** The parts of a failure that never carry object data: what logs may hold. */
export interface ApiFailure {
  /** HTTP status, when the server answered. */
  readonly status?: number;
  /** The Status reason (`NotFound`, `AlreadyExists`, `Invalid`, ...), when it is one word. */
  readonly reason?: string;
  /** For Invalid: each field at fault with the kind of fault (`FieldValueInvalid`). */
  readonly causes: readonly { readonly field: string; readonly reason: string }[];
  /** For a failure without an answer: the socket error code or error name. */
  readonly network?: string;
}

// Socket-level failures: the server could not be reached or went away mid-request.
const NETWORK_NAMES = new Set(['FetchError', 'AbortError', 'TimeoutError']);
const SOCKET_CODE = /^E[A-Z0-9_]+$|^(?:ERR|UND_ERR)_[A-Z0-9_]+$/;
const WORD = /^[A-Za-z][A-Za-z0-9]*$/;
const FIELD_PATH = /^[^"\\\x00-\x1f]{1,256}$/;

type Fields = Record<string, unknown>;
const asRecord = (value: unknown): Fields | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Fields) : undefined;
const word = (value: unknown): string | undefined => (typeof value === 'string' && WORD.test(value) ? value : undefined);

function statusOf(error: Fields): number | undefined {
  // ApiException carries `code`; Watch's errors carry `statusCode`; socket errors carry a string `code`.
  for (const candidate of [error['code'], error['statusCode']]) {
    if (typeof candidate === 'number' && candidate >= 100 && candidate < 600) return candidate;
  }
  return undefined;
}

/** The Status object the server answered with: client-node keeps it as the raw response text. */
function statusBody(body: unknown): Fields | undefined {
  if (typeof body !== 'string') return asRecord(body);
  try {
    return asRecord(JSON.parse(body));
  } catch {
    return undefined;
  }
}

function causesOf(body: Fields | undefined): ApiFailure['causes'] {
  const causes = asRecord(body?.['details'])?.['causes'];
  if (!Array.isArray(causes)) return [];
  return causes.flatMap((cause) => {
    const c = asRecord(cause) ?? {};
    const field = typeof c['field'] === 'string' && FIELD_PATH.test(c['field']) ? c['field'] : '';
    return [{ field, reason: word(c['reason']) ?? 'FieldValueInvalid' }];
  });
}

export function describeApiError(error: unknown): ApiFailure {
  const fields = asRecord(error) ?? {};
  const status = statusOf(fields);
  if (status !== undefined) {
    const body = statusBody(fields['body']);
    const reason = word(body?.['reason']);
    return { status, ...(reason !== undefined ? { reason } : {}), causes: causesOf(body) };
  }
  const name = error instanceof Error ? error.name : undefined;
  const code = typeof fields['code'] === 'string' && SOCKET_CODE.test(fields['code']) ? fields['code'] : undefined;
  if ((name !== undefined && NETWORK_NAMES.has(name)) || code !== undefined) return { causes: [], network: code ?? name! };
  return { causes: [] };
}

/** Log fields for a failure: safe to write anywhere. */
export function logFieldsOf(error: unknown): Record<string, unknown> {
  const failure = describeApiError(error);
  return {
    ...(failure.status !== undefined ? { status: failure.status } : {}),
    ...(failure.reason !== undefined ? { reason: failure.reason } : {}),
    ...(failure.causes.length > 0 ? { causes: failure.causes.map((c) => `${c.field || '(object)'}: ${c.reason}`) } : {}),
    ...(failure.network !== undefined ? { network: failure.network } : {}),
    ...(failure.status === undefined && failure.network === undefined ? { error: error instanceof Error ? error.name : typeof error } : {}),
  };
}

const REASON_TEXT: Readonly<Record<string, string>> = {
  FieldValueInvalid: 'invalid value',
  FieldValueRequired: 'required value',
  FieldValueDuplicate: 'duplicate value',
  FieldValueNotSupported: 'unsupported value',
  FieldValueForbidden: 'forbidden',
  FieldValueTooLong: 'too long',
  FieldValueTooMany: 'too many items',
  FieldValueTypeInvalid: 'wrong type',
  FieldValueNotFound: 'not found',
};

function invalidMessage(action: ApiAction, failure: ApiFailure): string {
  const causes = failure.causes.map((c) => `${c.field || '(object)'}: ${REASON_TEXT[c.reason] ?? c.reason}`);
  return `${action.what} was refused by the cluster as invalid${causes.length > 0 ? ` (${causes.join('; ')})` : ''}`;
}

/** The domain's view of a failed request. */
export function translateApiError(error: unknown, action: ApiAction): DomainError {
  const failure = describeApiError(error);
  const { status } = failure;
  if (status === undefined) {
    return failure.network !== undefined
      ? domainError('Unavailable', `the cluster could not be reached to ${action.verb} ${action.what}`)
      : domainError('Infrastructure', `${action.verb} ${action.what} failed`);
  }
  switch (status) {
    case 400:
    case 422:
      return domainError('ConfigInvalid', invalidMessage(action, failure));
    case 401:
      return domainError('Forbidden', `the cluster did not accept the broker's credentials to ${action.verb} ${action.what}`);
    case 403:
      // Admission refuses new objects in a namespace being deleted with a 403 too; that is not a matter of permissions.
      if (failure.causes.some((c) => c.reason === 'NamespaceTerminating')) {
        return domainError('ConfigInvalid', `${action.what} cannot be created: namespace "${action.namespace ?? ''}" is being deleted`);
      }
      return domainError('Forbidden', `the broker is not allowed to ${action.verb} ${action.what}`);
    case 404:
      // A create names its namespace; the only thing that can be missing is that namespace, from the provider's configuration.
      return action.verb === 'create'
        ? domainError('ConfigInvalid', `${action.what} cannot be created: namespace "${action.namespace ?? ''}" does not exist`)
        : domainError('NotFound', `${action.what} not found`);
    case 409:
      return action.verb === 'create'
        ? domainError('ObjectsExist', `${action.what} already exists`)
        : domainError('Infrastructure', `${action.verb} ${action.what} conflicted with another change`);
    case 429:
      return domainError('Unavailable', `the cluster is throttling the broker (${action.verb} ${action.what})`);
    default:
      return status >= 500
        ? domainError('Unavailable', `the cluster could not ${action.verb} ${action.what} right now (HTTP ${status})`)
        : domainError('Infrastructure', `${action.verb} ${action.what} failed (HTTP ${status})`);
  }
}

/** True when the failure is an answer saying the object is not there. */
export const isNotFound = (error: unknown): boolean => describeApiError(error).status === 404;
