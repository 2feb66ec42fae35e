/**
 * docs/walkthrough.md as a test: the consuming team's `mesitis` CLI, as
 * processes, against `mesitis serve` on the test cluster (real controllers
 * and simulated nodes) under the chart's RBAC. The consumer's own kube
 * identity (Secrets in client-ns only) writes the binding Secret; the "use"
 * step reads it as a Pod's volume would present it: one file per key. The
 * upgrade (step 7) and the database with a user per binding (step 8) run
 * the page's own commands, in its order (walkthrough-steps.ts).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { loadManifests } from '../../src/adapters/config/manifest-loader.js';
import type { KubernetesApis } from '../../src/adapters/kubernetes/api-clients.js';
import { REPO_ROOT, startBrokerProcess, type BrokerProcess } from '../support/broker-process.js';
import { applyChartRbac, applyObjects, loadKubeconfig } from '../support/chart-rbac.js';
import { grantSecretsTo } from '../support/consumer-rbac.js';
import { helmPrerequisite } from '../support/helm.js';
import { requireOrSkip } from '../support/prerequisites.js';
import { osb } from '../support/osb-client.js';
import { adminApis, podsOf } from '../support/real-cluster.js';
import { READY_AFTER_ANNOTATION, sharedTestCluster, testClusterPrerequisite, type TestCluster } from '../support/test-cluster.js';
import { WalkthroughSection } from '../support/walkthrough-steps.js';
import { instanceLabelValue } from '../../src/domain/resource-plan.js';
import { bindingShortId, shortId } from '../../src/domain/template-variables.js';

const PROVIDER = 'provider-ns';
const CONSUMER = 'client-ns';
const TARGET = 'api-ns';
const AUTH = { username: 'platform', password: `cli-e2e-${randomUUID()}` };
const V2_IMAGE = 'registry.example.com/api-team/api-service:2.0.0';

interface Outcome { code: number; out: string; err: string }

/**
 * The examples' Deployment template with Pods that take 3 s to start, as a
 * real image would: simulated Pods are otherwise ready before the CLI's
 * first poll, and the walkthrough shows the wait.
 */
function slowToStart<T extends { metadata?: { name?: string }; data?: Record<string, string> }>(object: T): T {
  const wrapped = object.data?.['wrapped-resource'];
  if (object.metadata?.name !== 'wrapped-api-service-deployment' || wrapped === undefined) return object;
  const deployment = parseYaml(wrapped) as { spec: { template: { metadata: { annotations?: Record<string, string> } } } };
  deployment.spec.template.metadata.annotations = { ...deployment.spec.template.metadata.annotations, [READY_AFTER_ANNOTATION]: '3s' };
  return { ...object, data: { ...object.data, 'wrapped-resource': stringifyYaml(deployment) } };
}

describe('the walkthrough with the mesitis CLI, on the test cluster', function () {
  this.timeout(180_000);
  let cluster: TestCluster;
  let admin: KubernetesApis;
  let broker: BrokerProcess;

  /** `mesitis VERB ...` as the consuming team runs it: its kubeconfig, the broker URL and credentials from the environment. */
  const mesitis = (...args: string[]): Promise<Outcome> =>
    new Promise((resolve) => {
      const env = { ...process.env, KUBECONFIG: cluster.consumerKubeconfig, MESITIS_URL: broker.url, MESITIS_USERNAME: AUTH.username, MESITIS_PASSWORD: AUTH.password };
      execFile(process.execPath, ['--import', 'tsx', 'src/main/cli.ts', ...args, '-n', CONSUMER], { cwd: REPO_ROOT, env }, (error, out, err) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, out, err }));
    });
  const objectsOf = async (instanceId: string) => {
    const labelSelector = `mesitis/instance=${instanceLabelValue(instanceId)}`;
    const [deployments, services] = await Promise.all([
      admin.apps.listNamespacedDeployment({ namespace: TARGET, labelSelector }),
      admin.core.listNamespacedService({ namespace: TARGET, labelSelector }),
    ]);
    return { deployments: deployments.items, services: services.items };
  };
  /** Whether an object exists: its read answers, or 404. */
  const exists = (read: () => Promise<unknown>): Promise<boolean> =>
    read().then(() => true, (error: { code?: number }) => {
      if (error.code === 404) return false;
      throw error;
    });
  const consumerSecret = (name: string) => adminApis(cluster.consumerKubeconfig).core.readNamespacedSecret({ namespace: CONSUMER, name });
  const decoded = (data: Record<string, string> | undefined): Record<string, string> =>
    Object.fromEntries(Object.entries(data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));

  before(async function () {
    requireOrSkip(this, 'the CLI walkthrough suite', testClusterPrerequisite() ?? helmPrerequisite());
    this.timeout(30 * 60_000); // first run on a machine builds the test cluster and helm
    cluster = await sharedTestCluster();
    admin = adminApis(cluster.adminKubeconfig);
    await applyChartRbac(cluster.adminKubeconfig, PROVIDER);
    const examples = await loadManifests([`${REPO_ROOT}examples`], PROVIDER);
    await applyObjects(loadKubeconfig(cluster.adminKubeconfig), examples.objects.map(slowToStart));
    await grantSecretsTo(cluster, CONSUMER).catch((error: { code?: number }) => {
      if (error.code !== 409) throw error; // another suite granted it already
    });
    // The key generated passwords derive from, as step 1 has kubectl users create it (the chart makes its own).
    await admin.core.createNamespacedSecret({ namespace: PROVIDER, body: { metadata: { name: 'mesitis-generation-key' }, stringData: { key: randomUUID() + randomUUID() } } })
      .catch((error: { code?: number }) => {
        if (error.code !== 409) throw error; // another suite made it
      });
    broker = await startBrokerProcess(['serve', '--kubeconfig', cluster.brokerKubeconfig, '--namespace', PROVIDER, '--username', AUTH.username, '--password', AUTH.password, '--log-level', 'warn']);
  });

  after(async () => { await broker?.stop(); });

  it('views the catalog, provisions with visible progress, binds into a Secret a Pod can mount, unbinds and deprovisions', async () => {
    const instance = `my-api-${randomUUID().slice(0, 8)}`;
    const catalog = await mesitis('catalog');
    expect(catalog.code, catalog.err).to.equal(0);
    expect(catalog.out).to.contain('api-api-service-1');
    expect(catalog.out).to.not.contain('weather-forecast-api-2'); // not whitelisted for client-ns

    // The CLI waits while the cluster's controllers roll the Deployment out
    // onto a simulated node; nothing here writes a status.
    const provisioned = await mesitis('provision', instance, '--plan', 'api-api-service-1', '--timeout', '120');
    expect(provisioned.code, provisioned.err).to.equal(0);
    expect(provisioned.err).to.contain(`waiting for provision of ${instance}`);
    const [deployment] = (await objectsOf(instance)).deployments;
    expect(deployment?.status?.availableReplicas, 'the Deployment rolled out').to.equal(deployment?.spec?.replicas);
    const selector = `app=${deployment!.spec!.selector!.matchLabels!['app']}`;
    const pods = await podsOf(admin, TARGET, selector);
    expect(pods.map((pod) => [pod.status?.phase, pod.status?.conditions?.find((c) => c.type === 'Ready')?.status])).to.deep.equal(
      Array.from({ length: deployment!.spec!.replicas ?? 1 }, () => ['Running', 'True']),
    );

    const bound = await mesitis('bind', instance, 'binding-1', '--secret', 'api-service-binding');
    expect(bound.code, bound.err).to.equal(0);
    expect(bound.out).to.contain(`credentials written to Secret ${CONSUMER}/api-service-binding`);

    // "Use": what a Pod mounting the Secret sees, one file per key.
    const secret = await adminApis(cluster.consumerKubeconfig).core.readNamespacedSecret({ namespace: CONSUMER, name: 'api-service-binding' });
    const files = Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
    const service = (await objectsOf(instance)).services[0]!;
    expect(files).to.deep.equal({ type: 'api-service', provider: 'api', host: `${service.metadata!.name}.${TARGET}.svc.cluster.local`, port: '80' });

    const unbound = await mesitis('unbind', instance, 'binding-1', '--secret', 'api-service-binding');
    expect(unbound.code, unbound.err).to.equal(0);
    const gone = await admin.core.readNamespacedSecret({ namespace: CONSUMER, name: 'api-service-binding' }).then(() => 200, (error: { code?: number }) => error.code);
    expect(gone).to.equal(404);

    const deprovisioned = await mesitis('deprovision', instance, '--wait');
    expect(deprovisioned.code, deprovisioned.err).to.equal(0);
    expect(await objectsOf(instance)).to.deep.equal({ deployments: [], services: [] });
    // Deprovision finishes only once the Pods are gone (foreground deletion).
    expect(await podsOf(admin, TARGET, selector)).to.deep.equal([]);
    expect((await mesitis('status', instance)).code).to.not.equal(0);
  });

  it('step 7: upgrades my-api-1 to version 2 with a real rollout, leaving nothing of version 1 that version 2 does not use', async () => {
    const name = `api-${shortId('my-api-1')}`;
    // Steps 4 and 5, as the page runs them, for the instance step 7 upgrades.
    expect((await mesitis('provision', 'my-api-1', '--plan', 'api-api-service-1', '--timeout', '120')).code).to.equal(0);
    expect((await mesitis('bind', 'my-api-1', 'my-binding-1', '--secret', 'api-service-binding')).code).to.equal(0);
    const serviceUid = (await admin.core.readNamespacedService({ namespace: TARGET, name })).metadata?.uid;
    expect(await exists(() => admin.core.readNamespacedConfigMap({ namespace: TARGET, name: `${name}-config` })), 'version 1\'s ConfigMap').to.equal(true);

    const step = new WalkthroughSection('7. ', (args) => mesitis(...args));
    await step.run('mesitis status my-api-1');
    await step.run('mesitis upgrade my-api-1 --plan 2');
    // Rolled out by the cluster's controllers: the new ReplicaSet serves, the old one is scaled to 0.
    const deployment = await admin.apps.readNamespacedDeployment({ namespace: TARGET, name });
    const replicas = deployment.spec?.replicas ?? 1;
    expect(deployment.spec?.template.spec?.containers.map((container) => container.image)).to.deep.equal([V2_IMAGE]);
    expect(deployment.status?.observedGeneration).to.be.at.least(deployment.metadata?.generation ?? 0);
    expect(deployment.status).to.deep.include({ replicas, updatedReplicas: replicas, availableReplicas: replicas });
    const replicaSets = (await admin.apps.listNamespacedReplicaSet({ namespace: TARGET, labelSelector: `app=${name}` })).items;
    const rolledTo = replicaSets.filter((set) => set.spec?.template?.spec?.containers[0]?.image === V2_IMAGE);
    expect(rolledTo.map((set) => set.status?.readyReplicas)).to.deep.equal([replicas]);
    expect(replicaSets.filter((set) => !rolledTo.includes(set)).map((set) => set.spec?.replicas), 'version 1\'s ReplicaSet').to.deep.equal([0]);
    const pods = await podsOf(admin, TARGET, `app=${name}`);
    expect(pods.map((pod) => [pod.spec?.containers[0]?.image, pod.status?.phase])).to.deep.equal(Array.from({ length: replicas }, () => [V2_IMAGE, 'Running']));
    expect(await exists(() => admin.core.readNamespacedConfigMap({ namespace: TARGET, name: `${name}-config` })), 'version 1\'s ConfigMap').to.equal(false);
    expect(await exists(() => admin.core.readNamespacedConfigMap({ namespace: TARGET, name: `${name}-settings` })), 'version 2\'s ConfigMap').to.equal(true);
    expect((await admin.core.readNamespacedService({ namespace: TARGET, name })).metadata?.uid, 'the Service, left alone').to.equal(serviceUid);
    await step.run('mesitis status my-api-1');
    step.skip('kubectl get deployments,configmaps -n api-ns');
    step.finished();

    expect((await mesitis('unbind', 'my-api-1', 'my-binding-1', '--secret', 'api-service-binding')).code).to.equal(0);
    expect((await mesitis('deprovision', 'my-api-1', '--timeout', '120')).code).to.equal(0);
  });

  it('step 8: two applications with users of their own; one rotated with the Secret changed in place, the other revoked, the first still served', async () => {
    const db = `pg-${shortId('my-db-1')}`;
    const user = (bindingId: string) => `${db}-user-${bindingShortId('my-db-1', bindingId)}`;
    const role = (bindingId: string) => `${db}-role-${bindingShortId('my-db-1', bindingId)}`;
    /** The binding's own objects in api-ns: its user's Secret and the role ConfigMap that makes PostgreSQL accept it. */
    const bindingObjects = async (bindingId: string) => [
      await exists(() => admin.core.readNamespacedSecret({ namespace: TARGET, name: user(bindingId) })),
      await exists(() => admin.core.readNamespacedConfigMap({ namespace: TARGET, name: role(bindingId) })),
    ];
    const instanceObjects = async () => [
      await exists(() => admin.apps.readNamespacedDeployment({ namespace: TARGET, name: db })),
      await exists(() => admin.core.readNamespacedService({ namespace: TARGET, name: db })),
      await exists(() => admin.core.readNamespacedSecret({ namespace: TARGET, name: `${db}-credentials` })),
    ];
    const userCredentials = async (bindingId: string) => decoded((await admin.core.readNamespacedSecret({ namespace: TARGET, name: user(bindingId) })).data);

    const step = new WalkthroughSection('8. ', (args) => mesitis(...args));
    await step.run('mesitis provision my-db-1');
    await step.run('mesitis bind my-db-1 app-1 --secret app-db');
    await step.run('mesitis bind my-db-1 reports-1 --secret reports-db');
    const before = await consumerSecret('app-db');
    expect(decoded(before.data)).to.deep.include(await userCredentials('app-1'));
    expect(await bindingObjects('app-1')).to.deep.equal([true, true]);
    await step.run('mesitis status my-db-1 --binding app-1');

    await step.run('mesitis rotate my-db-1 app-1 --secret app-db');
    const after = await consumerSecret('app-db');
    expect(after.metadata?.uid, 'the same Secret, changed in place').to.equal(before.metadata?.uid);
    expect(after.metadata?.labels).to.deep.include({ 'mesitis/binding': 'app-2', 'mesitis/instance': 'my-db-1' });
    const [oldValues, newValues] = [decoded(before.data), decoded(after.data)];
    expect(newValues['username']).to.not.equal(oldValues['username']);
    expect(newValues['password']).to.not.equal(oldValues['password']);
    expect(newValues).to.deep.include(await userCredentials('app-2'));
    expect(await bindingObjects('app-1'), 'the predecessor\'s user').to.deep.equal([false, false]);
    expect(await bindingObjects('app-2')).to.deep.equal([true, true]);
    expect(await bindingObjects('reports-1'), 'the other application\'s user').to.deep.equal([true, true]);
    expect(await instanceObjects()).to.deep.equal([true, true, true]);
    step.skip('kubectl get secret app-db --show-labels');

    // Issue 13 point 7: revoking one consumer leaves the other's objects, credentials and fetch alone.
    const reports = decoded((await consumerSecret('reports-db')).data);
    await step.run('mesitis unbind my-db-1 reports-1 --secret reports-db');
    expect(await exists(() => consumerSecret('reports-db'))).to.equal(false);
    expect(await bindingObjects('reports-1'), 'the revoked user').to.deep.equal([false, false]);
    expect(await bindingObjects('app-2')).to.deep.equal([true, true]);
    expect(decoded((await consumerSecret('app-db')).data)).to.deep.equal(newValues);
    await step.run('mesitis status my-db-1 --binding app-2');
    const fetched = await osb(broker.url, 'GET', `/namespaces/${CONSUMER}/v2/service_instances/my-db-1/service_bindings/app-2`, { auth: AUTH });
    expect(fetched.status).to.equal(200);
    expect(fetched.body.credentials).to.deep.include({ username: newValues['username'], password: newValues['password'] });
    expect(JSON.stringify(fetched.body)).to.not.contain(reports['password']!);

    await step.run('mesitis unbind my-db-1 app-2 --secret app-db');
    await step.run('mesitis deprovision my-db-1');
    step.finished();
    expect(await instanceObjects()).to.deep.equal([false, false, false]);
    expect(await bindingObjects('app-2')).to.deep.equal([false, false]);
  });
});
