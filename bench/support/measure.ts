/**
 * Timing helpers: bounded loops (every loop stops at a count and at a time
 * limit, whichever comes first) and percentiles of what they measured.
 */
import { performance } from 'node:perf_hooks';

export interface Bounds {
  /** Stop after this many iterations. */
  readonly maxCount: number;
  /** Stop starting new iterations once this much time has passed. */
  readonly maxMs: number;
}

export interface Summary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
  readonly max: number;
}

/** Nearest-rank percentile of ascending samples. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function summarise(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: sorted.length === 0 ? Number.NaN : total / sorted.length,
    max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1]!,
  };
}

/** Milliseconds `work` took. */
export async function timed(work: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

export interface LoopOutcome {
  /** Per-iteration durations in ms, in completion order. */
  readonly samples: number[];
  /** Wall-clock ms of the whole loop. */
  readonly elapsedMs: number;
}

/**
 * Runs `iteration` from `workers` concurrent loops until `bounds` say stop.
 * Each iteration gets a global index; a thrown error stops everything and
 * is rethrown once the loops have finished.
 */
export async function boundedLoop(bounds: Bounds, workers: number, iteration: (index: number) => Promise<void>): Promise<LoopOutcome> {
  const samples: number[] = [];
  const started = performance.now();
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < bounds.maxCount && performance.now() - started < bounds.maxMs) {
      const index = next++;
      try {
        samples.push(await timed(() => iteration(index)));
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  if (failure !== undefined) throw failure;
  return { samples, elapsedMs: performance.now() - started };
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function inParallel<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export const round = (value: number, digits = 1): number => {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

export const ratio = (numerator: number, denominator: number): number => round(numerator / denominator, 2);
