/**
 * Basic or bearer authentication, compared in constant time. With no
 * credentials configured the broker is open (dev mode says so loudly).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';

export interface AuthSettings {
  readonly username?: string;
  readonly password?: string;
  readonly bearerToken?: string;
}

export const authEnabled = (auth: AuthSettings): boolean =>
  (auth.username !== undefined && auth.password !== undefined) || auth.bearerToken !== undefined;

/** Hashing first makes both sides the same length, so timingSafeEqual never leaks the length. */
const sameSecret = (given: string, expected: string): boolean =>
  timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());

function accepted(header: string, auth: AuthSettings): boolean {
  const [scheme, value = ''] = header.split(' ', 2);
  if (scheme?.toLowerCase() === 'bearer' && auth.bearerToken !== undefined) return sameSecret(value, auth.bearerToken);
  if (scheme?.toLowerCase() === 'basic' && auth.username !== undefined && auth.password !== undefined) {
    const expected = `${auth.username}:${auth.password}`;
    return sameSecret(Buffer.from(value, 'base64').toString('utf8'), expected);
  }
  return false;
}

export function requireAuth(auth: AuthSettings) {
  const open = !authEnabled(auth);
  return async function authenticate(ctx: Context, next: Next): Promise<void> {
    if (open || accepted(ctx.get('Authorization'), auth)) return next();
    ctx.status = 401;
    ctx.set('WWW-Authenticate', auth.bearerToken !== undefined && auth.username === undefined ? 'Bearer' : 'Basic realm="mesitis"');
    ctx.body = { description: 'authentication required' };
  };
}
