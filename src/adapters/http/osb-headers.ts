/**
 * The OSB headers checked before anything else: the API version (412),
 * request identity (echoed) and originating identity (who asked).
 */
import type { Context, Next } from 'koa';
import type { OriginatingIdentity } from '../../domain/records.js';
import { sendFailure } from './error-table.js';
import { NEWEST_MINOR, parseApiVersion, SUPPORTED_VERSIONS_TEXT, type ApiVersion } from './api-version.js';

/** Refuses an unsupported version with 412 and remembers the accepted one for shaping the response. */
export async function requireApiVersion(ctx: Context, next: Next): Promise<void> {
  const header = ctx.get('X-Broker-API-Version');
  const version = parseApiVersion(header);
  if (!version) {
    const problem = header === '' ? 'is missing' : `"${header}" is not supported`;
    return sendFailure(ctx, { http: 'VersionUnsupported', description: `X-Broker-API-Version ${problem}; this broker supports ${SUPPORTED_VERSIONS_TEXT}` });
  }
  ctx.state['apiVersion'] = version;
  await next();
}

/** The version the platform speaks; the newest known when no check ran (never on OSB routes). */
export const apiVersionOf = (ctx: Context): ApiVersion =>
  (ctx.state['apiVersion'] as ApiVersion | undefined) ?? { major: 2, minor: NEWEST_MINOR };

export async function echoRequestIdentity(ctx: Context, next: Next): Promise<void> {
  const identity = ctx.get('X-Broker-API-Request-Identity');
  if (identity !== '') ctx.set('X-Broker-API-Request-Identity', identity);
  await next();
}

/** Parses `<platform> <base64 JSON>`; undefined when absent, 'invalid' when malformed. */
export function originatingIdentity(header: string): OriginatingIdentity | undefined | 'invalid' {
  if (header.trim() === '') return undefined;
  const [platform, encoded, ...rest] = header.trim().split(/\s+/);
  if (!platform || !encoded || rest.length > 0) return 'invalid';
  try {
    const value: unknown = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'invalid';
    return { platform, value: value as Record<string, unknown> };
  } catch {
    return 'invalid';
  }
}
