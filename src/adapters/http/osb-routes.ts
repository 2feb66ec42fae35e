/**
 * OSB endpoints as thin translations: decode the request, call one use case,
 * map its answer to the status codes of the spec. Mounted twice: platform-wide
 * at /v2 and per consumer namespace at /namespaces/{ns}/v2.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Broker } from '../../application/broker.js';
import type { Caller } from '../../application/requests.js';
import { domainError, type DomainError } from '../../domain/errors.js';
import type { Result } from '../../domain/result.js';
import type { BindingAnswer } from '../../application/binding-credentials.js';
import { inDialect, speaks } from './api-version.js';
import { CatalogDocuments } from './catalog-view.js';
import { sendFailure } from './error-table.js';
import { BodyTooLarge, readJsonBody } from './json-body.js';
import { BindBody, decodeBody, ProvisionBody, UpdateBody } from './osb-codecs.js';
import { apiVersionOf, originatingIdentity } from './osb-headers.js';

type Handler = (ctx: Context) => Promise<void>;

const fail = (ctx: Context, error: DomainError): void => sendFailure(ctx, error);

/** A binding as the platform's version defines it (`endpoints` arrived in 2.15). */
function bindingBody(ctx: Context, answer: BindingAnswer, extra: Readonly<Record<string, unknown>> = {}) {
  const version = apiVersionOf(ctx);
  const endpoints = answer.endpoints.length > 0 ? { endpoints: answer.endpoints } : {};
  const metadata = answer.metadata ? { metadata: inDialect('binding_metadata', answer.metadata, version) } : {};
  return inDialect('binding', { credentials: answer.credentials, ...extra, ...endpoints, ...metadata }, version);
}

function reply<T>(ctx: Context, result: Result<T>, success: (value: T) => [number, unknown]): void {
  if (!result.ok) return fail(ctx, result.error);
  const [status, body] = success(result.value);
  ctx.status = status;
  ctx.body = body;
}

function callerOf(ctx: Context): Caller | DomainError {
  const identity = originatingIdentity(ctx.get('X-Broker-API-Originating-Identity'));
  if (identity === 'invalid') return domainError('InvalidRequest', 'X-Broker-API-Originating-Identity must be "<platform> <base64 JSON object>"');
  const view = ctx.params['namespace'];
  return { ...(identity ? { originatingIdentity: identity } : {}), ...(view !== undefined ? { viewNamespace: view } : {}) };
}

/** maintenance_info.version as the use cases take it; a maintenance_info without a version names none. */
const maintenanceOf = (body: { maintenance_info?: Readonly<Record<string, unknown>> }): { maintenanceVersion?: string } => {
  const version = body.maintenance_info?.['version'];
  return typeof version === 'string' ? { maintenanceVersion: version } : {};
};

const acceptsIncomplete = (ctx: Context): boolean => ctx.query['accepts_incomplete'] === 'true';

function requiredQuery(ctx: Context, ...names: string[]): DomainError | undefined {
  const missing = names.filter((name) => typeof ctx.query[name] !== 'string' || ctx.query[name] === '');
  return missing.length > 0 ? domainError('InvalidRequest', `query parameter(s) required: ${missing.join(', ')}`) : undefined;
}

/** Optional query parameters that, when present, the spec says MUST be non-empty strings. */
function malformedQuery(ctx: Context, ...names: string[]): DomainError | undefined {
  const bad = names.filter((name) => ctx.query[name] !== undefined && (typeof ctx.query[name] !== 'string' || ctx.query[name] === ''));
  return bad.length > 0 ? domainError('InvalidRequest', `query parameter(s) must be non-empty when present: ${bad.join(', ')}`) : undefined;
}

/** accepts_incomplete on a bind or unbind, which platforms older than 2.14 cannot poll for. */
const bindingAcceptsIncomplete = (ctx: Context): boolean => acceptsIncomplete(ctx) && speaks(apiVersionOf(ctx), 'asyncBindings');

const accepted = (operation: string): [number, unknown] => [202, { operation }];

export function osbRouter(broker: Broker, bodyLimitBytes: number): Router {
  const router = new Router();
  const documents = new CatalogDocuments();

  /** Wraps a handler that needs the caller and (optionally) a decoded body. */
  function handle<B>(operation: string, codec: Parameters<typeof decodeBody<B>>[0] | undefined, run: (ctx: Context, caller: Caller, body: B) => Promise<void>): Handler {
    return async (ctx) => {
      ctx.state['operation'] = operation;
      const caller = callerOf(ctx);
      if ('kind' in caller) return fail(ctx, caller);
      let body = undefined as B;
      if (codec) {
        const raw = await readJsonBody(ctx, bodyLimitBytes);
        if (!raw.ok) {
          if (raw.error instanceof BodyTooLarge) {
            return sendFailure(ctx, { http: 'BodyTooLarge', description: `the request body is larger than ${bodyLimitBytes} bytes` });
          }
          return fail(ctx, raw.error);
        }
        const decoded = decodeBody(codec, raw.value);
        if (!decoded.ok) return fail(ctx, decoded.error);
        body = decoded.value;
      }
      await run(ctx, caller, body);
    };
  }

  router.get('/catalog', handle('catalog', undefined, async (ctx, caller) => {
    ctx.type = 'application/json';
    ctx.body = documents.render(broker.catalog.catalog(), broker.catalog.revision(), caller.viewNamespace, apiVersionOf(ctx));
  }));

  router.put('/service_instances/:instanceId', handle('provision', ProvisionBody, async (ctx, caller, body) => {
    const result = await broker.provision.execute({
      instanceId: ctx.params['instanceId']!, serviceId: body.service_id, planId: body.plan_id,
      context: body.context ?? {}, parameters: body.parameters ?? {}, acceptsIncomplete: acceptsIncomplete(ctx), caller,
      ...maintenanceOf(body),
    });
    reply(ctx, result, (answer) =>
      answer.outcome === 'accepted' ? [202, { operation: answer.operation }] : [answer.outcome === 'created' ? 201 : 200, {}],
    );
  }));

  router.patch('/service_instances/:instanceId', handle('update', UpdateBody, async (ctx, caller, body) => {
    const result = await broker.updateInstance.execute({
      instanceId: ctx.params['instanceId']!, serviceId: body.service_id, planId: body.plan_id, parameters: body.parameters,
      acceptsIncomplete: acceptsIncomplete(ctx), caller, ...maintenanceOf(body),
    });
    reply(ctx, result, (answer) => (answer.outcome === 'accepted' ? [202, { operation: answer.operation }] : [200, {}]));
  }));

  router.delete('/service_instances/:instanceId', handle('deprovision', undefined, async (ctx, caller) => {
    const missing = requiredQuery(ctx, 'service_id', 'plan_id');
    if (missing) return fail(ctx, missing);
    const result = await broker.deprovision.execute({ instanceId: ctx.params['instanceId']!, acceptsIncomplete: acceptsIncomplete(ctx), caller });
    reply(ctx, result, (answer) => (answer.outcome === 'accepted' ? [202, { operation: answer.operation }] : [200, {}]));
  }));

  router.get('/service_instances/:instanceId', handle('fetch-instance', undefined, async (ctx, caller) => {
    const result = await broker.fetchInstance.execute({ instanceId: ctx.params['instanceId']!, caller });
    reply(ctx, result, (instance) => [200, inDialect('instance', {
      service_id: instance.serviceId, plan_id: instance.planId, parameters: instance.parameters,
      ...(instance.maintenanceVersion !== undefined ? { maintenance_info: { version: instance.maintenanceVersion } } : {}),
    }, apiVersionOf(ctx))]);
  }));

  router.get('/service_instances/:instanceId/last_operation', handle('last-operation', undefined, async (ctx, caller) => {
    const result = await broker.lastOperation.execute({ instanceId: ctx.params['instanceId']!, caller });
    reply(ctx, result, ({ instanceUsable, ...status }) =>
      [200, inDialect('last_operation', { ...status, ...(instanceUsable !== undefined ? { instance_usable: instanceUsable } : {}) }, apiVersionOf(ctx))]);
  }));

  router.put('/service_instances/:instanceId/service_bindings/:bindingId', handle('bind', BindBody, async (ctx, caller, body) => {
    const result = await broker.bind.execute({
      instanceId: ctx.params['instanceId']!, bindingId: ctx.params['bindingId']!, serviceId: body.service_id, planId: body.plan_id,
      context: body.context, parameters: body.parameters ?? {}, appGuid: body.bind_resource?.app_guid ?? body.app_guid, caller,
      acceptsIncomplete: bindingAcceptsIncomplete(ctx),
      // Rotation arrived in 2.17: an older platform's stray field is ignored, as unknown fields are.
      ...(body.predecessor_binding_id !== undefined && speaks(apiVersionOf(ctx), 'bindingRotation') ? { predecessorBindingId: body.predecessor_binding_id } : {}),
    });
    // A 202 carries the operation only: credentials come from GET once last_operation says succeeded.
    reply(ctx, result, (answer) => (answer.outcome === 'accepted' ? accepted(answer.operation) : [answer.outcome === 'created' ? 201 : 200, bindingBody(ctx, answer)]));
  }));

  router.delete('/service_instances/:instanceId/service_bindings/:bindingId', handle('unbind', undefined, async (ctx, caller) => {
    const missing = requiredQuery(ctx, 'service_id', 'plan_id');
    if (missing) return fail(ctx, missing);
    const result = await broker.unbind.execute({
      instanceId: ctx.params['instanceId']!, bindingId: ctx.params['bindingId']!, caller, acceptsIncomplete: bindingAcceptsIncomplete(ctx),
    });
    reply(ctx, result, (answer) => (answer.outcome === 'accepted' ? accepted(answer.operation) : [200, {}]));
  }));

  router.get('/service_instances/:instanceId/service_bindings/:bindingId/last_operation', handle('binding-last-operation', undefined, async (ctx, caller) => {
    // service_id, plan_id and operation are hints: checked for form only, the record decides.
    const malformed = malformedQuery(ctx, 'service_id', 'plan_id', 'operation');
    if (malformed) return fail(ctx, malformed);
    const result = await broker.lastBindingOperation.execute({ instanceId: ctx.params['instanceId']!, bindingId: ctx.params['bindingId']!, caller });
    reply(ctx, result, (status) => [200, inDialect('last_operation', status, apiVersionOf(ctx))]);
  }));

  router.get('/service_instances/:instanceId/service_bindings/:bindingId', handle('fetch-binding', undefined, async (ctx, caller) => {
    const result = await broker.fetchBinding.execute({ instanceId: ctx.params['instanceId']!, bindingId: ctx.params['bindingId']!, caller });
    reply(ctx, result, (answer) => [200, bindingBody(ctx, answer, { parameters: answer.parameters })]);
  }));

  return router;
}
