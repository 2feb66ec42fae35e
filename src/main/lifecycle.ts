/** Keeps a running broker up until SIGTERM or SIGINT, then stops it gracefully. */
import type { Logger } from '../application/ports/logger.js';
import type { RunningBroker } from './run-broker.js';

export function untilSignalled(broker: RunningBroker, logger: Logger): Promise<number> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info('signal received', { signal });
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      broker.stop().then(() => resolve(0), (error: unknown) => {
        logger.error('shutdown failed', { error: String(error) });
        resolve(1);
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
