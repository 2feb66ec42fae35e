/**
 * Scale: the broker as `mesitis dev` runs it (fake cluster, memory store, so
 * every record and object lives in this process) with many catalog entries,
 * filled with more and more instances of a 2-object plan. At each level:
 * memory after a full GC, catalog throughput and latency, and the latency of
 * provisioning (and then deprovisioning) a batch of fresh instances, which
 * should not grow with the number of instances already there.
 */
import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Cell, Section } from '../report.js';
import { MEMORY_STATE, startBenchBroker, type BenchBroker } from '../support/brokers.js';
import type { Environment } from '../support/environment.js';
import { catalogEntries, dedicatedOffering, namespace } from '../support/fixtures.js';
import { load, type LoadResult } from '../support/load.js';
import { boundedLoop, ratio, round, summarise, timed, type Summary } from '../support/measure.js';
import { deprovision, OsbClient, planRefs, provision, type PlanRef } from '../support/osb.js';
import { checkBrokerLogs, type Scenario } from './scenario.js';

const BROKER_NAMESPACE = 'bench-scale';
const TARGET_NAMESPACE = 'bench-scale-objects';
const FILL_CONCURRENCY = 8;
const FILL_MAX_MS = 180_000;
const MiB = 2 ** 20;

interface Level {
  readonly instances: number;
  readonly objects: number;
  readonly rssMiB: number;
  readonly heapMiB: number;
  readonly catalog: LoadResult;
  readonly provision: Summary;
  readonly deprovision: Summary;
}

/** A full garbage collection, so memory figures are what is live rather than what was left lying around. */
const collectGarbage: () => void = (() => {
  setFlagsFromString('--expose_gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  return () => gc?.();
})();

function memory(): { rssMiB: number; heapMiB: number } {
  collectGarbage();
  collectGarbage();
  const usage = process.memoryUsage();
  return { rssMiB: usage.rss / MiB, heapMiB: usage.heapUsed / MiB };
}

export const scaleScenario: Scenario = {
  name: 'scale',
  async run(env: Environment): Promise<Section> {
    const { entries, levels, probes, catalogSeconds } = env.sizes.scale;
    const offering = dedicatedOffering(BROKER_NAMESPACE, TARGET_NAMESPACE, 2, 5);
    const objects = [namespace(TARGET_NAMESPACE), ...catalogEntries(BROKER_NAMESPACE, entries), ...offering.manifests];
    const broker = await startBenchBroker(BROKER_NAMESPACE, { kind: 'memory', objects }, MEMORY_STATE);
    const client = new OsbClient(broker.url, broker.headers);
    try {
      const plan = (await planRefs(client)).get(offering.planId);
      if (plan === undefined) throw new Error(`scale: plan ${offering.planId} is not in the catalog`);
      const catalogUrl = `${broker.url}/v2/catalog`;
      const catalogLoad = { connections: 10, durationSeconds: catalogSeconds };
      await load(catalogUrl, broker.headers, { ...catalogLoad, durationSeconds: Math.min(1, catalogSeconds) }); // warm-up
      const empty = memory();
      const baseline = await load(catalogUrl, broker.headers, catalogLoad);
      env.progress(`scale: ${entries} entries, no instances: RSS ${round(empty.rssMiB)} MiB, catalog ${round(baseline.requestsPerSecond, 0)} req/s`);
      const measured: Level[] = [];
      let instances = 0;
      for (const target of levels) {
        env.progress(`scale: filling to ${target.toLocaleString('en-US')} instances`);
        const filled = await boundedLoop({ maxCount: target - instances, maxMs: FILL_MAX_MS }, FILL_CONCURRENCY, async () => {
          await provision(client, plan, randomUUID());
        });
        instances += filled.samples.length;
        if (instances < target) throw new Error(`scale: reached only ${instances} of ${target} instances in ${FILL_MAX_MS / 1000}s`);
        measured.push(await measureLevel(env, broker, client, plan, instances, probes, catalogUrl, catalogLoad));
      }
      checkBrokerLogs('scale', broker.logs);
      return report(entries, empty, baseline, measured, probes);
    } finally {
      client.close();
      await broker.stop();
    }
  },
};

async function measureLevel(
  env: Environment, broker: BenchBroker, client: OsbClient, plan: PlanRef, instances: number, probes: number,
  catalogUrl: string, catalogLoad: { connections: number; durationSeconds: number },
): Promise<Level> {
  const used = memory();
  const objects = ['Service', 'Secret'].reduce((n, kind) => n + broker.memoryCluster!.list(kind, TARGET_NAMESPACE).length, 0);
  const ids = Array.from({ length: probes }, () => randomUUID());
  const provisioned: number[] = [];
  const deprovisioned: number[] = [];
  for (const id of ids) provisioned.push(await timed(async () => void (await provision(client, plan, id))));
  for (const id of ids) deprovisioned.push(await timed(async () => void (await deprovision(client, plan, id))));
  const catalog = await load(catalogUrl, broker.headers, catalogLoad);
  if (catalog.failures > 0) throw new Error(`scale: ${catalog.failures} failed catalog requests at ${instances} instances`);
  const level = { instances, objects, ...used, catalog, provision: summarise(provisioned), deprovision: summarise(deprovisioned) };
  env.progress(`scale: ${instances} instances: RSS ${round(used.rssMiB)} MiB, provision p50 ${round(level.provision.p50, 2)} ms, deprovision p50 ${round(level.deprovision.p50, 2)} ms`);
  return level;
}

function report(entries: number, empty: { rssMiB: number; heapMiB: number }, baseline: LoadResult, levels: readonly Level[], probes: number): Section {
  const rows: Cell[][] = [
    [0, 0, round(empty.rssMiB), round(empty.heapMiB), round(baseline.requestsPerSecond, 0), baseline.p99Ms, '-', '-', '-', '-'],
    ...levels.map((l) => [
      l.instances, l.objects, round(l.rssMiB), round(l.heapMiB), round(l.catalog.requestsPerSecond, 0), l.catalog.p99Ms,
      round(l.provision.p50, 2), round(l.provision.p99, 2), round(l.deprovision.p50, 2), round(l.deprovision.p99, 2),
    ]),
  ];
  const first = levels[0]!;
  const last = levels[levels.length - 1]!;
  const growth = ratio(last.provision.p50, first.provision.p50);
  const perInstance = (field: 'rssMiB' | 'heapMiB') => round(((last[field] - empty[field]) * MiB) / last.instances / 1024, 1);
  return {
    name: 'scale',
    title: `Scale: ${entries.toLocaleString('en-US')} catalog entries, fake cluster + memory store (everything in this process), ${probes} fresh instances provisioned and deprovisioned per level`,
    columns: ['instances', 'objects in fake cluster', 'RSS MiB', 'heap MiB', 'catalog req/s', 'catalog p99 ms', 'provision p50 ms', 'provision p99 ms', 'deprovision p50 ms', 'deprovision p99 ms'],
    rows,
    goals: [
      {
        goal: `provision latency does not grow from ${first.instances.toLocaleString('en-US')} to ${last.instances.toLocaleString('en-US')} instances (p50 within 1.2x)`,
        measured: `${growth}x (${round(first.provision.p50, 2)} -> ${round(last.provision.p50, 2)} ms)`,
        met: growth <= 1.2,
      },
    ],
    notes: [
      `Per instance (its record and its 2 objects in the fake cluster), the live heap grows by about ${perInstance('heapMiB')} KiB and RSS by about ${perInstance('rssMiB')} KiB ` +
        '(RSS also holds whatever earlier scenarios left to the allocator).',
      ...(last.deprovision.p50 > 1.5 * first.deprovision.p50
        ? [`Deprovision grows (${round(first.deprovision.p50, 2)} -> ${round(last.deprovision.p50, 2)} ms p50): its labelled list per kind makes the fake cluster scan, copy and sort every object of that kind in the namespace (memory-cluster.ts list); a real apiserver does that filtering server-side.`]
        : []),
    ],
    data: { entries, probes, empty, baseline, levels },
  };
}
