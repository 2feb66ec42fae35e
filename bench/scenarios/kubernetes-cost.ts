/**
 * Kubernetes cost: for plans of N objects, the API requests one provision and
 * one deprovision send (counted on the client side, next to the minimum of N
 * each way), and their latency through the broker next to direct
 * client-node calls making just those N creates or deletes, one after the
 * other as the broker does. Broker and direct operations alternate, so drift
 * in the apiserver hits both alike. A keep-alive HTTPS client doing the same
 * requests is shown as the floor.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { KubeObject } from '../../src/domain/kube-object.js';
import type { Cell, Goal, Section } from '../report.js';
import { describeCounts, sum, type Counts } from '../support/api-counter.js';
import { MEMORY_STATE, startBenchBroker } from '../support/brokers.js';
import { applyToCluster, createObject, deleteObject, type Environment, type RealCluster } from '../support/environment.js';
import { dedicatedOffering, directObjects, planKinds, type DedicatedOffering } from '../support/fixtures.js';
import { ratio, round, summarise, timed, type Summary } from '../support/measure.js';
import { deprovision, OsbClient, planRefs, provision, type PlanRef } from '../support/osb.js';
import { KeepAliveKube } from '../support/raw-kube.js';
import { checkBrokerLogs, type Scenario } from './scenario.js';

const BROKER_NAMESPACE = 'bench-cost';
const TARGET_NAMESPACE = 'bench-cost-objects';
const OPERATIONS = ['provision', 'deprovision'] as const;
type Operation = (typeof OPERATIONS)[number];

interface Side {
  readonly broker: number[];
  readonly direct: number[];
  readonly keepAlive: number[];
  readonly requests: Counts[];
}

interface PlanResult {
  readonly objects: number;
  readonly kinds: number;
  readonly iterations: number;
  readonly operations: Record<Operation, { broker: Summary; direct: Summary; keepAlive: Summary; requests: Counts; perOperation: number; maxPerOperation: number }>;
}

export const kubernetesCostScenario: Scenario = {
  name: 'kubernetes-cost',
  async run(env: Environment): Promise<Section> {
    const real = await env.realCluster();
    const offerings = env.sizes.costPlans.map((n) => dedicatedOffering(BROKER_NAMESPACE, TARGET_NAMESPACE, n, 4));
    await applyToCluster(real, [BROKER_NAMESPACE, TARGET_NAMESPACE], offerings.flatMap((o) => o.manifests));
    const broker = await startBenchBroker(BROKER_NAMESPACE, { kind: 'kubernetes', config: real.config }, MEMORY_STATE);
    const client = new OsbClient(broker.url, broker.headers);
    const floor = await KeepAliveKube.from(real.config);
    try {
      const refs = await planRefs(client);
      const results: PlanResult[] = [];
      for (const offering of offerings) {
        const plan = refs.get(offering.planId);
        if (plan === undefined) throw new Error(`kubernetes-cost: plan ${offering.planId} is not in the catalog`);
        results.push(await measurePlan(env, real, client, floor, offering, plan));
      }
      checkBrokerLogs('kubernetes-cost', broker.logs);
      return report(results);
    } finally {
      floor.close();
      client.close();
      await broker.stop();
    }
  },
};

async function measurePlan(env: Environment, real: RealCluster, client: OsbClient, floor: KeepAliveKube, offering: DedicatedOffering, plan: PlanRef): Promise<PlanResult> {
  const n = offering.objects;
  const { iterations, maxMs } = env.sizes.cost;
  env.progress(`kubernetes-cost: plan of ${n} objects, up to ${iterations} iterations or ${maxMs / 1000}s`);
  const sides: Record<Operation, Side> = {
    provision: { broker: [], direct: [], keepAlive: [], requests: [] },
    deprovision: { broker: [], direct: [], keepAlive: [], requests: [] },
  };
  const one = async (keep: boolean): Promise<void> => {
    const instanceId = randomUUID();
    const made = await real.counter.during(() => timed(async () => void (await provision(client, plan, instanceId))));
    const removed = await real.counter.during(() => timed(async () => void (await deprovision(client, plan, instanceId))));
    const objects = directObjects(TARGET_NAMESPACE, n, randomBytes(4).toString('hex'));
    const created = await real.counter.during(() => timed(() => sequentially(objects, (object) => createObject(real, object))));
    const deleted = await real.counter.during(() => timed(() => sequentially([...objects].reverse(), (object) => deleteObject(real, object))));
    // The direct calls are the counter's own check: exactly N creates and N deletes.
    if (created.counts.create !== n || created.counts.total !== n || deleted.counts.delete !== n || deleted.counts.total !== n) {
      throw new Error(`kubernetes-cost: counted ${describeCounts(created.counts)} / ${describeCounts(deleted.counts)} for ${n} direct creates / deletes`);
    }
    const floorObjects = directObjects(TARGET_NAMESPACE, n, randomBytes(4).toString('hex'));
    const floorCreated = await timed(() => sequentially(floorObjects, (object) => floor.create(object)));
    const floorDeleted = await timed(() => sequentially([...floorObjects].reverse(), (object) => floor.delete(object)));
    if (!keep) return;
    sides.provision.broker.push(made.value);
    sides.provision.requests.push(made.counts);
    sides.deprovision.broker.push(removed.value);
    sides.deprovision.requests.push(removed.counts);
    sides.provision.direct.push(created.value);
    sides.deprovision.direct.push(deleted.value);
    sides.provision.keepAlive.push(floorCreated);
    sides.deprovision.keepAlive.push(floorDeleted);
  };
  await one(false); // warm-up
  const started = Date.now();
  for (let i = 0; i < iterations && Date.now() - started < maxMs; i++) await one(true);
  const operations = Object.fromEntries(
    OPERATIONS.map((operation) => {
      const side = sides[operation];
      const totals = side.requests.map((c) => c.total);
      return [operation, {
        broker: summarise(side.broker), direct: summarise(side.direct), keepAlive: summarise(side.keepAlive),
        requests: sum(side.requests), perOperation: totals.reduce((a, b) => a + b, 0) / totals.length, maxPerOperation: Math.max(...totals),
      }];
    }),
  ) as PlanResult['operations'];
  return { objects: n, kinds: new Set(planKinds(n)).size, iterations: sides.provision.broker.length, operations };
}

async function sequentially(objects: readonly KubeObject[], step: (object: KubeObject) => Promise<void>): Promise<void> {
  for (const object of objects) await step(object);
}

/** What the counts say, in words: where requests above N come from, and whether connections are reused. */
function notes(results: readonly PlanResult[]): string[] {
  const found: string[] = [];
  const extra = results.filter((r) => r.operations.deprovision.perOperation > r.objects);
  if (extra.length > 0) {
    found.push(
      'Deprovision deletes each recorded object by uid; the extra requests are GETs of objects the server answered with the object itself rather than a Status (a Service always does; a finalizer would keep it): each is looked at once to know it is gone: ' +
        extra.map((r) => `N=${r.objects}: ${describeCounts(r.operations.deprovision.requests, r.iterations)}`).join('; ') + '.',
    );
  }
  const all = results.flatMap((r) => OPERATIONS.map((op) => r.operations[op].requests));
  const requests = all.reduce((n, c) => n + c.total, 0);
  const connections = all.reduce((n, c) => n + c.connections, 0);
  if (requests > 0) {
    found.push(
      `${connections} new connections for ${requests} API requests: ${connections >= requests ? 'every request opens a new TLS connection (client-node 1.x makes a new https.Agent per request), ' : ''}` +
        'the keep-alive column shows the same requests on reused connections.',
    );
  }
  return found;
}

function report(results: readonly PlanResult[]): Section {
  const rows: Cell[][] = [];
  const goals: Goal[] = [];
  for (const result of results) {
    for (const operation of OPERATIONS) {
      const o = result.operations[operation];
      rows.push([
        `N=${result.objects} (${result.kinds} kind${result.kinds === 1 ? '' : 's'})`, operation,
        `${round(o.perOperation, 2)} (min ${result.objects})`, describeCounts(o.requests, result.iterations), o.requests.connections / result.iterations,
        round(o.broker.p50, 1), round(o.broker.p99, 1), round(o.direct.p50, 1), round(o.direct.p99, 1),
        ratio(o.broker.p50, o.direct.p50), ratio(o.broker.p99, o.direct.p99), round(o.keepAlive.p50, 1),
      ]);
    }
  }
  const requestsMet = results.every((r) => OPERATIONS.every((op) => r.operations[op].maxPerOperation <= r.objects + 1));
  goals.push({
    goal: 'at most N+1 API requests per provision and per deprovision',
    measured: results.map((r) => `N=${r.objects}: ${r.operations.provision.maxPerOperation} / ${r.operations.deprovision.maxPerOperation}`).join(', '),
    met: requestsMet,
  });
  const worst = Math.max(...results.flatMap((r) => OPERATIONS.map((op) => r.operations[op].broker.p50 / r.operations[op].direct.p50)));
  goals.push({
    goal: 'broker latency within 1.2x of direct client-node calls (p50)',
    measured: `worst ${round(worst, 2)}x (${results.map((r) => `N=${r.objects}: ${OPERATIONS.map((op) => ratio(r.operations[op].broker.p50, r.operations[op].direct.p50)).join(' / ')}`).join(', ')})`,
    met: worst <= 1.2,
  });
  return {
    name: 'kubernetes-cost',
    title: 'Kubernetes cost per operation on the test apiserver (broker: memory store, synchronous; latency in ms)',
    columns: ['plan', 'operation', 'API requests', 'requests by verb', 'new connections', 'broker p50', 'broker p99', 'client-node p50', 'client-node p99', 'ratio p50', 'ratio p99', 'keep-alive HTTPS p50'],
    rows,
    goals,
    notes: notes(results),
    data: { results },
  };
}
