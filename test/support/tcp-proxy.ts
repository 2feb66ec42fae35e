/**
 * A TCP proxy on 127.0.0.1 in front of a server, which a test can cut: the
 * way to drop a client's watch connection (and keep it from coming back for a
 * while) without stopping the server itself; or stall: connections stay open
 * (new ones are accepted) but no byte moves, a server that hangs. TLS passes
 * through untouched.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Closes every open connection and refuses new ones until restore(). */
  cut(): Promise<void>;
  /** Accepts connections again, on the same port; after stall(), lets bytes flow again. */
  restore(): Promise<void>;
  /** Keeps every connection, old and new, open but silent until restore(): a hung server. */
  stall(): void;
  /** How many connections it has accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export interface TcpProxyOptions {
  /**
   * Holds every chunk this many milliseconds before passing it on, each way:
   * a slow network, so a test can act between two requests of a burst.
   * 0 (the default) pipes directly.
   */
  readonly latencyMs?: number;
}

export async function startTcpProxy(targetHost: string, targetPort: number, options: TcpProxyOptions = {}): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let accepted = 0;
  let stalled = false;
  const latencyMs = options.latencyMs ?? 0;
  const pairs = new Set<readonly [Socket, Socket]>();
  /** With latency: forwards each chunk later, in order; stall and restore pause and resume the sources. */
  const forwardLater = (from: Socket, to: Socket) => {
    from.on('data', (chunk) => setTimeout(() => { if (!to.destroyed) to.write(chunk); }, latencyMs));
    from.on('end', () => setTimeout(() => to.end(), latencyMs));
  };
  const connect = ([client, upstream]: readonly [Socket, Socket]) => {
    if (latencyMs > 0) {
      client.resume();
      upstream.resume();
      return;
    }
    client.pipe(upstream).pipe(client);
  };
  const silence = ([client, upstream]: readonly [Socket, Socket]) => {
    client.unpipe(upstream);
    upstream.unpipe(client);
    client.pause();
    upstream.pause();
  };
  const makeServer = (): Server =>
    createServer((client) => {
      accepted += 1;
      const upstream = createConnection({ host: targetHost, port: targetPort });
      for (const socket of [client, upstream]) {
        open.add(socket);
        socket.on('close', () => open.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      const pair = [client, upstream] as const;
      pairs.add(pair);
      if (latencyMs > 0) {
        forwardLater(client, upstream);
        forwardLater(upstream, client);
      }
      if (stalled) silence(pair);
      else connect(pair);
      client.on('close', () => (pairs.delete(pair), upstream.destroy()));
      upstream.on('close', () => client.destroy());
    });
  const listen = (server: Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
    });
  const shut = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

  let server: Server | undefined = makeServer();
  const port = await listen(server, 0);
  const cutAll = () => {
    for (const socket of open) socket.destroy();
  };
  return {
    port,
    connections: () => accepted,
    cut: async () => {
      const closing = server;
      server = undefined;
      cutAll();
      if (closing) await shut(closing);
    },
    stall: () => {
      stalled = true;
      for (const pair of pairs) silence(pair);
    },
    restore: async () => {
      if (stalled) {
        stalled = false;
        for (const pair of pairs) connect(pair);
      }
      if (server) return;
      server = makeServer();
      await listen(server, port);
    },
    close: async () => {
      cutAll();
      if (server) await shut(server);
      server = undefined;
    },
  };
}
