/**
 * What the CLI expects back from a broker, decoded with io-ts: a broker's
 * answer is untrusted input like any other. Codecs are not exact, so fields
 * the CLI does not know pass through to -o json untouched.
 */
import * as t from 'io-ts';

const JsonObject = t.UnknownRecord;

/** OSB 2.15+: a plan's (and, 2.17+, an instance's) maintenance level. */
export const MaintenanceInfo = t.intersection([t.type({ version: t.string }), t.partial({ description: t.string })]);
export type MaintenanceInfo = t.TypeOf<typeof MaintenanceInfo>;

export const CatalogPlan = t.intersection([
  t.type({ id: t.string, name: t.string, description: t.string }),
  t.partial({ free: t.boolean, bindable: t.boolean, plan_updateable: t.boolean, maintenance_info: MaintenanceInfo, metadata: JsonObject }),
]);
export type CatalogPlan = t.TypeOf<typeof CatalogPlan>;

export const CatalogService = t.intersection([
  t.type({ id: t.string, name: t.string, description: t.string, plans: t.array(CatalogPlan) }),
  t.partial({ bindable: t.boolean, plan_updateable: t.boolean, tags: t.array(t.string), metadata: JsonObject }),
]);
export type CatalogService = t.TypeOf<typeof CatalogService>;

export const CatalogDocument = t.type({ services: t.array(CatalogService) });
export type CatalogDocument = t.TypeOf<typeof CatalogDocument>;

/** PUT/DELETE of an instance: 202 carries an operation; 200/201 carry little or nothing. */
export const AsyncAnswer = t.partial({ operation: t.string, dashboard_url: t.string });
export type AsyncAnswer = t.TypeOf<typeof AsyncAnswer>;

export const OperationState = t.keyof({ 'in progress': null, succeeded: null, failed: null });
export type OperationState = t.TypeOf<typeof OperationState>;

export const LastOperation = t.intersection([t.type({ state: OperationState }), t.partial({ description: t.string })]);
export type LastOperation = t.TypeOf<typeof LastOperation>;

export const FetchedInstance = t.intersection([
  t.type({ service_id: t.string, plan_id: t.string }),
  t.partial({ parameters: JsonObject, dashboard_url: t.string, maintenance_info: MaintenanceInfo }),
]);
export type FetchedInstance = t.TypeOf<typeof FetchedInstance>;

export const Endpoint = t.intersection([
  t.type({ host: t.string, ports: t.array(t.string) }),
  t.partial({ protocol: t.string }),
]);
export type Endpoint = t.TypeOf<typeof Endpoint>;

export const Binding = t.partial({ credentials: JsonObject, endpoints: t.array(Endpoint), metadata: JsonObject, parameters: JsonObject });
export type Binding = t.TypeOf<typeof Binding>;

/** PUT of a binding: 200/201 carry the binding, 202 (an asynchronous bind) only an operation. */
export const BindAnswer = t.intersection([Binding, AsyncAnswer]);
export type BindAnswer = t.TypeOf<typeof BindAnswer>;

/** The OSB error body; every field optional, as the spec says. */
export const ErrorBody = t.partial({ error: t.string, description: t.string, instance_usable: t.boolean, update_repeatable: t.boolean });
export type ErrorBody = t.TypeOf<typeof ErrorBody>;
