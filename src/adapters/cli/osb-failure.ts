/**
 * Everything that can go wrong talking OSB, as values, and the one sentence
 * each becomes on the terminal (`409 Conflict: <the broker's description>`).
 */
import { STATUS_CODES } from 'node:http';

export type OsbFailure =
  /** The broker answered with an error status; code and description are the broker's own words. */
  | { readonly kind: 'status'; readonly status: number; readonly code?: string; readonly description?: string }
  /** No answer: refused connection, DNS failure, TLS problem, request timeout. */
  | { readonly kind: 'unreachable'; readonly url: string; readonly message: string }
  /** A success status with a body that is not what OSB promises. */
  | { readonly kind: 'malformed'; readonly status: number; readonly message: string };

/** Hints for statuses whose usual cause is on the consumer's side of the wire. */
const HINTS: Readonly<Record<number, string>> = {
  401: 'check --username/--password or --bearer-token (or MESITIS_USERNAME/MESITIS_PASSWORD, MESITIS_BEARER_TOKEN)',
};

export const statusLine = (status: number): string => `${status} ${STATUS_CODES[status] ?? 'Unknown Status'}`;

export function describeOsbFailure(failure: OsbFailure): string {
  switch (failure.kind) {
    case 'status': {
      const code = failure.code !== undefined ? ` (${failure.code})` : '';
      const hint = HINTS[failure.status];
      return `${statusLine(failure.status)}${code}: ${failure.description ?? 'the broker gave no description'}${hint ? `; ${hint}` : ''}`;
    }
    case 'unreachable':
      return `cannot reach the broker at ${failure.url}: ${failure.message} (is --broker-url or MESITIS_URL right?)`;
    case 'malformed':
      return `the broker answered ${statusLine(failure.status)} with a body that is not valid OSB: ${failure.message}`;
  }
}

export const isStatus = (failure: OsbFailure, status: number): boolean => failure.kind === 'status' && failure.status === status;
