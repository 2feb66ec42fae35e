/**
 * The OSB calls the consumer verbs make, over fetch, always through the
 * broker's namespace view (/namespaces/{ns}/v2) so the broker itself
 * enforces what the namespace may use. Every answer is a typed value or a
 * typed failure; nothing throws for a refusal.
 */
import { randomUUID } from 'node:crypto';
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import { err, ok, type Result } from '../../domain/result.js';
import { authorization, type BrokerAuth } from './consumer-context.js';
import type { OsbFailure } from './osb-failure.js';
import { AsyncAnswer, BindAnswer, Binding, CatalogDocument, ErrorBody, FetchedInstance, LastOperation } from './osb-responses.js';

export const OSB_API_VERSION = '2.17';
/** Brokers must answer within 60 s (platforms give up then); a little more before calling it unreachable. */
const DEFAULT_REQUEST_TIMEOUT_MS = 65_000;

export interface OsbClientSettings {
  /** Without a trailing slash. */
  readonly brokerUrl: string;
  readonly namespace: string;
  readonly auth?: BrokerAuth;
  /** Sent as the Kubernetes originating identity, so the broker records who asked. */
  readonly kubeUser?: string;
  readonly requestTimeoutMs?: number;
}

export interface OsbAnswer<T> {
  readonly status: number;
  readonly body: T;
}
export type OsbResult<T> = Result<OsbAnswer<T>, OsbFailure>;

export interface PlanIds {
  readonly serviceId: string;
  readonly planId: string;
}

export interface BindBody {
  readonly service_id: string;
  readonly plan_id: string;
  readonly context: Readonly<Record<string, unknown>>;
  readonly parameters: Readonly<Record<string, unknown>>;
}

/** PUT of a binding; in a rotation (OSB 2.17) it names the binding it succeeds. */
export interface BindingBody extends BindBody {
  readonly predecessor_binding_id?: string;
}

/** OSB requires organization_guid and space_guid on provision, though `context` supersedes them. */
export interface ProvisionBody extends BindBody {
  readonly organization_guid: string;
  readonly space_guid: string;
}

/** PATCH of an instance: the plan to move to (or the same), the maintenance level to reach, and what the instance was. */
export interface UpdateBody {
  readonly service_id: string;
  readonly plan_id: string;
  readonly maintenance_info?: { readonly version: string };
  readonly context: Readonly<Record<string, unknown>>;
  readonly previous_values: {
    readonly service_id: string;
    readonly plan_id: string;
    readonly maintenance_info?: { readonly version: string };
  };
}

type Query = Readonly<Record<string, string | undefined>>;

const segment = encodeURIComponent;

/** `services.0.id`: array indexes kept, the member indexes io-ts adds inside an intersection dropped. */
const pathOf = (error: t.ValidationError): string =>
  error.context
    .filter((entry, index) => entry.key !== '' && (error.context[index - 1]?.type as { _tag?: string } | undefined)?._tag !== 'IntersectionType')
    .map((entry) => entry.key)
    .join('.');

function decodePath(errors: t.Errors): string {
  const paths = errors.map(pathOf);
  const unique = [...new Set(paths)].slice(0, 3);
  return unique.length > 0 && unique[0] !== '' ? `missing or invalid ${unique.join(', ')}` : 'not the expected JSON object';
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** undici hides the real reason (ECONNREFUSED, ...) in `cause`. */
export const networkReason = (error: unknown): string => {
  const cause = (error as { cause?: { message?: string; code?: string } }).cause;
  if ((error as Error).name === 'TimeoutError') return 'no answer in time';
  return cause?.code ?? cause?.message ?? (error as Error).message;
};

export class OsbHttpClient {
  constructor(private readonly settings: OsbClientSettings) {}

  /** The catalog as this namespace sees it. */
  catalog(): Promise<OsbResult<CatalogDocument>> {
    return this.send('GET', '/catalog', {}, undefined, CatalogDocument);
  }

  provision(instanceId: string, body: ProvisionBody): Promise<OsbResult<AsyncAnswer>> {
    return this.send('PUT', `/service_instances/${segment(instanceId)}`, { accepts_incomplete: 'true' }, body, AsyncAnswer);
  }

  update(instanceId: string, body: UpdateBody): Promise<OsbResult<AsyncAnswer>> {
    return this.send('PATCH', `/service_instances/${segment(instanceId)}`, { accepts_incomplete: 'true' }, body, AsyncAnswer);
  }

  deprovision(instanceId: string, ids: PlanIds): Promise<OsbResult<AsyncAnswer>> {
    const query = { service_id: ids.serviceId, plan_id: ids.planId, accepts_incomplete: 'true' };
    return this.send('DELETE', `/service_instances/${segment(instanceId)}`, query, undefined, AsyncAnswer);
  }

  lastOperation(instanceId: string, operation?: string, ids?: PlanIds): Promise<OsbResult<LastOperation>> {
    const query = { operation, service_id: ids?.serviceId, plan_id: ids?.planId };
    return this.send('GET', `/service_instances/${segment(instanceId)}/last_operation`, query, undefined, LastOperation);
  }

  fetchInstance(instanceId: string): Promise<OsbResult<FetchedInstance>> {
    return this.send('GET', `/service_instances/${segment(instanceId)}`, {}, undefined, FetchedInstance);
  }

  /** 202 when the bind is asynchronous: poll bindingLastOperation, then fetchBinding. */
  bind(instanceId: string, bindingId: string, body: BindingBody): Promise<OsbResult<BindAnswer>> {
    return this.send('PUT', `/service_instances/${segment(instanceId)}/service_bindings/${segment(bindingId)}`, { accepts_incomplete: 'true' }, body, BindAnswer);
  }

  bindingLastOperation(instanceId: string, bindingId: string, operation?: string, ids?: PlanIds): Promise<OsbResult<LastOperation>> {
    const query = { operation, service_id: ids?.serviceId, plan_id: ids?.planId };
    return this.send('GET', `/service_instances/${segment(instanceId)}/service_bindings/${segment(bindingId)}/last_operation`, query, undefined, LastOperation);
  }

  /** GET binding: credentials included; callers decide what of it to show. */
  fetchBinding(instanceId: string, bindingId: string): Promise<OsbResult<Binding>> {
    return this.send('GET', `/service_instances/${segment(instanceId)}/service_bindings/${segment(bindingId)}`, {}, undefined, Binding);
  }

  unbind(instanceId: string, bindingId: string, ids: PlanIds): Promise<OsbResult<AsyncAnswer>> {
    const query = { service_id: ids.serviceId, plan_id: ids.planId, accepts_incomplete: 'true' };
    return this.send('DELETE', `/service_instances/${segment(instanceId)}/service_bindings/${segment(bindingId)}`, query, undefined, AsyncAnswer);
  }

  private url(path: string, query: Query): string {
    const url = new URL(`${this.settings.brokerUrl}/namespaces/${segment(this.settings.namespace)}/v2${path}`);
    for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, value);
    return url.href;
  }

  private headers(hasBody: boolean): Record<string, string> {
    const headers: Record<string, string> = {
      'X-Broker-API-Version': OSB_API_VERSION,
      'X-Broker-API-Request-Identity': randomUUID(),
      Accept: 'application/json',
    };
    const { auth, kubeUser } = this.settings;
    if (auth !== undefined) headers['Authorization'] = authorization(auth);
    if (kubeUser !== undefined) {
      headers['X-Broker-API-Originating-Identity'] = `kubernetes ${Buffer.from(JSON.stringify({ username: kubeUser })).toString('base64')}`;
    }
    if (hasBody) headers['Content-Type'] = 'application/json';
    return headers;
  }

  private async send<A>(method: string, path: string, query: Query, body: unknown, codec: t.Decoder<unknown, A>): Promise<OsbResult<A>> {
    const url = this.url(path, query);
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method,
        headers: this.headers(body !== undefined),
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.settings.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS),
      });
      text = await response.text();
    } catch (error) {
      return err({ kind: 'unreachable', url: this.settings.brokerUrl, message: networkReason(error) });
    }
    const json = parseJson(text);
    if (!response.ok) {
      const decoded = ErrorBody.decode(json);
      const error = isLeft(decoded) ? {} : decoded.right;
      return err({
        kind: 'status', status: response.status,
        ...(error.error !== undefined ? { code: error.error } : {}),
        ...(error.description !== undefined ? { description: error.description } : {}),
      });
    }
    const decoded = codec.decode(json ?? {});
    if (isLeft(decoded)) return err({ kind: 'malformed', status: response.status, message: decodePath(decoded.left) });
    return ok({ status: response.status, body: decoded.right });
  }
}
