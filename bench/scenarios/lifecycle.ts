/**
 * Lifecycle: provision -> bind -> unbind -> deprovision of fresh instances of
 * a dedicated plan (a Service and a Secret), synchronously, through the
 * broker's HTTP API: on the fake cluster with the memory store and with
 * Redis, and on the real test apiserver with each store, the Kubernetes
 * store (ConfigMaps and Leases on that apiserver) included. Reported per
 * backend and concurrency: cycles per second, cycle and per-step latency,
 * and (on the apiserver) the API requests per cycle.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { CoordinationV1Api } from '@kubernetes/client-node';
import type { Cell, Section } from '../report.js';
import { describeCounts, type Counts } from '../support/api-counter.js';
import { KUBERNETES_STATE, MEMORY_STATE, redisState, startBenchBroker, type BenchBroker, type ClusterChoice } from '../support/brokers.js';
import { applyToCluster, type Environment, type RealCluster } from '../support/environment.js';
import { dedicatedOffering, namespace } from '../support/fixtures.js';
import { boundedLoop, round, summarise, timed } from '../support/measure.js';
import { bind, deprovision, OsbClient, planRefs, provision, unbind, type PlanRef } from '../support/osb.js';
import type { StateOptions } from '../../src/main/options.js';
import { checkBrokerLogs, type Scenario } from './scenario.js';

const BROKER_NAMESPACE = 'bench-lifecycle';
const TARGET_NAMESPACE = 'bench-lifecycle-objects';
const STEPS = ['provision', 'bind', 'unbind', 'deprovision'] as const;
type Step = (typeof STEPS)[number];

interface Backend {
  readonly label: string;
  readonly cluster: 'fake' | 'apiserver';
  readonly store: 'memory' | 'redis' | 'kubernetes';
}

const BACKENDS: readonly Backend[] = [
  { label: 'fake cluster, memory store', cluster: 'fake', store: 'memory' },
  { label: 'fake cluster, Redis', cluster: 'fake', store: 'redis' },
  { label: 'test apiserver, memory store', cluster: 'apiserver', store: 'memory' },
  { label: 'test apiserver, Redis', cluster: 'apiserver', store: 'redis' },
  { label: 'test apiserver, Kubernetes store', cluster: 'apiserver', store: 'kubernetes' },
];

interface Measured {
  readonly backend: string;
  readonly concurrency: number;
  readonly cycles: number;
  readonly cyclesPerSecond: number;
  readonly cycle: ReturnType<typeof summarise>;
  readonly steps: Record<Step, ReturnType<typeof summarise>>;
  readonly apiRequests?: Counts;
}

const offering = dedicatedOffering(BROKER_NAMESPACE, TARGET_NAMESPACE, 2, 3);

export const lifecycleScenario: Scenario = {
  name: 'lifecycle',
  async run(env: Environment): Promise<Section> {
    const measured: Measured[] = [];
    let real: RealCluster | undefined;
    for (const backend of BACKENDS) {
      if (backend.cluster === 'apiserver' && real === undefined) {
        real = await env.realCluster();
        await applyToCluster(real, [BROKER_NAMESPACE, TARGET_NAMESPACE], offering.manifests);
      }
      const cluster: ClusterChoice = backend.cluster === 'fake'
        ? { kind: 'memory', objects: [namespace(TARGET_NAMESPACE), ...offering.manifests] }
        : { kind: 'kubernetes', config: real!.config };
      const state: StateOptions = backend.store === 'memory'
        ? MEMORY_STATE
        : backend.store === 'kubernetes'
          ? KUBERNETES_STATE
          : redisState((await env.redisServer()).url, `bench:${randomBytes(4).toString('hex')}:`);
      measured.push(...(await measureBackend(env, backend, cluster, state, real)));
    }
    return report(measured);
  },
};

async function measureBackend(env: Environment, backend: Backend, cluster: ClusterChoice, state: StateOptions, real: RealCluster | undefined): Promise<Measured[]> {
  const broker = await startBenchBroker(BROKER_NAMESPACE, cluster, state);
  const client = new OsbClient(broker.url, broker.headers);
  const results: Measured[] = [];
  try {
    const plan = (await planRefs(client)).get(offering.planId);
    if (plan === undefined) throw new Error(`lifecycle: plan ${offering.planId} is not in the catalog`);
    const { maxCycles, maxMs, concurrency } = env.sizes.lifecycle;
    await boundedLoop({ maxCount: 20, maxMs: 2000 }, 1, () => cycle(client, plan, undefined)); // warm-up
    for (const workers of concurrency) {
      env.progress(`lifecycle: ${backend.label}, concurrency ${workers}, up to ${maxCycles} cycles or ${maxMs / 1000}s`);
      const steps = Object.fromEntries(STEPS.map((step) => [step, [] as number[]])) as Record<Step, number[]>;
      const run = () => boundedLoop({ maxCount: maxCycles, maxMs }, workers, () => cycle(client, plan, steps));
      const { value: outcome, counts } = real !== undefined && backend.cluster === 'apiserver'
        ? await real.counter.during(run)
        : { value: await run(), counts: undefined };
      results.push({
        backend: backend.label, concurrency: workers, cycles: outcome.samples.length,
        cyclesPerSecond: outcome.samples.length / (outcome.elapsedMs / 1000),
        cycle: summarise(outcome.samples),
        steps: Object.fromEntries(STEPS.map((step) => [step, summarise(steps[step])])) as Record<Step, ReturnType<typeof summarise>>,
        ...(counts !== undefined ? { apiRequests: counts } : {}),
      });
    }
    await checkNothingLeft(broker, real, backend);
    checkBrokerLogs(`lifecycle (${backend.label})`, broker.logs);
    return results;
  } finally {
    client.close();
    await broker.stop();
  }
}

async function cycle(client: OsbClient, plan: PlanRef, steps: Record<Step, number[]> | undefined): Promise<void> {
  const instanceId = randomUUID();
  const bindingId = randomUUID();
  const record = async (step: Step, work: () => Promise<unknown>) => {
    const ms = await timed(async () => void (await work()));
    steps?.[step].push(ms);
  };
  await record('provision', () => provision(client, plan, instanceId));
  await record('bind', () => bind(client, plan, instanceId, bindingId));
  await record('unbind', () => unbind(client, plan, instanceId, bindingId));
  await record('deprovision', () => deprovision(client, plan, instanceId));
}

/** Every cycle deprovisioned what it made: the target namespace must be empty again. */
async function checkNothingLeft(broker: BenchBroker, real: RealCluster | undefined, backend: Backend): Promise<void> {
  let left: number;
  if (broker.memoryCluster !== undefined) {
    left = ['Service', 'Secret'].reduce((n, kind) => n + broker.memoryCluster!.list(kind, TARGET_NAMESPACE).length, 0);
  } else {
    const managed = { namespace: TARGET_NAMESPACE, labelSelector: 'app.kubernetes.io/managed-by=mesitis' };
    const services = await real!.core.listNamespacedService(managed);
    const secrets = await real!.core.listNamespacedSecret(managed);
    left = services.items.length + secrets.items.length;
  }
  if (left > 0) throw new Error(`lifecycle (${backend.label}): ${left} objects left behind after deprovisioning every instance`);
  if (backend.store === 'kubernetes') {
    // Every record deleted with its instance or binding, every lock released.
    const records = await real!.core.listNamespacedConfigMap({ namespace: BROKER_NAMESPACE, labelSelector: 'mesitis/record' });
    const leases = await real!.config.makeApiClient(CoordinationV1Api).listNamespacedLease({ namespace: BROKER_NAMESPACE });
    const kept = records.items.length + leases.items.length;
    if (kept > 0) throw new Error(`lifecycle (${backend.label}): ${kept} state records or locks left behind in ${BROKER_NAMESPACE}`);
  }
}

function report(measured: readonly Measured[]): Section {
  const rows: Cell[][] = measured.map((m) => [
    m.backend, m.concurrency, round(m.cyclesPerSecond, 1), round(m.cycle.p50, 2), round(m.cycle.p99, 2),
    ...STEPS.map((step) => round(m.steps[step].p50, 2)),
    m.apiRequests !== undefined ? describeCounts(m.apiRequests, m.cycles) : '-',
  ]);
  return {
    name: 'lifecycle',
    title: 'Lifecycle: provision -> bind -> unbind -> deprovision of a 2-object plan (Service + Secret), synchronous',
    columns: ['backend', 'concurrency', 'cycles/s', 'cycle p50 ms', 'cycle p99 ms', ...STEPS.map((s) => `${s} p50 ms`), 'API requests per cycle'],
    rows,
    goals: [],
    notes: ['Each run stops at its cycle or time limit, whichever comes first; the target namespace is checked to be empty afterwards.'],
    data: { plan: { objects: 2, kinds: ['Service', 'Secret'] }, measured },
  };
}
