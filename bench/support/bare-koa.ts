/**
 * The catalog baseline: a Koa app with no middleware that answers every
 * request with the bytes and headers the broker sent for GET /v2/catalog.
 * It is what serving the catalog costs in Koa at the least, so the broker's
 * ratio to it is the price of everything the broker does per request.
 */
import { get, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export function fetchRaw(url: string, headers: Readonly<Record<string, string>> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    get(url, { headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    }).on('error', reject);
  });
}

// Set by Node or Koa for each response, or hop-by-hop: not part of "the same headers" to copy.
const PER_RESPONSE = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);

/** The headers a response carries that a server chooses, for comparing two servers' answers. */
export function chosenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers)
      .filter(([name, value]) => !PER_RESPONSE.has(name) && value !== undefined)
      .map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : String(value)]),
  );
}

export interface BareServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** Serves `response` as is; `asText` sends the body as a string (encoded per request) instead of ready bytes. */
export async function startBareKoa(response: RawResponse, asText = false): Promise<BareServer> {
  const headers = chosenHeaders(response.headers);
  const text = response.body.toString('utf8');
  const app = new Koa();
  app.use((ctx) => {
    ctx.set(headers);
    ctx.body = asText ? text : response.body;
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    listening.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
