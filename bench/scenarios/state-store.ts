/**
 * State store: what one OSB lifecycle asks of the StateStore, through the
 * port alone, on each store: memory, Redis (redis-server) and Kubernetes
 * (ConfigMaps and Leases on the test apiserver). One cycle is the sequence
 * the use cases run for provision -> bind -> unbind -> deprovision of one
 * instance: lock, create, update twice, renew, release; create a binding,
 * read both, list bindings, delete the binding; lock, update, delete,
 * release. Reported per store and concurrency: cycles per second, cycle
 * latency, per-operation latency, and (Kubernetes) API requests per cycle.
 * Unlike the lifecycle scenario it is independent of the use cases and of
 * the cluster objects a plan makes: the store's own cost, nothing else.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { KubernetesStateStore } from '../../src/adapters/kubernetes/kubernetes-state-store.js';
import { kubernetesApis } from '../../src/adapters/kubernetes/api-clients.js';
import { MemoryStateStore } from '../../src/adapters/memory/memory-state-store.js';
import { RedisStateStore } from '../../src/adapters/redis/redis-state-store.js';
import type { Lock, StateStore } from '../../src/application/ports/state-store.js';
import type { Logger } from '../../src/application/ports/logger.js';
import type { BindingRecord, InstanceRecord } from '../../src/domain/records.js';
import type { Result } from '../../src/domain/result.js';
import type { Cell, Section } from '../report.js';
import { describeCounts, type Counts } from '../support/api-counter.js';
import type { Environment, RealCluster } from '../support/environment.js';
import { boundedLoop, round, summarise, timed, type Summary } from '../support/measure.js';
import type { Scenario } from './scenario.js';

const NAMESPACE = 'bench-state';
const OPERATIONS = ['lock', 'create', 'update', 'renew', 'release', 'get', 'bind', 'listBindings', 'unbind', 'delete'] as const;
type Operation = (typeof OPERATIONS)[number];
type Samples = Record<Operation, number[]>;

interface Backend {
  readonly label: string;
  readonly store: 'memory' | 'redis' | 'kubernetes';
}

const BACKENDS: readonly Backend[] = [
  { label: 'memory', store: 'memory' },
  { label: 'Redis (redis-server)', store: 'redis' },
  { label: 'Kubernetes (test apiserver)', store: 'kubernetes' },
];

interface Measured {
  readonly backend: string;
  readonly concurrency: number;
  readonly cycles: number;
  readonly cyclesPerSecond: number;
  readonly cycle: Summary;
  readonly operations: Record<Operation, Summary>;
  readonly apiRequests?: Counts;
}

/** Warnings and errors would mean a failed call; the cycle already throws on those. */
const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, child: () => quiet };

export const stateStoreScenario: Scenario = {
  name: 'state-store',
  async run(env: Environment): Promise<Section> {
    const measured: Measured[] = [];
    for (const backend of BACKENDS) {
      const real = backend.store === 'kubernetes' ? await env.realCluster() : undefined;
      const store = await makeStore(env, backend, real);
      try {
        measured.push(...(await measureStore(env, backend, store, real)));
      } finally {
        await store.close();
      }
    }
    return report(measured);
  },
};

async function makeStore(env: Environment, backend: Backend, real: RealCluster | undefined): Promise<StateStore> {
  switch (backend.store) {
    case 'memory':
      return new MemoryStateStore();
    case 'redis':
      return new RedisStateStore({ url: (await env.redisServer()).url, prefix: `bench:${randomBytes(4).toString('hex')}:`, logger: quiet });
    case 'kubernetes':
      try {
        await real!.core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
      } catch (error) {
        if ((error as { code?: number }).code !== 409) throw error;
      }
      return new KubernetesStateStore(kubernetesApis(real!.config), NAMESPACE, quiet);
  }
}

async function measureStore(env: Environment, backend: Backend, store: StateStore, real: RealCluster | undefined): Promise<Measured[]> {
  const results: Measured[] = [];
  const { maxCycles, maxMs, concurrency } = env.sizes.lifecycle;
  await boundedLoop({ maxCount: 20, maxMs: 2000 }, 1, () => cycle(store, undefined)); // warm-up
  for (const workers of concurrency) {
    env.progress(`state-store: ${backend.label}, concurrency ${workers}, up to ${maxCycles} cycles or ${maxMs / 1000}s`);
    const samples = Object.fromEntries(OPERATIONS.map((op) => [op, [] as number[]])) as Samples;
    const run = () => boundedLoop({ maxCount: maxCycles, maxMs }, workers, () => cycle(store, samples));
    const { value: outcome, counts } = real !== undefined ? await real.counter.during(run) : { value: await run(), counts: undefined };
    results.push({
      backend: backend.label, concurrency: workers, cycles: outcome.samples.length,
      cyclesPerSecond: outcome.samples.length / (outcome.elapsedMs / 1000),
      cycle: summarise(outcome.samples),
      operations: Object.fromEntries(OPERATIONS.map((op) => [op, summarise(samples[op])])) as Record<Operation, Summary>,
      ...(counts !== undefined ? { apiRequests: counts } : {}),
    });
  }
  const left = expectOk(await store.listInstances(), 'listInstances');
  if (left.length > 0) throw new Error(`state-store (${backend.label}): ${left.length} instance records left after every cycle deleted its own`);
  return results;
}

/** One instance's life as the use cases drive the store; throws on any unexpected answer. */
async function cycle(store: StateStore, samples: Samples | undefined): Promise<void> {
  const id = randomUUID();
  const bindingId = randomUUID();
  const step = async <T>(op: Operation, work: () => Promise<Result<T>>): Promise<T> => {
    let result: Result<T> | undefined;
    const ms = await timed(async () => void (result = await work()));
    samples?.[op].push(ms);
    return expectOk(result!, op);
  };
  const lock = (await step('lock', () => store.acquireLock(id, 30_000))) ?? fail('lock', 'held by someone else');
  let revision = await step('create', () => store.createInstance(instance(id, 'provisioning')));
  revision = await step('update', () => store.updateInstance(instance(id, 'starting'), revision));
  if (!(await step('renew', () => store.renewLock(lock, 30_000)))) fail('renew', 'lock lost');
  revision = await step('update', () => store.updateInstance(instance(id, 'ready'), revision));
  await step('release', () => store.releaseLock(lock));
  await step('get', () => store.getInstance(id));
  await step('bind', () => store.createBinding(binding(id, bindingId)));
  await step('get', () => store.getBinding(id, bindingId));
  await step('unbind', () => store.deleteBinding(id, bindingId));
  const again: Lock = (await step('lock', () => store.acquireLock(id, 30_000))) ?? fail('lock', 'held by someone else');
  revision = await step('update', () => store.updateInstance(instance(id, 'deprovisioning'), revision));
  if ((await step('listBindings', () => store.listBindings(id))).length > 0) fail('listBindings', 'a binding outlived its unbind');
  await step('delete', () => store.deleteInstance(id, revision));
  await step('release', () => store.releaseLock(again));
}

function expectOk<T>(result: Result<T>, what: string): T {
  if (!result.ok) fail(what, `${result.error.kind}: ${result.error.message}`);
  return result.value;
}

function fail(what: string, why: string): never {
  throw new Error(`state-store: ${what} failed: ${why}`);
}

const NOW = '2024-01-01T00:00:00.000Z';

const instance = (id: string, status: InstanceRecord['status']): InstanceRecord => ({
  schema: 1, id, serviceId: 'bench-service', planId: 'bench-plan', entrySource: 'bench-entry', consumerNamespace: 'bench-consumer',
  context: { platform: 'kubernetes', namespace: 'bench-consumer' }, parameters: {},
  objects: [{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'bench-objects', name: `db-${id.slice(0, 8)}` }, { apiVersion: 'v1', kind: 'Service', namespace: 'bench-objects', name: `db-${id.slice(0, 8)}` }],
  status, operation: { id: `op-${status}`, type: status === 'deprovisioning' ? 'deprovision' : 'provision', state: 'in progress', startedAt: NOW },
  createdAt: NOW, updatedAt: NOW,
});

const binding = (instanceId: string, id: string): BindingRecord => ({
  schema: 1, id, instanceId, serviceId: 'bench-service', planId: 'bench-plan', consumerNamespace: 'bench-consumer',
  context: { platform: 'kubernetes', namespace: 'bench-consumer' }, parameters: {}, createdAt: NOW,
});

const SHOWN: readonly Operation[] = ['lock', 'create', 'update', 'renew', 'get', 'bind', 'listBindings', 'delete'];

function report(measured: readonly Measured[]): Section {
  const rows: Cell[][] = measured.map((m) => [
    m.backend, m.concurrency, round(m.cyclesPerSecond, 1), round(m.cycle.p50, 2), round(m.cycle.p99, 2),
    ...SHOWN.map((op) => round(m.operations[op].p50, 2)),
    m.apiRequests !== undefined ? describeCounts(m.apiRequests, m.cycles) : '-',
  ]);
  return {
    name: 'state-store',
    title: 'State store: the StateStore calls of one provision -> bind -> unbind -> deprovision (15 calls), per store',
    columns: ['store', 'concurrency', 'cycles/s', 'cycle p50 ms', 'cycle p99 ms', ...SHOWN.map((op) => `${op} p50 ms`), 'API requests per cycle'],
    rows,
    goals: [],
    notes: [
      'A cycle: lock, create, update, renew, update, release, get instance, create binding, get binding, delete binding, lock, update, list bindings, delete, release.',
      'Each run stops at its cycle or time limit, whichever comes first; every record is checked to be gone afterwards.',
    ],
    data: { measured },
  };
}
