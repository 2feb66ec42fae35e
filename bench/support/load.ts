/**
 * HTTP load with autocannon, run in a worker thread so the load generator
 * does not share the event loop of the server it measures (both servers
 * under test run in this process's main thread). Every target gets the same
 * settings: connections, duration, headers.
 */
import autocannon from 'autocannon';

export interface LoadSettings {
  readonly connections: number;
  readonly durationSeconds: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Connection errors, timeouts, non-2xx answers. */
  readonly failures: number;
  /**
   * CPU time of this whole process per request: the server under test plus
   * the load generator's thread. Less sensitive than requests/s to other
   * work on the machine; the generator's share is the same for equal bytes.
   */
  readonly cpuMicrosPerRequest: number;
}

export async function load(url: string, headers: Readonly<Record<string, string>>, settings: LoadSettings): Promise<LoadResult> {
  const cpu = process.cpuUsage();
  const result = await autocannon({
    url,
    headers,
    connections: settings.connections,
    duration: settings.durationSeconds,
    workers: 1,
    timeout: 10,
  });
  const used = process.cpuUsage(cpu);
  return {
    requests: result.requests.total,
    requestsPerSecond: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    failures: result.errors + result.timeouts + result.non2xx,
    cpuMicrosPerRequest: (used.user + used.system) / Math.max(1, result.requests.total),
  };
}

/** Several runs of one target as one: requests and failures add up, rates and percentiles are medians of the runs. */
export function combine(runs: readonly LoadResult[]): LoadResult {
  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  };
  return {
    requests: runs.reduce((n, r) => n + r.requests, 0),
    requestsPerSecond: median(runs.map((r) => r.requestsPerSecond)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    failures: runs.reduce((n, r) => n + r.failures, 0),
    cpuMicrosPerRequest: median(runs.map((r) => r.cpuMicrosPerRequest)),
  };
}
