/**
 * Any namespaced kind, end to end on the test cluster's real controllers:
 * `mesitis serve` (as the cluster admin: least privilege for these kinds is
 * issue 12 point 2's business) provisions and deprovisions
 *
 * - a stateful store: a StatefulSet with a volume claim template (claims
 *   deleted with it), its headless Service and a plain PVC. The cluster has
 *   no storage provisioner, so the test makes hostPath PersistentVolumes of
 *   its own StorageClass (`kubernetes.io/no-provisioner`) for the claims to
 *   bind to; the PersistentVolume controller binds them, kwok runs the Pods;
 * - a custom resource of a CRD the test installs, ready when its Ready
 *   condition is True;
 * - the examples' kv-store offering as examples/ writes it (moved to this
 *   test's namespaces), its claim template given the test's StorageClass:
 *   the cluster has no default class and no provisioner, so its claim
 *   binds to the third hostPath PersistentVolume the test makes; its
 *   generated password read through a binding.
 *
 * Every provider object lives in namespaces of this test's own, so the
 * catalogs other suites count are untouched.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { KubeConfig, KubernetesObject, V1PersistentVolumeClaim, V1StatefulSet } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { KubernetesApis } from '../../src/adapters/kubernetes/api-clients.js';
import type { KubeObject } from '../../src/domain/kube-object.js';
import { parse } from 'yaml';
import { loadManifests } from '../../src/adapters/config/manifest-loader.js';
import { instanceLabelValue } from '../../src/domain/resource-plan.js';
import { shortId } from '../../src/domain/template-variables.js';
import { REPO_ROOT, startBrokerProcess, type BrokerProcess } from '../support/broker-process.js';
import { applyObjects } from '../support/chart-rbac.js';
import { defineCrd, deleteCrd, sendRaw } from '../support/custom-resources.js';
import { osb, type OsbRequestOptions, type OsbResponse } from '../support/osb-client.js';
import { adminApis, deleteNamespace, freshNamespace, kubeConfigFrom, requireTestClusterOrSkip, waitUntil, waitUntilGone } from '../support/real-cluster.js';
import { READY_AFTER_ANNOTATION, sharedTestCluster } from '../support/test-cluster.js';
import { customResourceDefinition } from '../contract/cluster-api.contract.js';

const AUTH = { username: 'platform', password: `e2e-${randomUUID()}` };
const PLATFORM_IDS = { organization_guid: 'e2e-org', space_guid: 'e2e-space' };
const ENTRY_LABELS = { 'mesitis/kind': 'catalog-entry', 'mesitis/enabled': 'true' };
const STORE = { service: randomUUID(), plan: randomUUID() };
const DATABASE = { service: randomUUID(), plan: randomUUID() };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('any namespaced kind, provisioned by `mesitis serve` on the test cluster', function () {
  this.timeout(180_000);
  let admin: KubernetesApis;
  let adminConfig: KubeConfig;
  let broker: BrokerProcess;
  let provider: string;
  let target: string;
  let consumer: string;
  const suffix = randomBytes(4).toString('hex');
  const storageClass = `mesitis-e2e-${suffix}`;
  const volumes = [`mesitis-e2e-${suffix}-0`, `mesitis-e2e-${suffix}-1`, `mesitis-e2e-${suffix}-2`];
  const database = customResourceDefinition('Namespaced', 'Database');
  const call = (method: string, path: string, options: OsbRequestOptions = {}): Promise<OsbResponse> => osb(broker.url, method, path, { auth: AUTH, ...options });

  const entry = (name: string, ids: { service: string; plan: string }, offering: string, extra: Record<string, unknown> = {}): KubeObject => ({
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: provider, labels: ENTRY_LABELS },
    data: {
      'wrapped-resource': JSON.stringify({
        team: 'data', offering, description: `${offering} per consumer`, uuid: ids.plan, serviceuuid: ids.service, version: '1', whitelist: [consumer],
        provisionkind: 'ProvisionNewClusterObjects',
        provisiondata: { namespace: target, name: `${offering}-{{ instance.shortId }}`, labelSelector: `mesitis/offering=${offering}`, ...extra },
        credentialkind: 'CredentialNoCredential',
      }),
    },
  });
  const template = (name: string, offering: string, order: number, object: Record<string, unknown>): KubeObject => ({
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name, namespace: provider, labels: { 'mesitis/kind': 'wrapped-service', 'mesitis/enabled': 'true', 'mesitis/offering': offering, 'mesitis/order': String(order) } },
    data: { 'wrapped-resource': JSON.stringify(object) },
  });

  /** One stateful store per consumer: headless Service, StatefulSet with a claim per replica (deleted with it), a plain PVC. */
  const storeOffering = (): KubeObject[] => {
    const app = 'store-{{ instance.shortId }}';
    const claim = { accessModes: ['ReadWriteOnce'], storageClassName: storageClass, resources: { requests: { storage: '1Gi' } } };
    return [
      entry('entry-store', STORE, 'store', { port: 5432 }),
      template('store-service', 'store', 1, {
        apiVersion: 'v1', kind: 'Service', metadata: { name: app },
        spec: { clusterIP: 'None', selector: { app }, ports: [{ name: 'store', port: 5432 }] },
      }),
      template('store-statefulset', 'store', 2, {
        apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: app },
        spec: {
          serviceName: app, replicas: 1, selector: { matchLabels: { app } },
          persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' },
          template: {
            // The Pod stays Pending 3 s (kwok): long enough to see the broker wait for the rollout.
            metadata: { labels: { app }, annotations: { [READY_AFTER_ANNOTATION]: '3s' } },
            spec: { containers: [{ name: 'store', image: 'example/store:1', ports: [{ containerPort: 5432 }], volumeMounts: [{ name: 'data', mountPath: '/data' }] }] },
          },
          volumeClaimTemplates: [{ metadata: { name: 'data', labels: { app } }, spec: claim }],
        },
      }),
      template('store-backup', 'store', 3, {
        apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'backup-{{ instance.shortId }}', labels: { app } }, spec: claim,
      }),
    ];
  };

  const databaseOffering = (): KubeObject[] => [
    entry('entry-database', DATABASE, 'database'),
    template('database-cluster', 'database', 1, {
      apiVersion: database.apiVersion, kind: database.kind, metadata: { name: 'database-{{ instance.shortId }}' }, spec: { instances: 1, storage: '1Gi' },
    }),
  ];

  /** The examples' kv-store entry and templates, in this test's namespaces; the claim template gets the test's StorageClass. */
  const kvStoreOffering = async (): Promise<KubeObject[]> => {
    const loaded = await loadManifests([`${REPO_ROOT}examples`], 'provider-ns');
    const pick = (o: KubeObject) => o.metadata.name === 'wrapped-entry-data-kv-store' || o.metadata.labels?.['mesitis/offering'] === 'kv-store';
    return loaded.objects.filter(pick).map((configMap) => {
      const payload = parse((configMap['data'] as Record<string, string>)['wrapped-resource']!) as Record<string, any>;
      if (configMap.metadata.name === 'wrapped-entry-data-kv-store') {
        payload['whitelist'] = [consumer];
        payload['provisiondata'].namespace = target;
      }
      if (payload['kind'] === 'StatefulSet') payload['spec'].volumeClaimTemplates[0].spec.storageClassName = storageClass;
      return { ...configMap, metadata: { ...configMap.metadata, namespace: provider }, data: { 'wrapped-resource': JSON.stringify(payload) } };
    });
  };

  const statefulSet = (name: string) => admin.objects.read({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name, namespace: target } }) as Promise<V1StatefulSet>;
  const claim = (name: string) => admin.core.readNamespacedPersistentVolumeClaim({ namespace: target, name });
  const labelled = async (namespace: string, selector: string) => {
    const [sets, services, claims, pods] = await Promise.all([
      admin.apps.listNamespacedStatefulSet({ namespace, labelSelector: selector }),
      admin.core.listNamespacedService({ namespace, labelSelector: selector }),
      admin.core.listNamespacedPersistentVolumeClaim({ namespace, labelSelector: selector }),
      admin.core.listNamespacedPod({ namespace, labelSelector: selector }),
    ]);
    return [...sets.items, ...services.items, ...claims.items, ...pods.items].map((o) => `${o.kind ?? ''}${o.metadata!.name}`);
  };

  before(async function () {
    requireTestClusterOrSkip(this, 'the any-kind end-to-end suite');
    this.timeout(30 * 60_000); // the first run on a machine builds the test cluster
    const cluster = await sharedTestCluster();
    admin = adminApis(cluster.adminKubeconfig);
    adminConfig = kubeConfigFrom(cluster.adminKubeconfig);
    [provider, target, consumer] = await Promise.all([freshNamespace(admin, 'anykind-provider'), freshNamespace(admin, 'anykind-target'), freshNamespace(admin, 'anykind-consumer')]);

    // Storage as a cluster without a provisioner offers it: a class whose volumes an admin makes by hand.
    await applyObjects(adminConfig, [
      { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: storageClass }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'Immediate', reclaimPolicy: 'Retain' } as KubernetesObject,
      ...volumes.map((name) => ({
        apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name },
        spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: storageClass, persistentVolumeReclaimPolicy: 'Retain', hostPath: { path: `/tmp/${name}` } },
      }) as KubernetesObject),
    ]);
    await defineCrd(adminConfig, admin, database.crd);
    // The key the kv-store's generated password derives from, as deploy/README.md has kubectl users create it.
    const generationKey = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'mesitis-generation-key', namespace: provider }, stringData: { key: randomUUID() + randomUUID() } };
    await applyObjects(adminConfig, [...storeOffering(), ...databaseOffering(), ...(await kvStoreOffering()), generationKey] as KubernetesObject[]);
    broker = await startBrokerProcess(['serve', '--kubeconfig', cluster.adminKubeconfig, '--namespace', provider, '--username', AUTH.username, '--password', AUTH.password, '--log-level', 'debug']);
  });

  after(async () => {
    const code = await broker?.stop();
    if (admin !== undefined) {
      await Promise.all([provider, target, consumer].filter((ns) => ns !== undefined).map((ns) => deleteNamespace(admin, ns)));
      await deleteCrd(admin, database.crd.metadata.name);
      for (const name of volumes) await admin.core.deletePersistentVolume({ name }).catch(() => undefined);
      await admin.objects.delete({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: storageClass } }).catch(() => undefined);
    }
    if (broker) expect(code, broker.output()).to.equal(0);
  });

  it('serves the three offerings: the StatefulSet plans (the test\'s and the examples\' kv-store) and the custom resource plan', async () => {
    const catalog = await call('GET', '/v2/catalog');
    expect((catalog.body.services as { name: string }[]).map((s) => s.name).sort(), broker.output()).to.deep.equal(['data-database', 'data-kv-store', 'data-store']);
  });

  it('provisions a StatefulSet with its volume, a headless Service and a PVC: succeeded only once rolled out and Bound; deprovision leaves nothing', async () => {
    const id = randomUUID();
    const short = shortId(id);
    const base = `/v2/service_instances/${id}`;
    const body = { service_id: STORE.service, plan_id: STORE.plan, ...PLATFORM_IDS, context: { platform: 'kubernetes', namespace: consumer, instance_name: 'e2e-store' } };
    const accepted = await call('PUT', `${base}?accepts_incomplete=true`, { body });
    expect(accepted.status, JSON.stringify(accepted.body)).to.equal(202);

    // Every answer before success must be "in progress", and success must find the rollout done and the claims Bound.
    const states: string[] = [];
    let sawUnready = false;
    const deadline = Date.now() + 90_000;
    for (;;) {
      const polled = await call('GET', `${base}/last_operation`);
      const state = String(polled.body?.state);
      states.push(state);
      if (state === 'succeeded') break;
      expect(state, JSON.stringify(polled.body)).to.equal('in progress');
      const set = await statefulSet(`store-${short}`).catch(() => undefined);
      if ((set?.status?.readyReplicas ?? 0) < 1) sawUnready = true;
      if (Date.now() > deadline) throw new Error(`not provisioned in 90 s: ${JSON.stringify(polled.body)}\n${broker.output().slice(-3000)}`);
      await sleep(200);
    }
    expect(sawUnready, 'the broker answered while the StatefulSet was not ready yet').to.equal(true);
    const set = await statefulSet(`store-${short}`);
    expect(set.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted).to.equal('Delete');
    expect(set.status?.observedGeneration).to.be.at.least(set.metadata?.generation ?? 1);
    expect([set.status?.readyReplicas, set.status?.updatedReplicas, set.status?.replicas]).to.deep.equal([1, 1, 1]);
    expect(set.status?.currentRevision).to.equal(set.status?.updateRevision);
    const claims = await Promise.all([claim(`backup-${short}`), claim(`data-store-${short}-0`)]);
    expect(claims.map((c: V1PersistentVolumeClaim) => c.status?.phase)).to.deep.equal(['Bound', 'Bound']);
    // Two volumes of the test's own (the third is the kv-store's), one per claim.
    const bound = claims.map((c) => c.spec?.volumeName);
    expect(new Set(bound).size).to.equal(2);
    expect(volumes).to.include.members(bound);
    const pods = await admin.core.listNamespacedPod({ namespace: target, labelSelector: `app=store-${short}` });
    expect(pods.items.map((p) => [p.metadata?.name, p.status?.phase])).to.deep.equal([[`store-${short}-0`, 'Running']]);

    const instanceSelector = `mesitis/instance=${instanceLabelValue(id)}`;
    expect((await labelled(target, instanceSelector)).sort()).to.deep.equal([`backup-${short}`, `store-${short}`, `store-${short}`]);

    const deleted = await call('DELETE', `${base}?service_id=${STORE.service}&plan_id=${STORE.plan}&accepts_incomplete=true`);
    expect(deleted.status, JSON.stringify(deleted.body)).to.equal(202);
    await waitUntil('deprovisioned', () => call('GET', `${base}/last_operation`), (r) => r.status === 410, { timeoutMs: 90_000, intervalMs: 200 });
    // Nothing the instance made is left: its objects, the StatefulSet's Pod, and both claims (the template's and the StatefulSet's).
    expect(await labelled(target, instanceSelector)).to.deep.equal([]);
    expect(await labelled(target, `app=store-${short}`)).to.deep.equal([]);
  });

  it('provisions the examples\' kv-store: the StatefulSet rolled out on its own claim, the generated password handed out by a binding; deprovision leaves nothing', async () => {
    const id = randomUUID();
    const short = shortId(id);
    const base = `/v2/service_instances/${id}`;
    const plan = ((await call('GET', '/v2/catalog')).body.services as { id: string; name: string; plans: { id: string }[] }[]).find((s) => s.name === 'data-kv-store')!;
    const body = { service_id: plan.id, plan_id: plan.plans[0]!.id, ...PLATFORM_IDS, context: { platform: 'kubernetes', namespace: consumer, instance_name: 'e2e-kv' } };
    const accepted = await call('PUT', `${base}?accepts_incomplete=true`, { body });
    expect(accepted.status, JSON.stringify(accepted.body)).to.equal(202);
    const done = await waitUntil('provisioned', () => call('GET', `${base}/last_operation`), (r) => r.body?.state !== 'in progress', { timeoutMs: 90_000, intervalMs: 200 });
    expect(done.body.state, `${JSON.stringify(done.body)}\n${broker.output().slice(-3000)}`).to.equal('succeeded');

    const set = await statefulSet(`kv-${short}`);
    expect([set.status?.readyReplicas, set.status?.currentRevision]).to.deep.equal([1, set.status?.updateRevision]);
    expect((await claim(`data-kv-${short}-0`)).status?.phase).to.equal('Bound');
    const service = await admin.core.readNamespacedService({ namespace: target, name: `kv-${short}` });
    expect(service.spec?.clusterIP).to.equal('None');

    const binding = await call('PUT', `${base}/service_bindings/${randomUUID()}`, { body: { service_id: body.service_id, plan_id: body.plan_id } });
    expect(binding.status, JSON.stringify(binding.body)).to.equal(201);
    const secret = await admin.core.readNamespacedSecret({ namespace: target, name: `kv-${short}-auth` });
    const password = Buffer.from(secret.data!['password']!, 'base64').toString('utf8');
    expect(password).to.match(/^[A-Za-z0-9]{32}$/);
    expect(binding.body.credentials).to.deep.include({ password, host: `kv-${short}.${target}.svc.cluster.local`, port: 6379 });

    const deleted = await call('DELETE', `${base}?service_id=${body.service_id}&plan_id=${body.plan_id}&accepts_incomplete=true`);
    expect([200, 202]).to.include(deleted.status);
    await waitUntil('deprovisioned', () => call('GET', `${base}/last_operation`), (r) => r.status === 410, { timeoutMs: 90_000, intervalMs: 200 });
    expect(await labelled(target, `mesitis/instance=${instanceLabelValue(id)}`)).to.deep.equal([]);
    expect(await labelled(target, `app=kv-${short}`)).to.deep.equal([]);
    // The claim is the StatefulSet controller's (whenDeleted: Delete): it goes with the StatefulSet, the volume's data with it.
    await waitUntilGone(`claim data-kv-${short}-0`, () => claim(`data-kv-${short}-0`));
  });

  it('provisions a custom resource, ready once its Ready condition is True, and deprovisions it', async () => {
    const id = randomUUID();
    const name = `database-${shortId(id)}`;
    const base = `/v2/service_instances/${id}`;
    const body = { service_id: DATABASE.service, plan_id: DATABASE.plan, ...PLATFORM_IDS, context: { platform: 'kubernetes', namespace: consumer, instance_name: 'e2e-db' } };
    const accepted = await call('PUT', `${base}?accepts_incomplete=true`, { body });
    expect(accepted.status, JSON.stringify(accepted.body)).to.equal(202);

    const header = { apiVersion: database.apiVersion, kind: database.kind, metadata: { name, namespace: target } };
    const created = await waitUntil(`${database.kind} ${name}`, () => admin.objects.read(header) as Promise<KubeObject>, () => true);
    expect(created.metadata.labels).to.include({ 'app.kubernetes.io/managed-by': 'mesitis', 'mesitis/instance': instanceLabelValue(id) });
    expect(created['spec']).to.deep.equal({ instances: 1, storage: '1Gi' });

    // No operator runs on the test cluster: until someone reports the resource Ready, the instance is not.
    await sendRaw(adminConfig, 'PATCH', `/apis/${database.apiVersion}/namespaces/${target}/databases/${name}/status`,
      { status: { conditions: [{ type: 'Ready', status: 'False', reason: 'Creating', message: 'creating the primary', lastTransitionTime: new Date().toISOString() }] } },
      'application/merge-patch+json');
    await sleep(2_500); // more than two of the broker's readiness polls
    expect((await call('GET', `${base}/last_operation`)).body?.state).to.equal('in progress');

    // What the database operator would write once its primary is up.
    await sendRaw(adminConfig, 'PATCH', `/apis/${database.apiVersion}/namespaces/${target}/databases/${name}/status`,
      { status: { observedGeneration: created.metadata['generation'], conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: 'primary up', lastTransitionTime: new Date().toISOString() }] } },
      'application/merge-patch+json');
    await waitUntil('provisioned', () => call('GET', `${base}/last_operation`), (r) => r.body?.state === 'succeeded', { timeoutMs: 30_000, intervalMs: 200 });

    const deleted = await call('DELETE', `${base}?service_id=${DATABASE.service}&plan_id=${DATABASE.plan}&accepts_incomplete=true`);
    expect([200, 202]).to.include(deleted.status);
    await waitUntil('deprovisioned', () => call('GET', `${base}/last_operation`), (r) => r.status === 410, { timeoutMs: 30_000, intervalMs: 200 });
    const left = await admin.objects.list(database.apiVersion, database.kind, target, undefined, undefined, undefined, undefined, `mesitis/instance=${instanceLabelValue(id)}`);
    expect(left.items).to.deep.equal([]);
  });
});
