/**
 * The chart against a real kube-apiserver (test/cluster): every rendered
 * object is accepted as rendered, and the broker identity, given the chart's
 * RBAC through applyChartRbac (as the end-to-end tests get it), may do
 * exactly what the chart grants and nothing else.
 */
import { randomBytes } from 'node:crypto';
import { AuthorizationV1Api, CoreV1Api, KubernetesObjectApi, type KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { applyChartRbac, ensureNamespaces, loadKubeconfig, statusCode } from '../support/chart-rbac.js';
import { buildHelm, helmPrerequisite, helmTemplate, MESITIS_CHART_DIR } from '../support/helm.js';
import { requireOrSkip } from '../support/prerequisites.js';
import { sharedTestCluster, testClusterPrerequisite, type TestCluster } from '../support/test-cluster.js';
import { DEFAULT_TARGET_KINDS, missingFields, PROBED_RESOURCES, PROBED_VERBS, PROVIDER_NAMESPACE_PERMISSIONS, TARGET_NAMESPACE_PERMISSIONS, targetNamespacePermissions } from './chart-expectations.js';

const suffix = () => randomBytes(3).toString('hex');

describe('Helm chart on a real kube-apiserver', function () {
  let cluster: TestCluster;
  let admin: KubeConfig;

  before(async function () {
    requireOrSkip(this, 'Helm chart apiserver tests', helmPrerequisite() ?? testClusterPrerequisite());
    this.timeout(40 * 60_000); // cold builds of helm and kube-apiserver
    await buildHelm();
    cluster = await sharedTestCluster();
    admin = loadKubeconfig(cluster.adminKubeconfig);
  });

  for (const [label, values] of [
    ['default values', {}],
    ['Redis, a bearer token, Vault, two target namespaces, two replicas', {
      replicaCount: 2, redis: { url: 'redis://redis:6379', password: 'example-redis-password', tls: true, db: 1 }, credentials: { token: 'example-token' },
      vault: { address: 'https://vault.example.com:8200', caConfigMap: 'vault-ca', auth: { role: 'mesitis-broker', audience: 'vault.example.com' } },
    }],
  ] as const) {
    it(`accepts every object rendered with ${label}, storing each field as rendered`, async function () {
      const release = `chart-${suffix()}`;
      const targets = label === 'default values' ? [`${release}-objects`] : [`${release}-a`, `${release}-b`];
      const objects = await helmTemplate(MESITIS_CHART_DIR, { namespace: release, values: { ...values, targetNamespaces: targets } });
      await ensureNamespaces(admin, [release, ...targets]);
      const client = KubernetesObjectApi.makeApiClient(admin);
      for (const object of objects) {
        const stored = await client.create(object).catch((err: Error) => {
          throw new Error(`${object.kind} ${object.metadata.namespace}/${object.metadata.name} refused: ${err.message}`);
        });
        // The apiserver drops unknown fields (a misspelt securityContext key) with only a warning: compare.
        expect(missingFields(object, stored), `${object.kind}/${object.metadata.name}`).to.deep.equal([]);
      }
    });
  }

  describe('the broker identity under the chart RBAC (applyChartRbac)', function () {
    let broker: KubeConfig;
    let provider: string;
    const target = 'api-ns'; // the chart's default target namespace
    const consumer = `consumer-${suffix()}`;

    before(async function () {
      provider = cluster.brokerNamespace;
      const applied = await applyChartRbac(cluster.adminKubeconfig, provider, { serviceAccount: { name: cluster.brokerServiceAccount } });
      expect(applied.serviceAccount).to.equal(cluster.brokerServiceAccount);
      expect(applied.namespaces).to.deep.equal([provider, target]);
      await ensureNamespaces(admin, [consumer]);
      broker = loadKubeconfig(cluster.brokerKubeconfig);
    });

    it('may create (and delete) a ConfigMap in the target namespace', async function () {
      const core = broker.makeApiClient(CoreV1Api);
      const name = `probe-${suffix()}`;
      await core.createNamespacedConfigMap({ namespace: target, body: { metadata: { name }, data: { a: 'b' } } });
      await core.deleteNamespacedConfigMap({ namespace: target, name });
    });

    it('may not create a ConfigMap in a consumer namespace', async function () {
      const core = broker.makeApiClient(CoreV1Api);
      const error = await core.createNamespacedConfigMap({ namespace: consumer, body: { metadata: { name: 'probe' } } }).catch((err: unknown) => err);
      expect(statusCode(error)).to.equal(403);
    });

    it('may not list ConfigMaps cluster-wide', async function () {
      const error = await broker.makeApiClient(CoreV1Api).listConfigMapForAllNamespaces().catch((err: unknown) => err);
      expect(statusCode(error)).to.equal(403);
    });

    /** What the broker identity may do in `namespace`, over PROBED_RESOURCES x PROBED_VERBS, as "group/resource:verb". */
    async function allowedIn(namespace: string): Promise<string[]> {
      const reviews = broker.makeApiClient(AuthorizationV1Api);
      const probes = PROBED_RESOURCES.flatMap(({ group, resource }) => PROBED_VERBS.map((verb) => ({ group, resource, verb })));
      const allowed = await Promise.all(
        probes.map(async ({ group, resource, verb }) => {
          const review = await reviews.createSelfSubjectAccessReview({
            body: { spec: { resourceAttributes: { namespace, group, resource, verb } } },
          });
          return review.status?.allowed === true ? [`${group}/${resource}:${verb}`] : [];
        }),
      );
      return allowed.flat().sort();
    }

    it('may do exactly what the chart grants, per namespace (SelfSubjectAccessReview matrix)', async function () {
      this.timeout(60_000);
      const expected: Record<string, string[]> = {
        [provider]: PROVIDER_NAMESPACE_PERMISSIONS,
        [target]: TARGET_NAMESPACE_PERMISSIONS,
        [consumer]: [],
        '': [], // cluster-wide
      };
      for (const [namespace, permissions] of Object.entries(expected)) {
        expect(await allowedIn(namespace), `allowed in ${namespace || 'all namespaces'}`).to.deep.equal(permissions);
      }
    });

    it('may do exactly what targetKinds lists in a target namespace, built-in and custom groups alike', async function () {
      this.timeout(60_000);
      const kinds = [
        ...DEFAULT_TARGET_KINDS,
        { apiGroup: 'apps', resources: ['statefulsets'] },
        { apiGroup: 'batch', resources: ['jobs'] },
        { apiGroup: 'networking.k8s.io', resources: ['networkpolicies'] },
        { apiGroup: 'postgresql.cnpg.io', resources: ['clusters'] },
      ];
      const stateful = `stateful-${suffix()}`;
      await applyChartRbac(cluster.adminKubeconfig, provider, { serviceAccount: { name: cluster.brokerServiceAccount }, targetNamespaces: [stateful], targetKinds: kinds });
      try {
        expect(await allowedIn(stateful)).to.deep.equal(targetNamespacePermissions(kinds));
        expect(await allowedIn(target), 'the other target namespaces keep their Roles').to.deep.equal(TARGET_NAMESPACE_PERMISSIONS);
      } finally {
        await admin.makeApiClient(CoreV1Api).deleteNamespace({ name: stateful });
      }
    });

    it('may write helm\'s release storage (Secrets) in a target namespace with helmReleases, and nothing else besides targetKinds', async function () {
      this.timeout(60_000);
      const releases = `releases-${suffix()}`;
      await applyChartRbac(cluster.adminKubeconfig, provider, { serviceAccount: { name: cluster.brokerServiceAccount }, targetNamespaces: [releases], helmReleases: true });
      try {
        expect(await allowedIn(releases)).to.deep.equal(targetNamespacePermissions(DEFAULT_TARGET_KINDS, { helmReleases: true }));
        expect(await allowedIn(target), 'the other target namespaces keep their Roles').to.deep.equal(TARGET_NAMESPACE_PERMISSIONS);
      } finally {
        await admin.makeApiClient(CoreV1Api).deleteNamespace({ name: releases });
      }
    });
  });
});
