/**
 * Basic or bearer authentication, compared in constant time. With no
 * credentials configured the broker is open (dev mode says so loudly).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import { sendFailure } from './error-table.js';

export interface AuthSettings {
  readonly username?: string;
  readonly password?: string;
  readonly bearerToken?: string;
}

export const authEnabled = (auth: AuthSettings): boolean =>
  (auth.username !== undefined && auth.password !== undefined) || auth.bearerToken !== undefined;

/** Comparing digests makes both sides the same length, so timingSafeEqual never leaks the length. */
const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** The expected secrets, hashed once rather than on every request. */
interface Expected {
  readonly basic?: Buffer;
  readonly bearer?: Buffer;
}

function accepted(header: string, expected: Expected): boolean {
  const [scheme, value = ''] = header.split(' ', 2);
  if (scheme?.toLowerCase() === 'bearer' && expected.bearer) return timingSafeEqual(digest(value), expected.bearer);
  if (scheme?.toLowerCase() === 'basic' && expected.basic) {
    return timingSafeEqual(digest(Buffer.from(value, 'base64').toString('utf8')), expected.basic);
  }
  return false;
}

export function requireAuth(auth: AuthSettings) {
  const open = !authEnabled(auth);
  const expected: Expected = {
    ...(auth.username !== undefined && auth.password !== undefined ? { basic: digest(`${auth.username}:${auth.password}`) } : {}),
    ...(auth.bearerToken !== undefined ? { bearer: digest(auth.bearerToken) } : {}),
  };
  return async function authenticate(ctx: Context, next: Next): Promise<void> {
    if (open || accepted(ctx.get('Authorization'), expected)) return next();
    ctx.set('WWW-Authenticate', auth.bearerToken !== undefined && auth.username === undefined ? 'Bearer' : 'Basic realm="mesitis"');
    sendFailure(ctx, { http: 'Unauthenticated', description: 'authentication required' });
  };
}
