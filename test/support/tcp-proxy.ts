/**
 * A TCP proxy on 127.0.0.1 in front of a server, which a test can cut: the
 * way to drop a client's watch connection (and keep it from coming back for a
 * while) without stopping the server itself. TLS passes through untouched.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Closes every open connection and refuses new ones until restore(). */
  cut(): Promise<void>;
  /** Accepts connections again, on the same port. */
  restore(): Promise<void>;
  /** How many connections it has accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let accepted = 0;
  const makeServer = (): Server =>
    createServer((client) => {
      accepted += 1;
      const upstream = createConnection({ host: targetHost, port: targetPort });
      for (const socket of [client, upstream]) {
        open.add(socket);
        socket.on('close', () => open.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
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
    restore: async () => {
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
