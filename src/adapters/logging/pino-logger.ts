/**
 * The Logger port on pino: JSON lines. Known credential-bearing field names
 * are redacted as a second line of defence; the first is never passing them.
 */
import { pino, type DestinationStream, type Logger as Pino } from 'pino';
import type { LogFields, Logger } from '../../application/ports/logger.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const REDACT = ['password', 'token', 'credentials', 'authorization', '*.password', '*.token', '*.credentials', '*.authorization'];

export class PinoLogger implements Logger {
  private constructor(private readonly pino: Pino) {}

  static create(level: LogLevel, destination?: DestinationStream): PinoLogger {
    const options = { level, base: { name: 'mesitis' }, redact: { paths: REDACT, censor: '[redacted]' } };
    return new PinoLogger(destination ? pino(options, destination) : pino(options));
  }

  debug(message: string, fields: LogFields = {}): void { this.pino.debug(fields, message); }
  info(message: string, fields: LogFields = {}): void { this.pino.info(fields, message); }
  warn(message: string, fields: LogFields = {}): void { this.pino.warn(fields, message); }
  error(message: string, fields: LogFields = {}): void { this.pino.error(fields, message); }
  child(fields: LogFields): Logger { return new PinoLogger(this.pino.child(fields)); }
}
