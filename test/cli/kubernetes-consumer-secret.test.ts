/**
 * The --secret path for real: KubernetesConsumerSecretStore and `bind/unbind
 * --secret` against a real kube-apiserver, as the plain user "consumer" with
 * a Role on Secrets in its own namespace only (what a consuming team has).
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { runBind } from '../../src/adapters/cli/bind-command.js';
import { KubernetesConsumerSecretStore } from '../../src/adapters/cli/kubernetes-consumer-secret.js';
import { runProvision } from '../../src/adapters/cli/provision-command.js';
import { runUnbind } from '../../src/adapters/cli/unbind-command.js';
import type { KubernetesApis } from '../../src/adapters/kubernetes/api-clients.js';
import type { MemoryBroker } from '../support/memory-broker.js';
import { grantSecretsTo } from '../support/consumer-rbac.js';
import { adminApis, deleteNamespace, freshNamespace, kubeConfigFrom, requireTestClusterOrSkip } from '../support/real-cluster.js';
import { sharedTestCluster, type TestCluster } from '../support/test-cluster.js';
import { EXAMPLE, exampleBroker, run } from './cli-harness.js';
import { describeConsumerSecretStore } from './consumer-secret-store.contract.js';

const decode = (data: Record<string, string> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));

describe('consumer Secrets on a real kube-apiserver', function () {
  let cluster: TestCluster;
  let admin: KubernetesApis;

  before(async function () {
    requireTestClusterOrSkip(this, 'the consumer --secret tests');
    this.timeout(20 * 60_000); // the first run on a machine builds kube-apiserver
    cluster = await sharedTestCluster();
    admin = adminApis(cluster.adminKubeconfig);
  });

  describeConsumerSecretStore('client-node as user "consumer"', async () => {
    const namespace = await freshNamespace(admin, 'cli-secrets');
    await grantSecretsTo(cluster, namespace);
    return {
      store: new KubernetesConsumerSecretStore(kubeConfigFrom(cluster.consumerKubeconfig)),
      namespace,
      plant: async (name, labels) => {
        await admin.core.createNamespacedSecret({ namespace, body: { metadata: { name, labels }, stringData: { mine: 'not yours' } } });
      },
      plantLabel: async (name, key, value) => {
        const secret = await admin.core.readNamespacedSecret({ namespace, name });
        await admin.core.replaceNamespacedSecret({ namespace, name, body: { ...secret, metadata: { ...secret.metadata, labels: { ...secret.metadata?.labels, [key]: value } } } });
      },
      read: async (name) => {
        try {
          const secret = await admin.core.readNamespacedSecret({ namespace, name });
          return { labels: secret.metadata?.labels ?? {}, data: decode(secret.data) };
        } catch (error) {
          if ((error as { code?: number }).code === 404) return undefined;
          throw error;
        }
      },
      cleanup: () => deleteNamespace(admin, namespace),
    };
  });

  describe('bind and unbind --secret, with the default (client-node) store', () => {
    let broker: MemoryBroker;
    // The broker's consumer namespace is client-ns (from examples/); the same name on the real cluster.
    const secretName = () => `forecast-${randomBytes(3).toString('hex')}`;
    const env = () => ({ KUBECONFIG: cluster.consumerKubeconfig });

    before(async () => {
      try {
        await admin.core.createNamespace({ body: { metadata: { name: 'client-ns' } } });
        await grantSecretsTo(cluster, 'client-ns');
      } catch (error) {
        if ((error as { code?: number }).code !== 409) throw error; // another suite made it; the Role then exists too
      }
    });
    beforeEach(async () => {
      broker = await exampleBroker();
      expect((await run(runProvision, ['w-1', '-n', 'client-ns', '--plan', EXAMPLE.weatherPlan], broker)).code).to.equal(0);
    });
    afterEach(async () => { await broker.stop(); });

    it('writes the credentials with the consumer\'s own credentials, and unbind deletes them', async () => {
      const name = secretName();
      const bound = await run(runBind, ['w-1', 'b-1', '-n', 'client-ns', '--secret', name], broker, { env: env() });
      expect(bound.code, bound.err).to.equal(0);
      expect(bound.out).to.contain(`credentials written to Secret client-ns/${name}`);
      const secret = await admin.core.readNamespacedSecret({ namespace: 'client-ns', name });
      expect(decode(secret.data)).to.deep.include({ username: 'example-user', password: EXAMPLE.weatherPassword, port: '443' });
      expect(secret.metadata?.labels).to.deep.include({ 'mesitis/binding': 'b-1', 'mesitis/instance': 'w-1' });

      const unbound = await run(runUnbind, ['w-1', 'b-1', '-n', 'client-ns', '--secret', name], broker, { env: env() });
      expect(unbound.code, unbound.err).to.equal(0);
      const gone = await admin.core.readNamespacedSecret({ namespace: 'client-ns', name }).then(() => 'present', (error: { code?: number }) => error.code);
      expect(gone).to.equal(404);
    });

    it('stops before binding when the consumer may not touch Secrets, quoting the apiserver', async () => {
      const { code, err } = await run(runBind, ['w-1', 'b-2', '-n', 'client-ns', '--secret', secretName()], broker, {
        env: { KUBECONFIG: cluster.brokerKubeconfig }, // a real identity with no rights in client-ns
      });
      expect(code).to.equal(1);
      expect(err).to.match(/cannot read Secret client-ns\/forecast-\w+: 403 Forbidden: .*cannot get resource "secrets"/);
      expect(await broker.store.getBinding('w-1', 'b-2')).to.deep.equal({ ok: true, value: undefined });
    });
  });
});
