/**
 * Reads a request body as JSON with a size limit. Koa brings no body parser
 * and the OSB bodies are small, so a few lines beat a dependency.
 */
import type { Context } from 'koa';
import { domainError, type DomainError } from '../../domain/errors.js';
import { err, ok, type Result } from '../../domain/result.js';

export class BodyTooLarge extends Error {}

async function readText(ctx: Context, limitBytes: number): Promise<string | BodyTooLarge> {
  const declared = Number(ctx.get('Content-Length') || 0);
  if (declared > limitBytes) return new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) return new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * How deeply a body may nest. OSB bodies are shallow; a parameter document
 * nested thousands of levels deep would make every later walk over it
 * (comparison, record encoding) overflow the stack, so it is the caller's 400.
 */
export const MAX_JSON_DEPTH = 32;

/** True when `value` nests deeper than `limit` objects/arrays. Iterative: depth is what it guards against. */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next.value === null || typeof next.value !== 'object') continue;
    if (next.depth >= limit) return true;
    for (const child of Object.values(next.value)) pending.push({ value: child, depth: next.depth + 1 });
  }
  return false;
}

/** The parsed body; an empty body reads as undefined. Too large is 413, not JSON or too deep is 400. */
export async function readJsonBody(ctx: Context, limitBytes: number): Promise<Result<unknown, DomainError | BodyTooLarge>> {
  const text = await readText(ctx, limitBytes);
  if (text instanceof BodyTooLarge) return err(text);
  if (text.trim() === '') return ok(undefined);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return err(domainError('InvalidRequest', 'the request body is not valid JSON'));
  }
  return nestsDeeperThan(parsed, MAX_JSON_DEPTH)
    ? err(domainError('InvalidRequest', `the request body nests deeper than ${MAX_JSON_DEPTH} levels`))
    : ok(parsed);
}
