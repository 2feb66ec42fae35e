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

/** The parsed body; an empty body reads as undefined. Too large is 413, not JSON is 400. */
export async function readJsonBody(ctx: Context, limitBytes: number): Promise<Result<unknown, DomainError | BodyTooLarge>> {
  const text = await readText(ctx, limitBytes);
  if (text instanceof BodyTooLarge) return err(text);
  if (text.trim() === '') return ok(undefined);
  try {
    return ok(JSON.parse(text));
  } catch {
    return err(domainError('InvalidRequest', 'the request body is not valid JSON'));
  }
}
