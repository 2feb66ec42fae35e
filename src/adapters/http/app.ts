/**
 * The broker's HTTP face: probes open, OSB and admin behind the version
 * check (OSB only) and authentication, in the order the spec requires.
 */
import Router from '@koa/router';
import Koa from 'koa';
import type { Broker } from '../../application/broker.js';
import type { Logger } from '../../application/ports/logger.js';
import { describeProblem } from '../../domain/catalog-entry.js';
import { requireAuth, type AuthSettings } from './auth.js';
import { errorResponse } from './error-table.js';
import { osbRouter } from './osb-routes.js';
import { echoRequestIdentity, requireApiVersion } from './osb-headers.js';
import { requestLog } from './request-log.js';

export interface Readiness {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, string>>;
}

export interface HttpSettings {
  readonly auth: AuthSettings;
  readonly bodyLimitBytes: number;
}

export function createApp(broker: Broker, settings: HttpSettings, readiness: () => Promise<Readiness>, logger: Logger): Koa {
  const app = new Koa();
  const authenticate = requireAuth(settings.auth);
  app.use(requestLog(logger));
  app.use(echoRequestIdentity);

  const probes = new Router();
  probes.get('/healthz', (ctx) => { ctx.body = { status: 'ok' }; });
  probes.get('/readyz', async (ctx) => {
    const state = await readiness();
    ctx.status = state.ready ? 200 : 503;
    ctx.body = { status: state.ready ? 'ready' : 'not ready', checks: state.checks };
  });
  app.use(probes.routes());

  const osb = osbRouter(broker, settings.bodyLimitBytes);
  const api = new Router();
  api.use(['/v2', '/namespaces/:namespace/v2'], requireApiVersion, authenticate);
  api.use('/v2', osb.routes(), osb.allowedMethods());
  api.use('/namespaces/:namespace/v2', osb.routes(), osb.allowedMethods());
  api.use('/admin', authenticate);
  api.get('/admin/instances', async (ctx) => {
    const result = await broker.inventory.execute();
    if (result.ok) ctx.body = { instances: result.value };
    else Object.assign(ctx, errorResponse(result.error));
  });
  api.get('/admin/catalog/problems', (ctx) => {
    ctx.body = { problems: broker.catalog.catalog().problems.map((p) => ({ ...p, text: describeProblem(p) })) };
  });
  app.use(api.routes());
  app.use((ctx) => {
    ctx.status = 404;
    ctx.body = { description: `no such endpoint: ${ctx.method} ${ctx.path}` };
  });
  return app;
}
