/**
 * The OSB headers checked before anything else: the API version (412),
 * request identity (echoed) and originating identity (who asked).
 */
import type { Context, Next } from 'koa';
import type { OriginatingIdentity } from '../../domain/records.js';

export const MIN_VERSION = { major: 2, minor: 13 };
export const SUPPORTED_VERSIONS = '2.13 to 2.17';

export async function requireApiVersion(ctx: Context, next: Next): Promise<void> {
  const header = ctx.get('X-Broker-API-Version');
  const match = /^(\d+)\.(\d+)$/.exec(header.trim());
  const major = Number(match?.[1]);
  const minor = Number(match?.[2]);
  if (!match || major !== MIN_VERSION.major || minor < MIN_VERSION.minor) {
    ctx.status = 412;
    ctx.body = {
      description: `X-Broker-API-Version ${header === '' ? 'is missing' : `"${header}" is not supported`}; this broker supports ${SUPPORTED_VERSIONS}`,
    };
    return;
  }
  await next();
}

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
