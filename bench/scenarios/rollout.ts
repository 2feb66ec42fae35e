/**
 * Rollout: provision-until-ready of a Deployment plan on the test cluster's
 * real controllers and simulated nodes, asynchronously as a platform does it
 * (PUT with accepts_incomplete, then polling last_operation), and the
 * deprovision after it. Beside the broker's answer, the same Deployment is
 * watched directly, so the table separates the cluster's rollout time from
 * the broker's polling on top of it.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Cell, Section } from '../report.js';
import { MEMORY_STATE, startBenchBroker } from '../support/brokers.js';
import { applyToCluster, type Environment, type RealCluster } from '../support/environment.js';
import { CONSUMER_NAMESPACE, dedicatedOffering } from '../support/fixtures.js';
import { round, summarise, type Summary } from '../support/measure.js';
import { OsbClient, planRefs, type PlanRef } from '../support/osb.js';
import { checkBrokerLogs, type Scenario } from './scenario.js';
import { DEFAULT_SETTINGS } from '../../src/application/settings.js';
import { instanceLabelValue } from '../../src/domain/resource-plan.js';

const BROKER_NAMESPACE = 'bench-rollout-broker';
const TARGET_NAMESPACE = 'bench-rollout-target';
const POLL_MS = 50;
const STEP_TIMEOUT_MS = 120_000;
const offering = dedicatedOffering(BROKER_NAMESPACE, TARGET_NAMESPACE, 2, 6, true);

interface Sample {
  /** PUT sent -> last_operation says succeeded. */
  readonly provisionReadyMs: number;
  /** PUT sent -> the Deployment reports every replica available (watched directly). */
  readonly rolledOutMs: number;
  /** DELETE sent -> last_operation answers 410 Gone. */
  readonly deprovisionMs: number;
  /** DELETE sent -> the instance's Pods are gone from the cluster. */
  readonly podsGoneMs: number;
}

export const rolloutScenario: Scenario = {
  name: 'rollout',
  async run(env: Environment): Promise<Section> {
    const real = await env.realCluster();
    await applyToCluster(real, [BROKER_NAMESPACE, TARGET_NAMESPACE], offering.manifests);
    const broker = await startBenchBroker(BROKER_NAMESPACE, { kind: 'kubernetes', config: real.config }, MEMORY_STATE);
    const client = new OsbClient(broker.url, broker.headers);
    const samples: Sample[] = [];
    try {
      const plan = (await planRefs(client)).get(offering.planId);
      if (plan === undefined) throw new Error(`rollout: plan ${offering.planId} is not in the catalog`);
      await oneInstance(client, real, plan); // warm-up: informers, the namespace's ServiceAccount
      const { iterations, maxMs } = env.sizes.rollout;
      const started = performance.now();
      while (samples.length < iterations && performance.now() - started < maxMs) {
        env.progress(`rollout: instance ${samples.length + 1} of up to ${iterations}`);
        samples.push(await oneInstance(client, real, plan));
      }
      checkBrokerLogs('rollout', broker.logs);
    } catch (error) {
      // A 500 names only a request id: what the broker logged says why.
      const logged = broker.logs.samples.join('\n');
      throw new Error(`${(error as Error).message}${logged === '' ? '' : `\nbroker log:\n${logged}`}`, { cause: error });
    } finally {
      client.close();
      await broker.stop();
    }
    return report(samples);
  },
};

async function oneInstance(client: OsbClient, real: RealCluster, plan: PlanRef): Promise<Sample> {
  const instanceId = randomUUID();
  const base = `/v2/service_instances/${instanceId}`;
  const query = `service_id=${encodeURIComponent(plan.serviceId)}&plan_id=${encodeURIComponent(plan.planId)}`;
  const context = { platform: 'kubernetes', namespace: CONSUMER_NAMESPACE, instance_name: `rollout-${instanceId.slice(0, 8)}` };
  const lastOperation = () => client.send('GET', `${base}/last_operation?${query}`);
  const selector = `mesitis/instance=${instanceLabelValue(instanceId)}`;

  const provisionSent = performance.now();
  await client.expect(202, 'PUT', `${base}?accepts_incomplete=true`, { service_id: plan.serviceId, plan_id: plan.planId, organization_guid: 'bench-org', space_guid: 'bench-space', context, parameters: {} });
  const [provisionReadyMs, rolledOutMs] = await Promise.all([
    pollUntil('provision to succeed', lastOperation, (r) => stateOf(r.text) === 'succeeded', (r) => stateOf(r.text) === 'failed').then(() => performance.now() - provisionSent),
    pollUntil('the Deployment to roll out', () => real.apps.listNamespacedDeployment({ namespace: TARGET_NAMESPACE, labelSelector: selector }), (list) => list.items.length === 1 && rolledOut(list.items[0]!)).then(() => performance.now() - provisionSent),
  ]);
  const deployment = (await real.apps.listNamespacedDeployment({ namespace: TARGET_NAMESPACE, labelSelector: selector })).items[0]!;
  const podSelector = `app=${deployment.spec!.selector.matchLabels!['app']}`;

  const deprovisionSent = performance.now();
  await client.expect(202, 'DELETE', `${base}?${query}&accepts_incomplete=true`);
  const [deprovisionMs, podsGoneMs] = await Promise.all([
    pollUntil('deprovision to finish', lastOperation, (r) => r.status === 410, (r) => stateOf(r.text) === 'failed').then(() => performance.now() - deprovisionSent),
    pollUntil('the Pods to be gone', () => real.core.listNamespacedPod({ namespace: TARGET_NAMESPACE, labelSelector: podSelector }), (list) => list.items.length === 0).then(() => performance.now() - deprovisionSent),
  ]);
  return { provisionReadyMs, rolledOutMs, deprovisionMs, podsGoneMs };
}

const stateOf = (text: string): string | undefined => {
  try {
    return (JSON.parse(text) as { state?: string }).state;
  } catch {
    return undefined;
  }
};

function rolledOut(d: { metadata?: { generation?: number }; spec?: { replicas?: number }; status?: { observedGeneration?: number; availableReplicas?: number; updatedReplicas?: number } }): boolean {
  const want = d.spec?.replicas ?? 1;
  return (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) && d.status?.updatedReplicas === want && d.status?.availableReplicas === want;
}

/** Polls every POLL_MS until `done`; throws on `failed` or after STEP_TIMEOUT_MS. */
async function pollUntil<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, failed: (value: T) => boolean = () => false): Promise<T> {
  const deadline = performance.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (failed(value)) throw new Error(`rollout: waiting for ${what}, it failed: ${JSON.stringify(value).slice(0, 300)}`);
    if (performance.now() > deadline) throw new Error(`rollout: ${what} not reached within ${STEP_TIMEOUT_MS / 1000}s`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function report(samples: readonly Sample[]): Section {
  const columns: { label: string; key: keyof Sample }[] = [
    { label: 'provision until last_operation succeeded', key: 'provisionReadyMs' },
    { label: 'provision until the Deployment is available (watched directly)', key: 'rolledOutMs' },
    { label: 'deprovision until last_operation 410', key: 'deprovisionMs' },
    { label: 'deprovision until the Pods are gone', key: 'podsGoneMs' },
  ];
  const summaries: Record<string, Summary> = Object.fromEntries(columns.map(({ key }) => [key, summarise(samples.map((s) => s[key]))]));
  const rows: Cell[][] = columns.map(({ label, key }) => [label, samples.length, round(summaries[key]!.p50, 0), round(summaries[key]!.max, 0)]);
  return {
    name: 'rollout',
    title: 'Rollout: provision-until-ready of a Deployment plan (Deployment + Service, 1 replica), asynchronous, on real controllers',
    columns: ['measured', 'instances', 'p50 ms', 'max ms'],
    rows,
    goals: [],
    notes: [
      `The broker polls readiness every ${DEFAULT_SETTINGS.readinessPollMs} ms (readinessPollMs) and the bench polls every ${POLL_MS} ms, so "succeeded" trails the rollout by up to about their sum.`,
      'Deprovision deletes in the foreground and finishes once the Pods are gone, so "until the Pods are gone" should not exceed "until 410" by more than the bench\'s polling.',
    ],
    data: { plan: { objects: 2, kinds: ['Deployment', 'Service'], replicas: 1 }, pollMs: POLL_MS, summaries, samples },
  };
}
