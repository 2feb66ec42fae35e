/**
 * Catalog: GET /v2/catalog from the broker on the real apiserver (the
 * informer holds the catalog entries), against a bare Koa app answering with
 * the same bytes and headers; same autocannon settings, runs interleaved
 * (broker, Koa, Koa, broker, ...). The API requests the broker sends while
 * under load are counted on the client side: the goal is none.
 */
import type { Section } from '../report.js';
import { chosenHeaders, fetchRaw, startBareKoa, type BareServer } from '../support/bare-koa.js';
import { MEMORY_STATE, startBenchBroker, type BenchBroker } from '../support/brokers.js';
import { describeCounts, sum, type Counts } from '../support/api-counter.js';
import { applyToCluster, type Environment } from '../support/environment.js';
import { catalogEntries } from '../support/fixtures.js';
import { combine, load, type LoadResult } from '../support/load.js';
import { ratio, round } from '../support/measure.js';
import { checkBrokerLogs, type Scenario } from './scenario.js';

const BROKER_NAMESPACE = 'bench-catalog';

interface Target {
  readonly label: string;
  readonly url: string;
  readonly runs: LoadResult[];
}

export const catalogScenario: Scenario = {
  name: 'catalog',
  async run(env: Environment): Promise<Section> {
    const { catalogEntries: count, catalogLoad } = env.sizes;
    const real = await env.realCluster();
    env.progress(`catalog: creating ${count} catalog-entry ConfigMaps on the apiserver`);
    await applyToCluster(real, [BROKER_NAMESPACE], catalogEntries(BROKER_NAMESPACE, count), 16);
    let broker: BenchBroker | undefined;
    const bare: BareServer[] = [];
    try {
      const started = await real.counter.during(() => startBenchBroker(BROKER_NAMESPACE, { kind: 'kubernetes', config: real.config }, MEMORY_STATE));
      broker = started.value;
      if (started.counts.watch < 1) throw new Error(`catalog: the broker's start-up sent no watch request (${describeCounts(started.counts)}): is the counter blind to it?`);
      const url = `${broker.url}/v2/catalog`;
      const first = await fetchRaw(url, broker.headers);
      const plans = (JSON.parse(first.body.toString('utf8')) as { services: { plans: unknown[] }[] }).services.reduce((n, s) => n + s.plans.length, 0);
      if (first.status !== 200 || plans !== count) throw new Error(`catalog: expected ${count} plans with 200, got ${plans} with ${first.status}`);
      bare.push(await startBareKoa(first), await startBareKoa(first, true));
      await checkSameAnswer(first, `${bare[0]!.url}/v2/catalog`, broker.headers);

      const targets: Target[] = [
        { label: 'broker GET /v2/catalog', url, runs: [] },
        { label: 'bare Koa, same bytes and headers', url: `${bare[0]!.url}/v2/catalog`, runs: [] },
        { label: 'bare Koa, same body as a string', url: `${bare[1]!.url}/v2/catalog`, runs: [] },
      ];
      const settings = { connections: catalogLoad.connections, durationSeconds: catalogLoad.durationSeconds };
      env.progress(`catalog: warming up (${targets.length} targets)`);
      for (const target of targets) await load(target.url, broker.headers, { ...settings, durationSeconds: Math.min(1, settings.durationSeconds) });
      const apiCounts: Counts[] = [];
      for (let round = 0; round < catalogLoad.rounds; round++) {
        const order = round % 2 === 0 ? targets : [...targets].reverse();
        for (const target of order) {
          env.progress(`catalog: round ${round + 1}/${catalogLoad.rounds}, ${target.label}, ${settings.connections} connections x ${settings.durationSeconds}s`);
          const { value, counts } = await real.counter.during(() => load(target.url, broker!.headers, settings));
          target.runs.push(value);
          if (target === targets[0]) apiCounts.push(counts);
        }
      }
      checkBrokerLogs('catalog', broker.logs);
      return report(count, first.body.length, targets, sum(apiCounts), started.counts, settings);
    } finally {
      await Promise.all([broker?.stop(), ...bare.map((server) => server.stop())]);
    }
  },
};

async function checkSameAnswer(broker: Awaited<ReturnType<typeof fetchRaw>>, bareUrl: string, headers: Readonly<Record<string, string>>): Promise<void> {
  const bare = await fetchRaw(bareUrl, headers);
  const same = bare.body.equals(broker.body) && JSON.stringify(chosenHeaders(bare.headers)) === JSON.stringify(chosenHeaders(broker.headers));
  if (!same) {
    throw new Error(`catalog: the bare Koa answer differs from the broker's: ${JSON.stringify(chosenHeaders(bare.headers))} vs ${JSON.stringify(chosenHeaders(broker.headers))}`);
  }
}

function report(entries: number, bytes: number, targets: readonly Target[], api: Counts, startup: Counts, settings: { connections: number; durationSeconds: number }): Section {
  const results = targets.map((target) => ({ label: target.label, result: combine(target.runs) }));
  const [broker, bare] = [results[0]!.result, results[1]!.result];
  const failures = results.reduce((n, r) => n + r.result.failures, 0);
  if (failures > 0) throw new Error(`catalog: ${failures} failed requests under load`);
  const perRequest = api.total / broker.requests;
  const throughput = ratio(broker.requestsPerSecond, bare.requestsPerSecond);
  const rows = results.map(({ label, result }, i) => [
    label, round(result.requestsPerSecond, 0), result.p50Ms, result.p99Ms, round(result.cpuMicrosPerRequest, 0),
    i === 0 ? 1 : ratio(results[0]!.result.requestsPerSecond, result.requestsPerSecond),
    i === 0 ? `${api.total} (${round(perRequest, 4)} per request)` : '-',
  ]);
  return {
    name: 'catalog',
    title: `Catalog: ${entries.toLocaleString('en-US')} entries, ${Math.round(bytes / 1024)} KiB response, ${settings.connections} connections, ${targets[0]!.runs.length} x ${settings.durationSeconds}s per target, interleaved`,
    columns: ['target', 'requests/s', 'p50 ms', 'p99 ms', 'CPU µs/request', 'broker req/s ÷ this', 'Kubernetes API requests during load'],
    rows,
    goals: [
      { goal: 'catalog at least 0.9x bare Koa (requests/s)', measured: `${throughput}x (p99 ${broker.p99Ms} vs ${bare.p99Ms} ms)`, met: throughput >= 0.9 },
      { goal: '0 Kubernetes API requests per catalog request', measured: `${api.total} in ${broker.requests.toLocaleString('en-US')} requests (${describeCounts(api)})`, met: api.total === 0 },
    ],
    notes: [
      `Broker start-up sent ${describeCounts(startup)} (the informer's listing and watch, counted the same way); after that the catalog is served from memory.`,
      'CPU µs/request is this process\'s CPU time (server + load generator thread) per request; it is steadier than requests/s when other work shares the machine.',
      `The same text sent as a JS string (as the broker's catalog view caches it) instead of bytes costs bare Koa ${round(results[2]!.result.cpuMicrosPerRequest - bare.cpuMicrosPerRequest, 0)} µs more CPU per request ` +
        `(${ratio(results[2]!.result.requestsPerSecond, bare.requestsPerSecond)}x its requests/s): each response pays Buffer.byteLength and a UTF-8 encoding of the whole document. ` +
        `The broker costs ${round(broker.cpuMicrosPerRequest - bare.cpuMicrosPerRequest, 0)} µs more than bare Koa with bytes.`,
    ],
    data: { entries, bytes, settings, targets: results, apiRequests: api, startupRequests: startup },
  };
}
