/**
 * Where consumer verbs write, and the exit codes they return. Verbs take an
 * `io` rather than touching process.stdout, so tests run them in-process.
 */
import { describeOsbFailure, type OsbFailure } from './osb-failure.js';

export interface TextSink {
  write(text: string): unknown;
}

export interface CliIo {
  /** Results: tables, JSON, success lines. What a script pipes on. */
  readonly out: TextSink;
  /** Progress, hints and errors: never mixed into -o json output. */
  readonly err: TextSink;
  /**
   * With -o json a failure is also written to `out`, as `{"error": {...}}`,
   * so a script reading stdout gets JSON whatever happened.
   */
  readonly json?: boolean;
}

export const EXIT = {
  ok: 0,
  /** The broker refused (any OSB error), an operation failed, or the cluster refused the Secret. */
  failure: 1,
  usage: 2,
  timeout: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A line on `out`. */
export const say = (io: CliIo, line: string): void => {
  io.out.write(`${line}\n`);
};

/** The broker's own words, when a failure is its answer: the JSON error object carries them apart. */
type BrokerWords = { readonly http_status?: number; readonly osb_error?: string; readonly description?: string };

const brokerWords = (failure: OsbFailure | undefined): BrokerWords =>
  failure?.kind === 'status'
    ? {
        http_status: failure.status,
        ...(failure.code !== undefined ? { osb_error: failure.code } : {}),
        ...(failure.description !== undefined ? { description: failure.description } : {}),
      }
    : {};

function jsonError(io: CliIo, verb: string, message: string, code: ExitCode, failure?: OsbFailure): void {
  if (!io.json) return;
  const error = { verb, message, exit_code: code, ...brokerWords(failure) };
  io.out.write(`${JSON.stringify({ error }, null, 2)}\n`);
}

/** `mesitis <verb>: <message>` on `err` (and with -o json the error object on `out`), returning the exit code to end with. */
export function fail(io: CliIo, verb: string, message: string, code: ExitCode = EXIT.failure, failure?: OsbFailure): ExitCode {
  io.err.write(`mesitis ${verb}: ${message}\n`);
  jsonError(io, verb, message, code, failure);
  return code;
}

/** fail() for an OSB call that went wrong, `what` saying which call when the verb makes several. */
export function failOsb(io: CliIo, verb: string, failure: OsbFailure, what?: string): ExitCode {
  const described = describeOsbFailure(failure);
  return fail(io, verb, what !== undefined ? `${what}: ${described}` : described, EXIT.failure, failure);
}

/** A usage error: the message, a pointer to --help, and exit code 2. */
export function usage(io: CliIo, verb: string, message: string): ExitCode {
  io.err.write(`mesitis ${verb}: ${message}\nRun "mesitis ${verb} --help" for usage.\n`);
  jsonError(io, verb, message, EXIT.usage);
  return EXIT.usage;
}
