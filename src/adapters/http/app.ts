/**
 * The broker's HTTP face: probes and metrics open, OSB and admin behind the
 * version check (OSB only) and authentication, in the order the spec requires.
 * /metrics is open like the probes because in-cluster scrapers (annotations,
 * ServiceMonitor) rarely carry credentials, and its series hold no ids,
 * namespaces or secrets: only operation names, status codes and counts.
 */
import Router from '@koa/router';
import Koa from 'koa';
import type { Broker } from '../../application/broker.js';
import type { Logger } from '../../application/ports/logger.js';
import { describeProblem } from '../../domain/catalog-entry.js';
import { requireAuth, type AuthSettings } from './auth.js';
import { sendFailure } from './error-table.js';
import { osbRouter } from './osb-routes.js';
import { echoRequestIdentity, requireApiVersion } from './osb-headers.js';
import { requestLog, type RequestObserver } from './request-log.js';

export interface Readiness {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, string>>;
}

export interface HttpSettings {
  readonly auth: AuthSettings;
  readonly bodyLimitBytes: number;
}

/** Request counts and times out, the Prometheus text in. */
export interface HttpMetrics {
  /** An OSB request was answered; `operation` is a route name (catalog, provision, ...) or "unknown". */
  requestFinished(operation: string, status: number, seconds: number): void;
  exposition(): Promise<{ readonly contentType: string; readonly body: string }>;
}

/** OSB paths, platform-wide or in a namespace view: the requests counted even when refused before routing (412, 401, 404). */
const OSB_PATH = /^\/(?:namespaces\/[^/]+\/)?v2(?:\/|$)/;

/** Only route names become label values: a path carries ids. */
const observeOsb = (metrics: HttpMetrics): RequestObserver => ({ path, operation, status, seconds }) => {
  if (operation !== undefined || OSB_PATH.test(path)) metrics.requestFinished(operation ?? 'unknown', status, seconds);
};

export function createApp(broker: Broker, settings: HttpSettings, readiness: () => Promise<Readiness>, logger: Logger, metrics?: HttpMetrics): Koa {
  const app = new Koa();
  const authenticate = requireAuth(settings.auth);
  app.use(requestLog(logger, metrics ? observeOsb(metrics) : undefined));
  app.use(echoRequestIdentity);

  const probes = new Router();
  probes.get('/healthz', (ctx) => { ctx.body = { status: 'ok' }; });
  probes.get('/readyz', async (ctx) => {
    const state = await readiness();
    ctx.status = state.ready ? 200 : 503;
    ctx.body = { status: state.ready ? 'ready' : 'not ready', checks: state.checks };
  });
  if (metrics) {
    probes.get('/metrics', async (ctx) => {
      const { contentType, body } = await metrics.exposition();
      ctx.set('Content-Type', contentType);
      ctx.body = body;
    });
  }
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
    else sendFailure(ctx, result.error);
  });
  api.get('/admin/catalog/problems', (ctx) => {
    ctx.body = { problems: broker.catalog.catalog().problems.map((p) => ({ ...p, text: describeProblem(p) })) };
  });
  app.use(api.routes());
  app.use((ctx) => sendFailure(ctx, { http: 'NoSuchEndpoint', description: `no such endpoint: ${ctx.method} ${ctx.path}` }));
  return app;
}
