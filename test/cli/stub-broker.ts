/** An HTTP server that answers from a script and records what it was asked: for answers a real broker will not give on demand. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface StubAnswer {
  readonly status: number;
  readonly body?: unknown;
  /** Sent as is instead of JSON. */
  readonly raw?: string;
}

export interface StubBroker {
  readonly url: string;
  readonly requests: StubRequest[];
  stop(): Promise<void>;
}

export async function startStubBroker(answer: (request: StubRequest, index: number) => StubAnswer): Promise<StubBroker> {
  const requests: StubRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(request);
      const { status, body, raw } = answer(request, requests.length - 1);
      res.writeHead(status, { 'Content-Type': raw === undefined ? 'application/json' : 'text/html' });
      res.end(raw ?? (body === undefined ? '' : JSON.stringify(body)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
