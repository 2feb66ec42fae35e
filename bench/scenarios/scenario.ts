/** One benchmark scenario: sets up what it needs, measures, and returns its section of the report. */
import type { Section } from '../report.js';
import type { Environment } from '../support/environment.js';

export interface Scenario {
  /** Used by --only. */
  readonly name: string;
  run(env: Environment): Promise<Section>;
}

/** Throws when the broker logged errors: the bench must fail on errors, never on speed. */
export function checkBrokerLogs(what: string, logs: { readonly errors: number; readonly samples: readonly string[] }): void {
  if (logs.errors > 0) throw new Error(`${what}: the broker logged ${logs.errors} error(s), e.g. ${logs.samples[0] ?? ''}`);
}
