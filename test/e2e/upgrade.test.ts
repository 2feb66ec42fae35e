/**
 * Upgrades end to end on the test cluster's real controllers: `mesitis
 * serve` (as the cluster admin, in namespaces of this test's own, as in
 * any-kind.test.ts) serves the examples' api-service offering, version 1
 * and version 2 exactly as examples/ writes them, moved into those
 * namespaces. Through OSB PATCH with accepts_incomplete:
 *
 * - version 1 -> 2: the Deployment controller rolls out a new ReplicaSet
 *   with the new image while the old one scales to 0, the ConfigMap only
 *   version 1 had is deleted (by uid), the new one created, the Service
 *   left alone; the instance then reports plan 2 and its maintenance_info;
 * - version 1 -> a version 3 the test adds (version 2's templates, with a
 *   nodeSelector no Node matches and a 5 s progressDeadlineSeconds): the
 *   Deployment controller itself reports ProgressDeadlineExceeded, the
 *   broker fails the update at once (its own readiness timeout is set to 10
 *   minutes, so the failure can only come from the controller's report) and
 *   puts version 1 back: the Deployment on version 1's template and
 *   Available on its old ReplicaSet, version 1's ConfigMap still there;
 * - maintenance: the provider edits version 2's Deployment template under
 *   the same version; nothing live changes until a PATCH with the plan's new
 *   maintenance_info rolls it out.
 *
 * No test writes a status: the Deployment and ReplicaSet controllers, the
 * scheduler and kwok's simulated Node write them all.
 */
import { randomUUID } from 'node:crypto';
import type { KubeConfig, KubernetesObject, V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import { expect } from 'chai';
import { parse } from 'yaml';
import { loadManifests } from '../../src/adapters/config/manifest-loader.js';
import type { KubernetesApis } from '../../src/adapters/kubernetes/api-clients.js';
import type { KubeObject } from '../../src/domain/kube-object.js';
import { instanceLabelValue } from '../../src/domain/resource-plan.js';
import { shortId } from '../../src/domain/template-variables.js';
import { REPO_ROOT, startBrokerProcess, type BrokerProcess } from '../support/broker-process.js';
import { applyObjects } from '../support/chart-rbac.js';
import { osb, type OsbRequestOptions, type OsbResponse } from '../support/osb-client.js';
import { adminApis, deleteNamespace, freshNamespace, kubeConfigFrom, requireTestClusterOrSkip, waitForRollout, waitUntil } from '../support/real-cluster.js';
import { sharedTestCluster } from '../support/test-cluster.js';

const AUTH = { username: 'platform', password: `e2e-${randomUUID()}` };
const PLATFORM_IDS = { organization_guid: 'e2e-org', space_guid: 'e2e-space' };
/** The examples' ids (examples/catalog/api-service.yaml and api-service-v2.yaml). */
const SERVICE_ID = '0e4d7c1a-8b3f-4a52-9c6d-2f1e0a9b8c07';
const V1_PLAN = '6c1f5d2e-0b7a-4f3e-9d41-1a2b3c4d5e04';
const V2_PLAN = '6c1f5d2e-0b7a-4f3e-9d41-1a2b3c4d5e06';
const V3_PLAN = randomUUID();
const IMAGE = 'registry.example.com/api-team/api-service';
const PAYLOAD_KEYS = ['wrapped-resource', 'embedded-resource'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Payload = Record<string, any>;

/** The payload of a Mesitis ConfigMap, parsed (the examples write YAML and JSON under either key). */
function payloadOf(configMap: KubeObject): Payload {
  const data = configMap['data'] as Record<string, string>;
  const key = PAYLOAD_KEYS.find((k) => data[k] !== undefined)!;
  return parse(data[key]!) as Payload;
}

/** The ConfigMap with another payload (as JSON, under the key it had), name and labels. */
function withPayload(configMap: KubeObject, payload: Payload, namespace: string, name = configMap.metadata.name, labels: Record<string, string> = {}): KubeObject {
  const data = configMap['data'] as Record<string, string>;
  const key = PAYLOAD_KEYS.find((k) => data[k] !== undefined)!;
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels: { ...configMap.metadata.labels, ...labels } }, data: { [key]: JSON.stringify(payload) } };
}

describe('upgrades of a live instance by `mesitis serve` on the test cluster (the examples\' api-service, version 1 and 2)', function () {
  this.timeout(180_000);
  let admin: KubernetesApis;
  let adminConfig: KubeConfig;
  let broker: BrokerProcess;
  let provider: string;
  let target: string;
  let consumer: string;
  let examples: KubeObject[];
  const call = (method: string, path: string, options: OsbRequestOptions = {}): Promise<OsbResponse> => osb(broker.url, method, path, { auth: AUTH, ...options });

  /** The examples' api-service ConfigMaps, moved to this test's namespaces (entries whitelisted for its consumer namespace). */
  function apiServiceOffering(): KubeObject[] {
    const offering = (o: KubeObject) => ['api-service', 'api-service-v2'].includes(o.metadata.labels?.['mesitis/offering'] ?? '');
    const entries = examples.filter((o) => ['wrapped-entry-api-api-service', 'wrapped-entry-api-api-service-v2'].includes(o.metadata.name));
    expect(entries, 'the examples\' api-service entries').to.have.length(2);
    return [
      ...entries.map((entry) => {
        const payload = payloadOf(entry);
        return withPayload(entry, { ...payload, whitelist: [consumer], provisiondata: { ...payload['provisiondata'], namespace: target } }, provider);
      }),
      ...examples.filter(offering).map((template) => withPayload(template, payloadOf(template), provider)),
    ];
  }

  /** Version 3: version 2's templates, but no Node may run its Pods and its controller gives up on the rollout after 5 s. */
  function unschedulableVersion(): KubeObject[] {
    const v2 = examples.find((o) => o.metadata.name === 'wrapped-entry-api-api-service-v2')!;
    const v2Payload = payloadOf(v2);
    const entry = withPayload(v2, {
      ...v2Payload, uuid: V3_PLAN, version: '3', updatableFrom: ['1'], description: 'version 3, whose Pods no node can run', whitelist: [consumer],
      provisiondata: { ...v2Payload['provisiondata'], namespace: target, labelSelector: 'mesitis/offering=api-service-v3' },
    }, provider, 'e2e-entry-api-service-v3');
    const templates = examples.filter((o) => o.metadata.labels?.['mesitis/offering'] === 'api-service-v2').map((template) => {
      const object = payloadOf(template);
      if (object['kind'] === 'Deployment') {
        object['spec'].progressDeadlineSeconds = 5;
        object['spec'].template.spec.nodeSelector = { 'mesitis.test/pool': 'no-node-has-this' };
        object['spec'].template.spec.containers[0].image = `${IMAGE}:3.0.0`;
      }
      return withPayload(template, object, provider, template.metadata.name.replace('-v2-', '-v3-'), { 'mesitis/offering': 'api-service-v3' });
    });
    return [entry, ...templates];
  }

  const deployment = (name: string) => admin.apps.readNamespacedDeployment({ namespace: target, name });
  const replicaSetsOf = async (app: string): Promise<V1ReplicaSet[]> => (await admin.apps.listNamespacedReplicaSet({ namespace: target, labelSelector: `app=${app}` })).items;
  const imageOf = (o: V1Deployment | V1ReplicaSet) => o.spec?.template?.spec?.containers[0]?.image;
  const uidOf = (o: { metadata?: { uid?: string } }) => o.metadata?.uid;
  const configMapUids = async (selector: string) =>
    new Map((await admin.core.listNamespacedConfigMap({ namespace: target, labelSelector: selector })).items.map((c) => [c.metadata!.name!, c.metadata!.uid!]));
  const planOf = async (planId: string) => {
    const services = (await call('GET', '/v2/catalog')).body.services as { id: string; plan_updateable?: boolean; plans: { id: string; plan_updateable?: boolean; maintenance_info?: { version: string } }[] }[];
    return services.find((s) => s.id === SERVICE_ID)!.plans.find((p) => p.id === planId)!;
  };

  /** Polls last_operation of `operation` until it leaves "in progress"; every answer before must be "in progress". */
  async function finished(base: string, operation: string, timeoutMs = 120_000): Promise<{ body: any; polls: number }> {
    const deadline = Date.now() + timeoutMs;
    for (let polls = 1; ; polls++) {
      const polled = await call('GET', `${base}/last_operation?operation=${encodeURIComponent(operation)}`);
      expect(polled.status, JSON.stringify(polled.body)).to.equal(200);
      if (polled.body.state !== 'in progress') return { body: polled.body, polls };
      if (Date.now() > deadline) throw new Error(`still in progress after ${timeoutMs} ms: ${JSON.stringify(polled.body)}\n${broker.output().slice(-3000)}`);
      await sleep(200);
    }
  }

  /** Provisions version `planId` for a new instance and waits until it is ready. */
  async function provisioned(planId: string): Promise<{ id: string; base: string; short: string }> {
    const id = randomUUID();
    const base = `/v2/service_instances/${id}`;
    const body = { service_id: SERVICE_ID, plan_id: planId, ...PLATFORM_IDS, context: { platform: 'kubernetes', namespace: consumer, instance_name: 'e2e-upgrade' } };
    const accepted = await call('PUT', `${base}?accepts_incomplete=true`, { body });
    expect(accepted.status, JSON.stringify(accepted.body)).to.equal(202);
    expect((await finished(base, accepted.body.operation)).body.state, broker.output().slice(-3000)).to.equal('succeeded');
    return { id, base, short: shortId(id) };
  }

  async function patched(base: string, body: Record<string, unknown>): Promise<string> {
    const answer = await call('PATCH', `${base}?accepts_incomplete=true`, { body: { service_id: SERVICE_ID, context: { platform: 'kubernetes', namespace: consumer }, ...body } });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(202);
    expect(answer.body.operation).to.be.a('string');
    return answer.body.operation as string;
  }

  before(async function () {
    requireTestClusterOrSkip(this, 'the upgrade end-to-end suite');
    this.timeout(30 * 60_000); // the first run on a machine builds the test cluster
    const cluster = await sharedTestCluster();
    admin = adminApis(cluster.adminKubeconfig);
    adminConfig = kubeConfigFrom(cluster.adminKubeconfig);
    [provider, target, consumer] = await Promise.all([freshNamespace(admin, 'upgrade-provider'), freshNamespace(admin, 'upgrade-target'), freshNamespace(admin, 'upgrade-consumer')]);
    const loaded = await loadManifests([`${REPO_ROOT}examples`], 'provider-ns');
    expect(loaded.problems).to.deep.equal([]);
    examples = [...loaded.objects];
    await applyObjects(adminConfig, [...apiServiceOffering(), ...unschedulableVersion()] as KubernetesObject[]);
    broker = await startBrokerProcess([
      'serve', '--kubeconfig', cluster.adminKubeconfig, '--namespace', provider, '--username', AUTH.username, '--password', AUTH.password,
      // Far beyond this suite's own timeout: a failed rollout must be seen from its controller's report, not waited out.
      '--readiness-timeout', '600', '--log-level', 'debug',
    ]);
  });

  after(async () => {
    const code = await broker?.stop();
    if (admin !== undefined) await Promise.all([provider, target, consumer].filter((ns) => ns !== undefined).map((ns) => deleteNamespace(admin, ns)));
    if (broker) expect(code, broker.output()).to.equal(0);
  });

  it('offers versions 1, 2 and 3 as plans of one service, version 1 updatable', async () => {
    const services = (await call('GET', '/v2/catalog')).body.services as { id: string; name: string; plans: { id: string; name: string; plan_updateable?: boolean }[] }[];
    const service = services.find((s) => s.id === SERVICE_ID);
    expect(service?.plans.map((p) => p.name).sort(), broker.output().slice(-3000)).to.deep.equal(['api-api-service-1', 'api-api-service-2', 'api-api-service-3']);
    expect((await planOf(V1_PLAN)).plan_updateable).to.equal(true);
  });

  it('moves an instance from version 1 to 2: a real rollout, version 1\'s ConfigMap gone by uid, the Service untouched, plan and maintenance_info reported', async () => {
    const { base, id, short } = await provisioned(V1_PLAN);
    const app = `api-${short}`;
    const before = await deployment(app);
    expect(imageOf(before)).to.equal(`${IMAGE}:1.0.0`);
    const [oldReplicaSet] = await replicaSetsOf(app);
    const service = await admin.core.readNamespacedService({ namespace: target, name: app });
    const instanceObjects = `mesitis/instance=${instanceLabelValue(id)}`;
    const v1ConfigMaps = await configMapUids(instanceObjects);
    expect([...v1ConfigMaps.keys()]).to.deep.equal([`${app}-config`]);

    const started = Date.now();
    const operation = await patched(base, { plan_id: V2_PLAN, previous_values: { plan_id: V1_PLAN, service_id: SERVICE_ID } });
    const { body, polls } = await finished(base, operation);
    console.log(`      (update 1 -> 2 succeeded ${Date.now() - started} ms after the PATCH, ${polls} last_operation polls)`);
    expect(body.state, `${JSON.stringify(body)}\n${broker.output().slice(-3000)}`).to.equal('succeeded');

    // The Deployment changed in place, and its controller rolled out a new ReplicaSet while scaling the old one down.
    const after = await waitForRollout(admin, target, app);
    expect(uidOf(after)).to.equal(uidOf(before));
    expect(imageOf(after)).to.equal(`${IMAGE}:2.0.0`);
    expect(after.spec?.template?.spec?.containers[0]?.envFrom).to.deep.equal([{ configMapRef: { name: `${app}-settings` } }]);
    const sets = await waitUntil('the old ReplicaSet scaled to 0 and the new one Available', () => replicaSetsOf(app), (found) =>
      found.some((rs) => imageOf(rs) === `${IMAGE}:2.0.0` && rs.status?.availableReplicas === 1) && found.some((rs) => uidOf(rs) === uidOf(oldReplicaSet!) && (rs.status?.replicas ?? 0) === 0));
    const fresh = sets.find((rs) => imageOf(rs) === `${IMAGE}:2.0.0`)!;
    expect(uidOf(fresh)).to.not.equal(uidOf(oldReplicaSet!));
    expect([fresh.spec?.replicas, fresh.status?.readyReplicas, fresh.status?.availableReplicas]).to.deep.equal([1, 1, 1]);
    expect(sets.find((rs) => uidOf(rs) === uidOf(oldReplicaSet!))?.spec?.replicas).to.equal(0);

    // What only version 1 had is gone (no ConfigMap has its uid any more); what version 2 added is there; the unchanged Service kept its uid.
    const v2ConfigMaps = await configMapUids(instanceObjects);
    expect([...v2ConfigMaps.keys()]).to.deep.equal([`${app}-settings`]);
    const everyUid = [...(await admin.core.listNamespacedConfigMap({ namespace: target })).items.map((c) => c.metadata!.uid)];
    expect(everyUid).to.not.include(v1ConfigMaps.get(`${app}-config`));
    expect(uidOf(await admin.core.readNamespacedService({ namespace: target, name: app }))).to.equal(uidOf(service));

    const fetched = await call('GET', base);
    expect(fetched.status, JSON.stringify(fetched.body)).to.equal(200);
    expect(fetched.body.plan_id).to.equal(V2_PLAN);
    expect(fetched.body.maintenance_info).to.deep.equal((await planOf(V2_PLAN)).maintenance_info);
  });

  it('fails an upgrade whose rollout its controller gives up on, and leaves version 1 serving', async () => {
    const { base, id, short } = await provisioned(V1_PLAN);
    const app = `api-${short}`;
    const before = await deployment(app);
    const [v1ReplicaSet] = await replicaSetsOf(app);
    const instanceObjects = `mesitis/instance=${instanceLabelValue(id)}`;
    const v1ConfigMaps = await configMapUids(instanceObjects);

    const started = Date.now();
    const operation = await patched(base, { plan_id: V3_PLAN });
    const { body } = await finished(base, operation);
    console.log(`      (update 1 -> 3 failed ${Date.now() - started} ms after the PATCH; progressDeadlineSeconds 5, readiness timeout 600 s)`);
    expect(body.state, `${JSON.stringify(body)}\n${broker.output().slice(-3000)}`).to.equal('failed');
    expect(body.description).to.contain(`Deployment ${target}/${app}`).and.contain('ProgressDeadlineExceeded').and.contain('the previous plan was restored');
    expect(body.instance_usable).to.equal(true);

    // Version 1 again: its template (image, no nodeSelector, the default deadline), rolled back onto its own ReplicaSet.
    const restored = await waitForRollout(admin, target, app);
    expect(uidOf(restored)).to.equal(uidOf(before));
    expect(imageOf(restored)).to.equal(`${IMAGE}:1.0.0`);
    expect(restored.spec?.template?.spec?.nodeSelector).to.equal(undefined);
    expect(restored.spec?.progressDeadlineSeconds).to.equal(before.spec?.progressDeadlineSeconds);
    expect(restored.spec?.template).to.deep.equal(before.spec?.template);
    expect(restored.status?.conditions?.find((c) => c.type === 'Available')?.status).to.equal('True');
    const sets = await waitUntil('version 1\'s ReplicaSet serving, version 3\'s scaled to 0', () => replicaSetsOf(app), (found) =>
      found.some((rs) => uidOf(rs) === uidOf(v1ReplicaSet!) && rs.status?.availableReplicas === 1)
      && found.filter((rs) => uidOf(rs) !== uidOf(v1ReplicaSet!)).every((rs) => rs.spec?.replicas === 0 && (rs.status?.replicas ?? 0) === 0));
    expect(sets.find((rs) => imageOf(rs) === `${IMAGE}:3.0.0`), 'version 3 did roll out a ReplicaSet').to.not.equal(undefined);

    // Version 1's ConfigMap is still the one it made; version 3's new ConfigMap is gone.
    expect(await configMapUids(instanceObjects)).to.deep.equal(v1ConfigMaps);
    const fetched = await call('GET', base);
    expect(fetched.body.plan_id).to.equal(V1_PLAN);
  });

  it('applies a provider\'s edit of version 2 to a live instance only when a PATCH asks for the new maintenance_info', async () => {
    const { base, short } = await provisioned(V2_PLAN);
    const app = `api-${short}`;
    const level = (await planOf(V2_PLAN)).maintenance_info!.version;
    expect((await call('GET', base)).body.maintenance_info).to.deep.equal({ version: level });
    const [oldReplicaSet] = await replicaSetsOf(app);

    // The provider edits version 2's Deployment template without a new version: a new maintenance level of plan 2.
    const template = examples.find((o) => o.metadata.name === 'wrapped-api-service-v2-deployment')!;
    const edited = payloadOf(template);
    edited['spec'].template.spec.containers[0].image = `${IMAGE}:2.0.1`;
    await applyObjects(adminConfig, [withPayload(template, edited, provider)] as KubernetesObject[]);
    const newLevel = (await waitUntil('the catalog to show the new maintenance level', () => planOf(V2_PLAN), (plan) => plan.maintenance_info?.version !== level)).maintenance_info!.version;
    await sleep(1_000); // a few reconciler and readiness rounds: the live instance must not move by itself
    expect(imageOf(await deployment(app))).to.equal(`${IMAGE}:2.0.0`);
    expect((await call('GET', base)).body.maintenance_info).to.deep.equal({ version: level });

    const started = Date.now();
    const operation = await patched(base, { maintenance_info: { version: newLevel } });
    const { body } = await finished(base, operation);
    console.log(`      (maintenance update succeeded ${Date.now() - started} ms after the PATCH)`);
    expect(body.state, `${JSON.stringify(body)}\n${broker.output().slice(-3000)}`).to.equal('succeeded');
    expect(imageOf(await waitForRollout(admin, target, app))).to.equal(`${IMAGE}:2.0.1`);
    await waitUntil('the old ReplicaSet scaled to 0 and the new one Available', () => replicaSetsOf(app), (found) =>
      found.some((rs) => imageOf(rs) === `${IMAGE}:2.0.1` && rs.status?.availableReplicas === 1) && found.some((rs) => uidOf(rs) === uidOf(oldReplicaSet!) && (rs.status?.replicas ?? 0) === 0));
    const fetched = await call('GET', base);
    expect([fetched.body.plan_id, fetched.body.maintenance_info]).to.deep.equal([V2_PLAN, { version: newLevel }]);
  });
});
