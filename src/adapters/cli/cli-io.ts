/**
 * Where consumer verbs write, and the exit codes they return. Verbs take an
 * `io` rather than touching process.stdout, so tests run them in-process.
 */

export interface TextSink {
  write(text: string): unknown;
}

export interface CliIo {
  /** Results: tables, JSON, success lines. What a script pipes on. */
  readonly out: TextSink;
  /** Progress, hints and errors: never mixed into -o json output. */
  readonly err: TextSink;
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

/** `mesitis <verb>: <message>` on `err`, returning the exit code to end with. */
export function fail(io: CliIo, verb: string, message: string, code: ExitCode = EXIT.failure): ExitCode {
  io.err.write(`mesitis ${verb}: ${message}\n`);
  return code;
}

/** A usage error: the message, a pointer to --help, and exit code 2. */
export function usage(io: CliIo, verb: string, message: string): ExitCode {
  io.err.write(`mesitis ${verb}: ${message}\nRun "mesitis ${verb} --help" for usage.\n`);
  return EXIT.usage;
}
