/** Tunables of the use cases; src/main fills them from flags and environment. */
export interface BrokerSettings {
  /** How long an async provision waits for its objects to become ready before it fails. */
  readonly readinessTimeoutMs: number;
  /** How often an async provision polls readiness. */
  readonly readinessPollMs: number;
  /** How long a request waits for another request's lock on the same instance. */
  readonly lockWaitMs: number;
  /** How long a lock lives if its holder dies; holders renew it every third of that. */
  readonly lockTtlMs: number;
  /** How often the reconciler looks for interrupted operations. */
  readonly reconcileIntervalMs: number;
  /** How long a finished async delete is remembered for late last_operation polls. */
  readonly tombstoneMs: number;
}

export const DEFAULT_SETTINGS: BrokerSettings = {
  readinessTimeoutMs: 5 * 60_000,
  readinessPollMs: 1_000,
  lockWaitMs: 10_000,
  lockTtlMs: 15_000,
  reconcileIntervalMs: 10_000,
  tombstoneMs: 60 * 60_000,
};

/** Time and identifiers, injectable so tests can hold them still. */
export interface Runtime {
  now(): Date;
  newId(): string;
  sleep(ms: number): Promise<void>;
}

export const SYSTEM_RUNTIME: Runtime = {
  now: () => new Date(),
  newId: () => globalThis.crypto.randomUUID(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
