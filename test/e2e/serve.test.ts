/**
 * `mesitis serve` end to end: the broker as its own process against the test
 * cluster, under exactly the Helm chart's RBAC (the provider namespace and
 * the chart's target namespace, api-ns), with the examples/ provider setup
 * applied by an admin. The cluster's own controllers and simulated nodes
 * roll the instances' Deployments out; the test writes no status.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { loadManifests } from '../../src/adapters/config/manifest-loader.js';
import type { KubernetesApis } from '../../src/adapters/kubernetes/api-clients.js';
import { EVENT_REASON } from '../../src/adapters/kubernetes/kubernetes-event-reporter.js';
import type { KubeObject } from '../../src/domain/kube-object.js';
import { REPO_ROOT, startBrokerProcess, type BrokerProcess } from '../support/broker-process.js';
import { applyChartRbac, applyObjects, loadKubeconfig } from '../support/chart-rbac.js';
import { helmPrerequisite } from '../support/helm.js';
import { osb, type OsbRequestOptions, type OsbResponse } from '../support/osb-client.js';
import { requireOrSkip } from '../support/prerequisites.js';
import { adminApis, podsOf } from '../support/real-cluster.js';
import { sharedTestCluster, testClusterPrerequisite, type TestCluster } from '../support/test-cluster.js';
import { instanceLabelValue } from '../../src/domain/resource-plan.js';
import { deriveServiceId } from '../../src/domain/catalog-entry.js';
import { bindingShortId, shortId } from '../../src/domain/template-variables.js';

const run = promisify(execFile);
const PROVIDER = 'provider-ns';
const CONSUMER = 'client-ns';
const TARGET = 'api-ns';
const AUTH = { username: 'platform', password: `e2e-${randomUUID()}` };
// OSB 2.17 requires these on provision; the broker checks they are present.
const PLATFORM_IDS = { organization_guid: 'e2e-org', space_guid: 'e2e-space' };
const API_SERVICE = { service: '0e4d7c1a-8b3f-4a52-9c6d-2f1e0a9b8c07', plan: '6c1f5d2e-0b7a-4f3e-9d41-1a2b3c4d5e04' };
const TIME_PLAN = '6c1f5d2e-0b7a-4f3e-9d41-1a2b3c4d5e03';
const OWN_POSTGRES = { service: deriveServiceId('data', 'own-postgres'), plan: '6c1f5d2e-0b7a-4f3e-9d41-1a2b3c4d5e05' };
const ENTRY_LABELS = { 'mesitis/kind': 'catalog-entry', 'mesitis/enabled': 'true' };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${timeoutMs} ms, last: ${JSON.stringify(value)}`);
    await sleep(100);
  }
}

const entryConfigMap = (name: string, entry: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: PROVIDER, labels: ENTRY_LABELS }, data: { 'wrapped-resource': JSON.stringify(entry) },
});


describe('mesitis serve on the test cluster, with the chart\'s least-privilege RBAC', function () {
  this.timeout(120_000);
  let cluster: TestCluster;
  let admin: KubernetesApis;
  let adminConfig: KubeConfig;
  let broker: BrokerProcess;
  const call = (method: string, path: string, options: OsbRequestOptions = {}): Promise<OsbResponse> =>
    osb(broker.url, method, path, { auth: AUTH, ...options });
  const catalogNames = async (path = '/v2/catalog') => ((await call('GET', path)).body.services as { name: string }[]).map((s) => s.name).sort();
  const objectsOf = async (namespace: string, selector: string) => {
    const [configMaps, deployments, services] = await Promise.all([
      admin.core.listNamespacedConfigMap({ namespace, labelSelector: selector }),
      admin.apps.listNamespacedDeployment({ namespace, labelSelector: selector }),
      admin.core.listNamespacedService({ namespace, labelSelector: selector }),
    ]);
    return [...configMaps.items, ...deployments.items, ...services.items];
  };

  before(async function () {
    requireOrSkip(this, 'the `mesitis serve` end-to-end suite', testClusterPrerequisite() ?? helmPrerequisite());
    this.timeout(30 * 60_000); // first run on a machine builds the test cluster and helm
    cluster = await sharedTestCluster();
    admin = adminApis(cluster.adminKubeconfig);
    adminConfig = loadKubeconfig(cluster.adminKubeconfig);
    const rbac = await applyChartRbac(cluster.adminKubeconfig, PROVIDER);
    expect(rbac.serviceAccount).to.equal(cluster.brokerServiceAccount);
    const examples = await loadManifests([`${REPO_ROOT}examples`], PROVIDER);
    expect(examples.problems).to.deep.equal([]);
    // The key of generated values, as deploy/README.md has kubectl users create it (the chart makes it itself).
    const generationKey: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'mesitis-generation-key', namespace: PROVIDER }, stringData: { key: randomUUID() + randomUUID() } };
    await applyObjects(adminConfig, [...examples.objects, generationKey]);
    broker = await startBrokerProcess(['serve', '--kubeconfig', cluster.brokerKubeconfig, '--namespace', PROVIDER, '--username', AUTH.username, '--password', AUTH.password, '--log-level', 'debug']);
  });

  after(async () => {
    const code = await broker?.stop();
    if (broker) expect(code, broker.output()).to.equal(0);
  });

  it('serves the examples\' catalog, and only to callers with the credentials', async () => {
    expect(await catalogNames()).to.deep.equal(['api-api-service', 'data-kv-store', 'data-own-postgres', 'data-queue', 'platform-time-service', 'security-mtls-gateway', 'weather-forecast-api']);
    expect((await osb(broker.url, 'GET', '/v2/catalog')).status).to.equal(401);
    expect((await fetch(`${broker.url}/readyz`)).status).to.equal(200);
  });

  it('gives each binding of the own-postgres example a user of its own under the chart RBAC, the owner password generated, no value logged or in an Event', async () => {
    const id = randomUUID();
    const body = { service_id: OWN_POSTGRES.service, plan_id: OWN_POSTGRES.plan, ...PLATFORM_IDS, context: { platform: 'kubernetes', namespace: CONSUMER } };
    const base = `/v2/service_instances/${id}`;
    const accepted = await call('PUT', `${base}?accepts_incomplete=true`, { body });
    expect(accepted.status, JSON.stringify(accepted.body)).to.equal(202);
    await until('provisioned', () => call('GET', `${base}/last_operation`), (r) => r.body?.state === 'succeeded', 60_000);
    const secretValue = async (name: string) =>
      Buffer.from((await admin.core.readNamespacedSecret({ namespace: TARGET, name })).data!['password']!, 'base64').toString('utf8');
    const owner = await secretValue(`pg-${shortId(id)}-credentials`);
    expect(owner).to.match(/^[A-Za-z0-9]{32}$/);

    const [first, second] = [randomUUID(), randomUUID()];
    const bindings: { bindingId: string; user: string; password: string }[] = [];
    for (const bindingId of [first, second]) {
      const binding = await call('PUT', `${base}/service_bindings/${bindingId}`, { body });
      expect(binding.status, JSON.stringify(binding.body)).to.equal(201);
      const user = `pg-${shortId(id)}-user-${bindingShortId(id, bindingId)}`;
      const password = await secretValue(user);
      expect(binding.body.credentials).to.deep.include({ username: `u${bindingShortId(id, bindingId)}`, password, host: `pg-${shortId(id)}.${TARGET}.svc.cluster.local`, port: 5432 });
      expect(binding.body.metadata.expires_at).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      await admin.core.readNamespacedConfigMap({ namespace: TARGET, name: `pg-${shortId(id)}-role-${bindingShortId(id, bindingId)}` });
      bindings.push({ bindingId, user, password });
    }
    const passwords = [owner, ...bindings.map((b) => b.password)];
    expect(new Set(passwords).size).to.equal(3);
    // A successor of the first, then the first unbound: its user's objects go, the second's stay.
    const successor = await call('PUT', `${base}/service_bindings/${randomUUID()}`, { body: { ...body, predecessor_binding_id: first } });
    expect(successor.status, JSON.stringify(successor.body)).to.equal(201);
    passwords.push(successor.body.credentials.password);
    expect(new Set(passwords).size).to.equal(4);
    expect((await call('DELETE', `${base}/service_bindings/${first}?service_id=${OWN_POSTGRES.service}&plan_id=${OWN_POSTGRES.plan}`)).status).to.equal(200);
    const gone = await admin.core.readNamespacedSecret({ namespace: TARGET, name: bindings[0]!.user }).then(() => false, () => true);
    expect(gone, 'the unbound binding\'s Secret').to.equal(true);
    expect(await secretValue(bindings[1]!.user)).to.equal(bindings[1]!.password);

    for (const password of passwords) {
      expect(broker.output()).to.not.contain(password);
      for (const namespace of [PROVIDER, TARGET]) {
        const events = await admin.core.listNamespacedEvent({ namespace });
        expect(JSON.stringify(events.items), `Events in ${namespace}`).to.not.contain(password);
      }
    }
    expect((await call('DELETE', `${base}?service_id=${OWN_POSTGRES.service}&plan_id=${OWN_POSTGRES.plan}&accepts_incomplete=true`)).status).to.equal(202);
    await until('deprovisioned', () => call('GET', `${base}/last_operation`), (r) => r.status === 410, 60_000);
    expect(await objectsOf(TARGET, `mesitis/instance=${instanceLabelValue(id)}`)).to.deep.equal([]);
  });

  it('provisions a dedicated instance into the target namespace, labelled, ready when its Deployment is, gone after deprovision', async () => {
    const id = randomUUID();
    const context = { platform: 'kubernetes', namespace: CONSUMER, instance_name: 'e2e-api' };
    const body = { service_id: API_SERVICE.service, plan_id: API_SERVICE.plan, ...PLATFORM_IDS, context };
    const base = `/namespaces/${CONSUMER}/v2/service_instances/${id}`;
    const lastOperation = () => call('GET', `${base}/last_operation`);
    const accepted = await call('PUT', `${base}?accepts_incomplete=true`, { body });
    expect(accepted.status, JSON.stringify(accepted.body)).to.equal(202);

    const selector = `mesitis/instance=${instanceLabelValue(id)}`;
    const objects = await until('objects created', () => objectsOf(TARGET, selector), (found) => found.length === 3);
    const service = objects.find((o) => 'spec' in o && (o as { spec?: { ports?: unknown } }).spec?.ports !== undefined)!;
    const deployment = objects.find((o) => 'spec' in o && (o as { spec?: { template?: unknown } }).spec?.template !== undefined)!;
    for (const object of objects) {
      expect(object.metadata?.labels).to.include({ 'app.kubernetes.io/managed-by': 'mesitis', 'mesitis/instance': instanceLabelValue(id), 'mesitis/offering': 'api-service', 'mesitis/consumer-namespace': CONSUMER });
    }
    const shortName = service.metadata!.name!;
    expect(objects.map((o) => o.metadata!.name).sort()).to.deep.equal([shortName, shortName, `${shortName}-config`]);
    await until('provisioned', lastOperation, (r) => r.body?.state === 'succeeded');
    // Succeeded only once the real rollout had finished: the Deployment is
    // available and its Pods run (never un-rolled-out in this test).
    const rolledOut = await admin.apps.readNamespacedDeployment({ namespace: TARGET, name: deployment.metadata!.name! });
    expect(rolledOut.status?.availableReplicas).to.equal(rolledOut.spec?.replicas);
    const podSelector = `app=${rolledOut.spec!.selector!.matchLabels!['app']}`;
    const pods = await podsOf(admin, TARGET, podSelector);
    expect(pods.map((pod) => pod.status?.phase)).to.deep.equal(Array.from({ length: rolledOut.spec!.replicas ?? 1 }, () => 'Running'));

    const binding = await call('PUT', `${base}/service_bindings/${randomUUID()}`, { body });
    expect(binding.status).to.equal(201);
    expect(binding.body.credentials).to.deep.include({ host: `${shortName}.${TARGET}.svc.cluster.local`, port: 80 });

    expect((await call('DELETE', `${base}?service_id=${API_SERVICE.service}&plan_id=${API_SERVICE.plan}&accepts_incomplete=true`)).status).to.equal(202);
    await until('deprovisioned', lastOperation, (r) => r.status === 410);
    expect(await objectsOf(TARGET, selector)).to.deep.equal([]);
    // Deprovision finishes only once the Pods are gone (foreground deletion).
    expect(await podsOf(admin, TARGET, podSelector)).to.deep.equal([]);
  });

  it('binds with credentials read from the real Secret, on every bind, and never logs them', async () => {
    const services = (await call('GET', '/v2/catalog')).body.services as { id: string; name: string }[];
    const serviceId = services.find((s) => s.name === 'platform-time-service')!.id;
    const id = randomUUID();
    const body = { service_id: serviceId, plan_id: TIME_PLAN, ...PLATFORM_IDS, context: { platform: 'kubernetes', namespace: CONSUMER } };
    expect([201, 202]).to.include((await call('PUT', `/v2/service_instances/${id}?accepts_incomplete=true`, { body })).status);
    await until('provisioned', () => call('GET', `/v2/service_instances/${id}/last_operation`), (r) => r.status === 200 && r.body.state === 'succeeded');

    const first = await call('PUT', `/v2/service_instances/${id}/service_bindings/${randomUUID()}`, { body });
    expect(first.status).to.equal(201);
    expect(first.body.credentials).to.deep.include({ username: 'time-reader', password: 'example-password-2' });

    const rotated = `rotated-${randomUUID()}`;
    await admin.core.replaceNamespacedSecret({ namespace: PROVIDER, name: 'time-service-credentials', body: { metadata: { name: 'time-service-credentials' }, stringData: { username: 'time-reader', password: rotated } } });
    try {
      const second = await call('PUT', `/v2/service_instances/${id}/service_bindings/${randomUUID()}`, { body });
      expect(second.body.credentials).to.deep.include({ password: rotated });
      const secrets = [AUTH.password, 'example-password-2', rotated, loadKubeconfig(cluster.brokerKubeconfig).getCurrentUser()!.token!];
      for (const secret of secrets) expect(broker.output()).to.not.contain(secret);
    } finally {
      await admin.core.replaceNamespacedSecret({ namespace: PROVIDER, name: 'time-service-credentials', body: { metadata: { name: 'time-service-credentials' }, stringData: { username: 'time-reader', password: 'example-password-2' } } });
    }
  });

  it('refuses an entry that points it at a consumer namespace as a catalog problem (its RBAC allows nothing there), and keeps working', async () => {
    const plan = randomUUID();
    const sneaky = entryConfigMap('wrapped-entry-e2e-sneaky', {
      team: 'e2e', offering: 'sneaky', description: 'objects in a consumer namespace', uuid: plan, version: '1', whitelist: [CONSUMER],
      provisionkind: 'ProvisionNewClusterObjects',
      provisiondata: { namespace: CONSUMER, name: 'sneaky-{{ instance.shortId }}', labelSelector: 'mesitis/offering=api-service' },
      credentialkind: 'CredentialNoCredential',
    });
    await applyObjects(adminConfig, [sneaky]);
    try {
      // A SelfSubjectAccessReview finds the refusal before any consumer could meet it as a failed provision.
      const problems = await until('the entry refused', () => call('GET', '/admin/catalog/problems'),
        (r) => (r.body.problems as { source: string }[]).some((p) => p.source === 'wrapped-entry-e2e-sneaky'));
      const problem = (problems.body.problems as { source: string; message: string }[]).find((p) => p.source === 'wrapped-entry-e2e-sneaky')!;
      expect(problem.message).to.contain(`the broker may not create`).and.contain(`in namespace ${CONSUMER}`).and.contain("the chart's targetKinds");
      const services = await call('GET', '/v2/catalog');
      expect((services.body.services as { name: string }[]).map((s) => s.name)).to.not.include('e2e-sneaky');
      const body = { service_id: deriveServiceId('e2e', 'sneaky'), plan_id: plan, ...PLATFORM_IDS, context: { platform: 'kubernetes', namespace: CONSUMER } };
      expect((await call('PUT', `/v2/service_instances/${randomUUID()}?accepts_incomplete=true`, { body })).status).to.equal(400);
      expect(await objectsOf(CONSUMER, 'app.kubernetes.io/managed-by=mesitis')).to.deep.equal([]);

      // Still serving: catalog, readiness, and a provision that needs no objects.
      expect((await fetch(`${broker.url}/readyz`)).status).to.equal(200);
      const weather = (services.body.services as { id: string; name: string }[]).find((s) => s.name === 'weather-forecast-api')!.id;
      const ok = await call('PUT', `/v2/service_instances/${randomUUID()}`, { body: { service_id: weather, plan_id: '6c1f5d2e-0b7a-4f3e-9d41-1a2b3c4d5e01', ...PLATFORM_IDS, context: { platform: 'kubernetes', namespace: CONSUMER } } });
      expect(ok.status).to.equal(201);
    } finally {
      await admin.core.deleteNamespacedConfigMap({ namespace: PROVIDER, name: 'wrapped-entry-e2e-sneaky' });
    }
  });

  it('follows a ConfigMap edited while it runs, without a restart, at no API cost per catalog request', async () => {
    // Background work talks to the apiserver on its own clock: the reconciler's pass over the records
    // (ConfigMaps labelled mesitis/record), lock Leases, discovery refreshes (/api/v1, /apis, /apis/G/V),
    // access reviews (every minute and after a configuration change). What must cost nothing is serving the catalog.
    const background = /mesitis%2Frecord|\/leases|selfsubjectaccessreviews|"path":"\/api\/v1"|"path":"\/apis(\/[^/"?]+\/[^/"?]+)?"/;
    const requestLines = () => broker.output().split('\n')
      .filter((line) => line.includes('"msg":"kubernetes request"') && !background.test(line)).length;
    const before = requestLines();
    expect(before, 'the start-up listing was counted: the counter works').to.be.greaterThan(0);
    for (let i = 0; i < 50; i++) {
      expect((await call('GET', '/v2/catalog')).status).to.equal(200);
      expect((await call('GET', `/namespaces/${CONSUMER}/v2/catalog`)).status).to.equal(200);
    }
    await sleep(200);
    const perCatalogRequest = (requestLines() - before) / 100;
    expect(perCatalogRequest).to.equal(0);

    const name = 'wrapped-entry-weather-forecast-v1';
    const original = await admin.core.readNamespacedConfigMap({ namespace: PROVIDER, name });
    const edited = `Edited while the broker runs (${randomUUID()})`;
    const resource = JSON.parse(original.data!['wrapped-resource']!) as Record<string, unknown>;
    const description = async () => ((await call('GET', '/v2/catalog')).body.services as { name: string; description: string }[]).find((s) => s.name === 'weather-forecast-api')?.description;
    const started = Date.now();
    await admin.core.replaceNamespacedConfigMap({ namespace: PROVIDER, name, body: { ...original, data: { 'wrapped-resource': JSON.stringify({ ...resource, description: edited }) } } });
    try {
      await until('edit visible', description, (d) => d === edited, 10_000);
      console.log(`      (edit visible over HTTP after ${Date.now() - started} ms; ${perCatalogRequest} Kubernetes API requests per catalog request)`);
    } finally {
      const current = await admin.core.readNamespacedConfigMap({ namespace: PROVIDER, name });
      await admin.core.replaceNamespacedConfigMap({ namespace: PROVIDER, name, body: { ...current, data: original.data! } });
    }
    expect(requestLines()).to.equal(before); // the watch brought the edit: no list, no get
  });

  it('reports a ConfigMap that fails to parse as an Event on it, with the reason', async () => {
    const name = 'wrapped-entry-e2e-broken';
    const broken: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: PROVIDER, labels: ENTRY_LABELS }, data: { 'wrapped-resource': '{ "team": ' } };
    await applyObjects(adminConfig, [broken]);
    try {
      const fieldSelector = `involvedObject.kind=ConfigMap,involvedObject.name=${name}`;
      const events = await until('event', () => admin.core.listNamespacedEvent({ namespace: PROVIDER, fieldSelector }), (list) => list.items.length > 0);
      expect(events.items.map((e) => [e.reason, e.type, e.involvedObject.namespace])).to.deep.equal([[EVENT_REASON, 'Warning', PROVIDER]]);
      expect(events.items[0]!.message).to.match(new RegExp(`^${name}`));
      expect(await catalogNames()).to.include('weather-forecast-api');
    } finally {
      await admin.core.deleteNamespacedConfigMap({ namespace: PROVIDER, name });
    }
  });

  describe('start-up', () => {
    const serve = async (...args: string[]) => {
      try {
        const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/main/cli.ts', 'serve', '--port', '0', ...args], { cwd: REPO_ROOT, timeout: 60_000 });
        return { code: 0, output: stdout + stderr };
      } catch (error) {
        const failed = error as { code: number; stdout: string; stderr: string };
        return { code: failed.code, output: failed.stdout + failed.stderr };
      }
    };

    // Both in parallel: each start pays for tsx compiling the broker.
    let withoutAuth: { code: number; output: string };
    let wrongNamespace: { code: number; output: string };
    before(async function () {
      this.timeout(120_000);
      [withoutAuth, wrongNamespace] = await Promise.all([
        serve('--kubeconfig', cluster.brokerKubeconfig, '--namespace', PROVIDER),
        serve('--kubeconfig', cluster.brokerKubeconfig, '--namespace', CONSUMER, '--username', 'u', '--password', 'p'),
      ]);
    });

    it('refuses to start without authentication unless told --insecure-no-auth', () => {
      expect(withoutAuth.code).to.equal(2);
      expect(withoutAuth.output).to.contain('refusing to start without authentication');
      expect(withoutAuth.output).to.contain('--insecure-no-auth');
    });

    it('stops with a clear message when its identity may not read the namespace it is given', () => {
      expect(wrongNamespace.code).to.equal(1);
      expect(wrongNamespace.output).to.contain(`mesitis serve: cannot load the configuration: the broker is not allowed to watch ConfigMaps in namespace "${CONSUMER}"`);
    });
  });
});
