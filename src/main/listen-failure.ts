/**
 * Why the broker could not listen, said as the way out: which flag or
 * variable picks another port or address. Anything else is not a listen
 * failure (undefined) and is left to the caller.
 */
import type { BrokerOptions } from './options.js';

export function listenFailure(error: unknown, options: Pick<BrokerOptions, 'host' | 'port'>): string | undefined {
  const where = `${options.host}:${options.port}`;
  switch ((error as NodeJS.ErrnoException | undefined)?.code) {
    case 'EADDRINUSE':
      return `port ${options.port} is already in use on ${options.host}; pick another with --port N (or the PORT variable)`;
    case 'EACCES':
      return `not allowed to listen on ${where}; pick a port above 1023 with --port N (or the PORT variable)`;
    case 'EADDRNOTAVAIL':
      return `${options.host} is not an address of this machine; pick another with --host ADDR (or the HOST variable)`;
    default:
      return undefined;
  }
}
