/**
 * Counts Kubernetes API requests on the client side, at the HTTP level: every
 * node:http(s) request this process sends to the apiserver's address, seen
 * through Node's `http.client.request.start` diagnostics channel. That is
 * below client-node, so it counts whatever any adapter does (typed API
 * calls, the informer's list and its watch, Secret reads, Events) without
 * wrapping or changing them. client-node 1.x sends everything through
 * node-fetch, i.e. node:http(s); undici's channel is watched as well, so a
 * request made with global fetch would not slip through uncounted.
 *
 * It also counts new connections (a response on a socket that was not
 * reused), which shows whether the client keeps connections alive.
 */
import diagnostics from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';

export type Verb = 'create' | 'get' | 'list' | 'watch' | 'delete' | 'update' | 'other';
export const VERBS: readonly Verb[] = ['create', 'get', 'list', 'watch', 'delete', 'update', 'other'];

export type Counts = Readonly<Record<Verb, number>> & { readonly total: number; readonly connections: number };

const zero = (): Record<Verb, number> => ({ create: 0, get: 0, list: 0, watch: 0, delete: 0, update: 0, other: 0 });

/** The verb of a request by method and path: a GET of a collection is a list, with watch=true a watch. */
export function verbOf(method: string, path: string): Verb {
  const [pathname = '', query = ''] = path.split('?', 2);
  if (/(^|&)watch=(true|1)(&|$)/.test(query)) return 'watch';
  const segments = pathname.split('/').filter((s) => s !== '');
  // /api/v1/... or /apis/<group>/<version>/...; after that: resource[/name] or namespaces/<ns>/resource[/name].
  const rest = segments[0] === 'api' ? segments.slice(2) : segments[0] === 'apis' ? segments.slice(3) : undefined;
  const collection = rest !== undefined && rest.length % 2 === 1;
  switch (method.toUpperCase()) {
    case 'POST': return 'create';
    case 'GET': return collection ? 'list' : 'get';
    case 'DELETE': return 'delete';
    case 'PUT':
    case 'PATCH': return 'update';
    default: return 'other';
  }
}

export class ApiCounter {
  private counts = zero();
  private connections = 0;
  private readonly hostPort: string;
  private readonly onStart = (message: unknown): void => {
    const request = (message as { request: ClientRequest }).request;
    if (request.getHeader('host') !== this.hostPort) return;
    this.counts[verbOf(request.method, request.path)] += 1;
  };
  private readonly onFinish = (message: unknown): void => {
    const request = (message as { request: ClientRequest }).request;
    if (request.getHeader('host') === this.hostPort && !request.reusedSocket) this.connections += 1;
  };
  private readonly onUndici = (message: unknown): void => {
    const request = (message as { request: { origin: string; method: string; path: string } }).request;
    if (new URL(request.origin).host === this.hostPort) this.counts[verbOf(request.method, request.path)] += 1;
  };

  /** Counts requests to `server` (e.g. https://127.0.0.1:PORT) from now until stop(). */
  constructor(server: string) {
    this.hostPort = new URL(server).host;
    diagnostics.subscribe('http.client.request.start', this.onStart);
    diagnostics.subscribe('http.client.response.finish', this.onFinish);
    diagnostics.subscribe('undici:request:create', this.onUndici);
  }

  snapshot(): Counts {
    const total = VERBS.reduce((sum, verb) => sum + this.counts[verb], 0);
    return { ...this.counts, total, connections: this.connections };
  }

  /** What `work` sent, and its result. Only meaningful when nothing else talks to the apiserver meanwhile. */
  async during<T>(work: () => Promise<T>): Promise<{ value: T; counts: Counts }> {
    const before = this.snapshot();
    const value = await work();
    return { value, counts: difference(this.snapshot(), before) };
  }

  stop(): void {
    diagnostics.unsubscribe('http.client.request.start', this.onStart);
    diagnostics.unsubscribe('http.client.response.finish', this.onFinish);
    diagnostics.unsubscribe('undici:request:create', this.onUndici);
  }
}

export function difference(after: Counts, before: Counts): Counts {
  const counts = zero();
  for (const verb of VERBS) counts[verb] = after[verb] - before[verb];
  return { ...counts, total: after.total - before.total, connections: after.connections - before.connections };
}

export function sum(all: readonly Counts[]): Counts {
  const counts = zero();
  for (const one of all) for (const verb of VERBS) counts[verb] += one[verb];
  return {
    ...counts,
    total: all.reduce((n, c) => n + c.total, 0),
    connections: all.reduce((n, c) => n + c.connections, 0),
  };
}

/** "5 create + 4 list", leaving out verbs that did not occur. */
export function describeCounts(counts: Counts, per = 1): string {
  const parts = VERBS.filter((verb) => counts[verb] > 0).map((verb) => `${formatCount(counts[verb] / per)} ${verb}`);
  return parts.length === 0 ? 'none' : parts.join(' + ');
}

const formatCount = (value: number): string => (Number.isInteger(value) ? String(value) : value.toFixed(2));
