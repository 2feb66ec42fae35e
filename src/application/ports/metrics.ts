import type { OperationState, OperationType } from '../../domain/records.js';

/** How many records one reconciler pass found owing work, took up, and could not finish. */
export interface ReconcileCounts {
  readonly pending: number;
  readonly resumed: number;
  readonly failed: number;
}

/**
 * What the application tells operators about its work, as numbers. Never
 * given an instance id, a namespace or any other unbounded value: every
 * argument is one of a small fixed set. Calls are cheap and never fail.
 */
export interface Metrics {
  /** An operation reached its end: `seconds` from when it was accepted (startedAt) to now, across restarts. */
  operationFinished(type: OperationType, outcome: Exclude<OperationState, 'in progress'>, seconds: number): void;
  /** A reconciler pass ended: its counts, or 'error' when it could not list the records. */
  reconcilePass(report: ReconcileCounts | 'error'): void;
}

/** Counts nothing: the default where no one is watching (unit tests, the CLI). */
export const NO_METRICS: Metrics = {
  operationFinished: () => {},
  reconcilePass: () => {},
};
