/**
 * docs/walkthrough.md as a test: the consuming team's `mesitis` CLI, as
 * processes, against `mesitis serve` on the test cluster (real controllers
 * and simulated nodes) under the chart's RBAC. The consumer's own kube
 * identity (Secrets in client-ns only) writes the binding Secret; the "use"
 * step reads it as a Pod's volume would present it: one file per key. The
 * upgrade (step 7), the database with a user per binding (step 8) and the
 * Helm-chart queue (step 9, the broker driving the real helm under the
 * chart's helmReleases rights) run the page's own commands, in its order
 * (walkthrough-steps.ts); step 9's `helm list` runs too, its table compared
 * with the page's but for the UPDATED column. Step 10's broker takes client
 * certificates from the shared real Vault, whose PKI role `client` stands
 * in for the one the page's `vault` lines make (leasing, certificates of an
 * hour; any name rather than the page's domain), with a token of the page's
 * own policy, read from the page; the page's `kubectl | openssl` and `vault`
 * lines are checked through the Secret and Vault's API, serials being new
 * at every run.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomUUID, X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { loadManifests } from '../../src/adapters/config/manifest-loader.js';
import type { KubernetesApis } from '../../src/adapters/kubernetes/api-clients.js';
import { REPO_ROOT, startBrokerProcess, type BrokerProcess } from '../support/broker-process.js';
import { applyChartRbac, applyObjects, loadKubeconfig } from '../support/chart-rbac.js';
import { grantSecretsTo } from '../support/consumer-rbac.js';
import { buildHelm, helmPrerequisite, runTestHelm } from '../support/helm.js';
import { requireOrSkip } from '../support/prerequisites.js';
import { osb } from '../support/osb-client.js';
import { adminApis, podsOf } from '../support/real-cluster.js';
import { READY_AFTER_ANNOTATION, sharedTestCluster, testClusterPrerequisite, type TestCluster } from '../support/test-cluster.js';
import { sharedVaultServer, vaultServerPrerequisite, VAULT_PKI, type VaultServer } from '../support/vault-server.js';
import { WalkthroughSection } from '../support/walkthrough-steps.js';
import { instanceLabelValue } from '../../src/domain/resource-plan.js';
import { bindingShortId, shortId } from '../../src/domain/template-variables.js';

const PROVIDER = 'provider-ns';
const CONSUMER = 'client-ns';
const TARGET = 'api-ns';
const AUTH = { username: 'platform', password: `cli-e2e-${randomUUID()}` };
const V2_IMAGE = 'registry.example.com/api-team/api-service:2.0.0';
/** The policy step 10's broker token gets: the page's own, under a name of this suite (the shared Vault's `mesitis-broker` is other suites'). */
const WALKTHROUGH_POLICY = 'mesitis-walkthrough';

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

/** The broker's policy as step 10 has the providing team write it (the heredoc of `vault policy write`). */
function brokerPolicyOfThePage(): string {
  const page = readFileSync(`${REPO_ROOT}docs/walkthrough.md`, 'utf8');
  const policy = /^## 10\. [\s\S]*?vault policy write mesitis-broker - <<'EOF'\n([\s\S]*?)\nEOF$/m.exec(page)?.[1];
  if (policy === undefined) throw new Error('step 10 of docs/walkthrough.md writes no policy for the broker');
  return policy;
}

/** A certificate serial as openssl (`3A6F...`), Vault's API (`3a:6f:...`) and its lists (`3a-6f-...`) write it. */
const serialKey = (serial: string): string => serial.replace(/[:-]/g, '').toLowerCase().replace(/^0+/, '');

describe('the walkthrough with the mesitis CLI, on the test cluster', function () {
  this.timeout(180_000);
  let cluster: TestCluster;
  let admin: KubernetesApis;
  let broker: BrokerProcess;
  let vault: VaultServer;
  let vaultDir: string;

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
  /** A table's lines without the time helm prints (UPDATED) and without its padding. */
  const helmTable = (lines: readonly string[]): string[] =>
    lines.map((line) => line.replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? [+-]\d{4} \w+/, '<time>').replace(/\s+/g, ' ').trim()).filter((line) => line !== '');
  /** The page's `helm list -n api-ns`, run against the cluster as the admin, printing what the page shows. */
  const helmListAsShown = async (shown: readonly string[]) => {
    const printed = await runTestHelm(() => ['list', '-n', TARGET, '--kubeconfig', cluster.adminKubeconfig]);
    expect(helmTable(printed.split('\n')), printed).to.deep.equal(helmTable(shown));
  };

  before(async function () {
    requireOrSkip(this, 'the CLI walkthrough suite', testClusterPrerequisite() ?? helmPrerequisite() ?? vaultServerPrerequisite());
    this.timeout(30 * 60_000); // first run on a machine builds the test cluster and helm
    cluster = await sharedTestCluster();
    admin = adminApis(cluster.adminKubeconfig);
    // helmReleases, as step 1's Helm install sets it for step 9.
    await applyChartRbac(cluster.adminKubeconfig, PROVIDER, { helmReleases: true });
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
    const helm = await buildHelm();
    // Step 10: the shared Vault has the PKI engine and the leasing role `client` the page's `vault` lines make; the broker logs in with a token of the page's policy.
    vault = await sharedVaultServer();
    await vault.request('PUT', `sys/policies/acl/${WALKTHROUGH_POLICY}`, { policy: brokerPolicyOfThePage() });
    const token = ((await vault.request('POST', 'auth/token/create', { policies: [WALKTHROUGH_POLICY], ttl: '1h' })) as { auth: { client_token: string } }).auth.client_token;
    vaultDir = await mkdtemp(join(tmpdir(), 'mesitis-walkthrough-vault-'));
    await writeFile(join(vaultDir, 'token'), `${token}\n`, { mode: 0o600 });
    broker = await startBrokerProcess(['serve', '--kubeconfig', cluster.brokerKubeconfig, '--namespace', PROVIDER, '--username', AUTH.username, '--password', AUTH.password, '--log-level', 'warn', '--helm-binary', helm,
      '--vault-address', vault.address, '--vault-auth', 'token', '--vault-token-file', join(vaultDir, 'token')]);
  });

  after(async () => {
    await broker?.stop();
    if (vaultDir) await rm(vaultDir, { recursive: true, force: true });
  });

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

  it('step 9: installs, binds, upgrades and uninstalls the queue\'s helm release, `helm list` showing it while it lives and nothing after', async () => {
    const release = `queue-${shortId('my-queue-1')}`;
    const releaseObjects = async () => [
      await exists(() => admin.apps.readNamespacedDeployment({ namespace: TARGET, name: release })),
      await exists(() => admin.core.readNamespacedService({ namespace: TARGET, name: release })),
      await exists(() => admin.core.readNamespacedSecret({ namespace: TARGET, name: `${release}-credentials` })),
    ];
    const imageOf = async () => (await admin.apps.readNamespacedDeployment({ namespace: TARGET, name: release })).spec?.template.spec?.containers[0]?.image;
    const chartSecret = async () => decoded((await admin.core.readNamespacedSecret({ namespace: TARGET, name: `${release}-credentials` })).data);

    const step = new WalkthroughSection('9. ', (args) => mesitis(...args));
    await step.run('mesitis provision my-queue-1 --plan data-queue-1');
    expect(await releaseObjects()).to.deep.equal([true, true, true]);
    expect(await imageOf()).to.equal('registry.example.com/data-team/queue:1.0');
    await helmListAsShown(step.skip('helm list -n api-ns'));

    await step.run('mesitis bind my-queue-1 app-1 --secret app-queue');
    const generated = await chartSecret();
    expect(generated['password'], 'the password the chart generated').to.match(/^[A-Za-z0-9]{24}$/);
    const service = await admin.core.readNamespacedService({ namespace: TARGET, name: release });
    expect(decoded((await consumerSecret('app-queue')).data)).to.deep.equal({
      type: 'queue', provider: 'data', host: `${release}.${TARGET}.svc.cluster.local`, port: '5672', username: 'app', password: generated['password'],
    });

    await step.run('mesitis upgrade my-queue-1 --plan 2');
    expect(await imageOf()).to.equal('registry.example.com/data-team/queue:2.0');
    expect(await chartSecret(), 'the chart keeps its password (lookup): the binding stays valid').to.deep.equal(generated);
    expect((await admin.core.readNamespacedService({ namespace: TARGET, name: release })).metadata?.uid, 'the same Service').to.equal(service.metadata?.uid);
    await helmListAsShown(step.skip('helm list -n api-ns'));

    await step.run('mesitis unbind my-queue-1 app-1 --secret app-queue');
    expect(await exists(() => consumerSecret('app-queue'))).to.equal(false);
    await step.run('mesitis deprovision my-queue-1');
    expect(await releaseObjects()).to.deep.equal([false, false, false]);
    expect((await admin.core.listNamespacedSecret({ namespace: TARGET, labelSelector: `owner=helm,name=${release}` })).items, 'helm\'s release storage').to.deep.equal([]);
    await helmListAsShown(step.skip('helm list -n api-ns'));
    step.finished();
  });

  it('step 10: two bindings with client certificates of their own from Vault PKI, each a lease; unbinding one revokes its certificate, the other stays valid', async () => {
    const certificateIn = async (secret: string) => new X509Certificate(decoded((await consumerSecret(secret)).data)['certificate']!);
    const commonName = (bindingId: string) => `${bindingShortId('my-gateway-1', bindingId)}.${CONSUMER}.gateway.example.com`;
    const revocationTime = async (serial: string) =>
      ((await vault.request('GET', `${VAULT_PKI.mount}/cert/${serial}`)) as { data: { revocation_time: number } }).data.revocation_time;
    /** openssl's `x509 -noout -subject -serial -enddate` lines, values that differ between runs (serial, date) left out. */
    const opensslShape = (line: string) => line.replace(/^serial=[0-9A-F]+$/, 'serial=<serial>').replace(/^notAfter=.*GMT$/, 'notAfter=<date>').replace(/\s+/g, ' ');

    const step = new WalkthroughSection('10. ', (args) => mesitis(...args));
    await step.run('mesitis provision my-gateway-1 --plan security-mtls-gateway-1');
    await step.run('mesitis bind my-gateway-1 app-1 --secret app-cert');
    await step.run('mesitis bind my-gateway-1 app-2 --secret app2-cert');

    // The page's `kubectl get secret ... | openssl x509`: what openssl prints for each Secret's certificate.
    const bindings = [['app-1', 'app-cert'], ['app-2', 'app2-cert']] as const;
    const certificates: Record<string, X509Certificate> = {};
    /** As Vault writes them (`14:03:4d:...`), from each Secret's serial_number. */
    const vaultSerials: Record<string, string> = {};
    const serialsOnThePage: Record<string, string> = {};
    for (const [bindingId, secret] of bindings) {
      const certificate = await certificateIn(secret);
      certificates[bindingId] = certificate;
      vaultSerials[bindingId] = decoded((await consumerSecret(secret)).data)['serial_number']!;
      expect(serialKey(vaultSerials[bindingId]!), 'serial_number is the certificate\'s').to.equal(serialKey(certificate.serialNumber));
      expect(certificate.subject).to.equal(`CN=${commonName(bindingId)}`);
      expect(Object.keys(decoded((await consumerSecret(secret)).data)), 'the Secret: coordinates and the certificate with its key').to.include.members(['certificate', 'private_key', 'issuing_ca', 'serial_number', 'uri']);
      const shown = step.skip(`kubectl get secret ${secret} `);
      const printed = [`subject=CN = ${commonName(bindingId)}`, `serial=${certificate.serialNumber}`, `notAfter=${certificate.validTo}`];
      expect(shown.map(opensslShape)).to.deep.equal(printed.map(opensslShape));
      serialsOnThePage[bindingId] = shown[1]!.slice('serial='.length);
    }
    const [first, second] = [certificates['app-1']!, certificates['app-2']!];
    expect(serialKey(first.serialNumber), 'a certificate per binding').to.not.equal(serialKey(second.serialNumber));
    expect(first.publicKey.export({ format: 'der', type: 'spki' })).to.not.deep.equal(second.publicKey.export({ format: 'der', type: 'spki' }));
    expect(first.issuer, 'one CA issued both').to.equal(second.issuer);
    expect(serialKey(serialsOnThePage['app-1']!), 'the page itself').to.not.equal(serialKey(serialsOnThePage['app-2']!));

    // EXPIRES is the lease's end, which is the certificate's.
    const status = await step.run('mesitis status my-gateway-1 --binding app-1');
    const expires = /^EXPIRES\s+(\S+)$/m.exec(status.out)?.[1];
    expect(Math.abs(Date.parse(expires!) - Date.parse(first.validTo)), `EXPIRES ${expires} and notAfter ${first.validTo}`).to.be.at.most(5_000);

    await step.run('mesitis unbind my-gateway-1 app-1 --secret app-cert');
    expect(await exists(() => consumerSecret('app-cert'))).to.equal(false);
    // The page's `vault list pki/certs/revoked`: app-1's serial there (the shared Vault may list other suites' too), app-2's not.
    const revoked = (((await vault.send('GET', `${VAULT_PKI.mount}/certs/revoked?list=true`)).body as { data?: { keys: string[] } }).data?.keys ?? []).map(serialKey);
    expect(revoked).to.include(serialKey(first.serialNumber)).and.not.include(serialKey(second.serialNumber));
    const listed = step.skip('vault list pki/certs/revoked').slice(2).map(serialKey); // below "Keys" and "----"
    expect(listed, 'the page lists the serial it showed for app-1').to.deep.equal([serialKey(serialsOnThePage['app-1']!)]);
    // The page's `vault read -field=revocation_time pki/cert/SERIAL`, for each binding's serial as the page showed it.
    for (const bindingId of ['app-1', 'app-2'] as const) {
      const read = step.passOver('vault read -field=revocation_time pki/cert/');
      expect(serialKey(read.command.split('/').at(-1)!), `the page reads ${bindingId}'s serial`).to.equal(serialKey(serialsOnThePage[bindingId]!));
      const time = await revocationTime(vaultSerials[bindingId]!);
      if (bindingId === 'app-1') {
        expect(time, 'revoked at unbind').to.be.greaterThan(0);
        expect(read.shown).to.have.length(1).and.satisfy(([shown]: string[]) => Number(shown) > 0);
      } else {
        expect(time, 'still valid').to.equal(0);
        expect(read.shown).to.deep.equal(['0']);
      }
    }
    const fetched = await osb(broker.url, 'GET', `/namespaces/${CONSUMER}/v2/service_instances/my-gateway-1/service_bindings/app-2`, { auth: AUTH });
    expect(fetched.status, 'app-2 is still served').to.equal(200);

    await step.run('mesitis unbind my-gateway-1 app-2 --secret app2-cert');
    expect(await revocationTime(vaultSerials['app-2']!), 'revoked at its unbind').to.be.greaterThan(0);
    await step.run('mesitis deprovision my-gateway-1');
    step.finished();
  });
});

