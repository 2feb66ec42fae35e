/**
 * One structured line per request, with a request id and the OSB operation.
 * Bodies are never logged: they may carry credentials.
 */
import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Logger } from '../../application/ports/logger.js';
import type { DomainError } from '../../domain/errors.js';
import { sendFailure } from './error-table.js';

/** Told of every answered request, after the log line's fields are known. */
export type RequestObserver = (request: { readonly path: string; readonly operation: string | undefined; readonly status: number; readonly seconds: number }) => void;

export function requestLog(logger: Logger, observe: RequestObserver = () => {}) {
  return async function logRequest(ctx: Context, next: Next): Promise<void> {
    const started = process.hrtime.bigint();
    const requestId = ctx.get('X-Broker-API-Request-Identity') || randomUUID();
    try {
      await next();
    } catch (thrown) {
      // A bug, not an expected outcome: the client learns nothing about it.
      logger.error('unhandled error', { requestId, error: thrown instanceof Error ? thrown.stack : String(thrown) });
      sendFailure(ctx, { http: 'InternalError', description: `internal error (request ${requestId})` });
    }
    const failure = ctx.state['failure'] as DomainError | undefined;
    const fields = {
      requestId, method: ctx.method, path: ctx.path, status: ctx.status,
      operation: ctx.state['operation'] as string | undefined,
      ms: Number(process.hrtime.bigint() - started) / 1e6,
      ...(failure ? { failure: failure.kind, reason: failure.message } : {}),
    };
    observe({ path: ctx.path, operation: fields.operation, status: fields.status, seconds: fields.ms / 1000 });
    if (ctx.status >= 500) logger.error('request failed', fields);
    else if (ctx.path === '/healthz' || ctx.path === '/readyz' || ctx.path === '/metrics') logger.debug('probe', fields);
    else logger.info('request', fields);
  };
}
