/**
 * docs/walkthrough.md as a test: the consuming team's `mesitis` CLI, as
 * processes, against `mesitis serve` on the test cluster (real controllers
 * and simulated nodes) under the chart's RBAC. The consumer's own kube
 * identity (Secrets in client-ns only) writes the binding Secret; the "use"
 * step reads it as a Pod's volume would present it: one file per key.
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
import { adminApis, podsOf } from '../support/real-cluster.js';
import { READY_AFTER_ANNOTATION, sharedTestCluster, testClusterPrerequisite, type TestCluster } from '../support/test-cluster.js';
import { instanceLabelValue } from '../../src/domain/resource-plan.js';

const PROVIDER = 'provider-ns';
const CONSUMER = 'client-ns';
const TARGET = 'api-ns';
const AUTH = { username: 'platform', password: `cli-e2e-${randomUUID()}` };

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
});
