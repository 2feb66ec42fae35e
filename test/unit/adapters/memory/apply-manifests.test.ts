import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { loadManifests } from '../../../../src/adapters/config/manifest-loader.js';
import { applyManifests } from '../../../../src/adapters/memory/apply-manifests.js';
import { MemoryCluster } from '../../../../src/adapters/memory/memory-cluster.js';
import { MemoryClusterApi } from '../../../../src/adapters/memory/memory-cluster-api.js';
import { MemoryConfigSource } from '../../../../src/adapters/memory/memory-config-source.js';
import { MemorySecretSource } from '../../../../src/adapters/memory/memory-secret-source.js';
import { assembleCatalog, visibleTo } from '../../../../src/domain/catalog.js';
import { refOf, type KubeObject } from '../../../../src/domain/kube-object.js';
import { readinessOf } from '../../../../src/domain/readiness.js';
import { planResources } from '../../../../src/domain/resource-plan.js';
import type { CatalogEntry } from '../../../../src/domain/catalog-entry.js';
import { mayMove } from '../../../../src/domain/maintenance.js';
import { shortId } from '../../../../src/domain/template-variables.js';

const EXAMPLES = fileURLToPath(new URL('../../../../examples/', import.meta.url));
const configMap = (name: string, namespace: string, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data });

describe('adapters/memory/apply-manifests', () => {
  it('creates namespaces as needed, then creates or replaces objects', () => {
    const cluster = new MemoryCluster();
    const first = applyManifests(cluster, [configMap('c', 'fresh-ns', { v: '1' })]);
    expect(first.refused).to.deep.equal([]);
    const uid = cluster.get({ kind: 'ConfigMap', namespace: 'fresh-ns', name: 'c' })!.metadata['uid'];
    applyManifests(cluster, [configMap('c', 'fresh-ns', { v: '2' })]);
    const again = cluster.get({ kind: 'ConfigMap', namespace: 'fresh-ns', name: 'c' })!;
    expect([again['data'], again.metadata['uid']]).to.deep.equal([{ v: '2' }, uid]);
  });

  it('reports what the cluster refuses and applies the rest', () => {
    const cluster = new MemoryCluster();
    const outcome = applyManifests(cluster, [configMap('Bad_Name', 'ns', {}), configMap('good', 'ns', {})]);
    expect(outcome.applied.map((k) => k.name)).to.deep.equal(['good']);
    expect(outcome.refused.map((r) => r.key.name)).to.deep.equal(['Bad_Name']);
  });

  describe('examples/ in a dev cluster', () => {
    let cluster: MemoryCluster;

    beforeEach(async () => {
      cluster = new MemoryCluster({ simulateControllers: true });
      const loaded = await loadManifests([EXAMPLES], 'provider-ns');
      expect(applyManifests(cluster, loaded.objects).refused).to.deep.equal([]);
    });

    it('gives a catalog with every example entry, different per consumer namespace', async () => {
      const source = new MemoryConfigSource(cluster, 'provider-ns');
      await source.start();
      const catalog = assembleCatalog(source.current());
      expect(catalog.problems).to.deep.equal([]);
      const plans = (ns: string) => visibleTo(catalog, ns).flatMap((o) => o.plans.map((p) => p.source)).sort();
      expect(plans('client-ns')).to.deep.equal([
        'wrapped-entry-api-api-service', 'wrapped-entry-api-api-service-v2', 'wrapped-entry-data-kv-store', 'wrapped-entry-data-own-postgres',
        'wrapped-entry-data-queue', 'wrapped-entry-data-queue-v2', 'wrapped-entry-platform-time-service', 'wrapped-entry-security-mtls-gateway',
        'wrapped-entry-weather-forecast-v1',
      ]);
      expect(plans('reports-ns')).to.deep.equal(['wrapped-entry-weather-forecast-v1', 'wrapped-entry-weather-forecast-v2']);
    });

    it('provisions the dedicated example into api-ns, every object ready', async () => {
      const source = new MemoryConfigSource(cluster, 'provider-ns');
      await source.start();
      const config = source.current();
      const entry = config.entries.find((e) => e.offering === 'api-service')!;
      const facts = { instanceId: 'instance-1', instanceName: 'mine', consumerNamespace: 'client-ns', team: entry.team, offering: entry.offering, version: entry.version, parameters: {} };
      const plan = planResources(entry, config.templates, facts);
      if (!plan.ok) throw new Error(plan.error.message);
      expect(plan.value.map((o) => o.kind)).to.deep.equal(['ConfigMap', 'Deployment', 'Service']);
      const api = new MemoryClusterApi(cluster);
      for (const object of plan.value) {
        const created = await api.create(object);
        if (!created.ok) throw new Error(created.error.message);
        const read = await api.get(refOf(object));
        expect(read.ok && read.value !== undefined && readinessOf(read.value).state, object.kind).to.equal('ready');
      }
    });

    it('has a version 2 of the dedicated example that version 1 instances may move to: the Deployment and Service kept by name, a ConfigMap added, one dropped', async () => {
      const source = new MemoryConfigSource(cluster, 'provider-ns');
      await source.start();
      const config = source.current();
      const [v1, v2] = ['1', '2'].map((version) => config.entries.find((e) => e.offering === 'api-service' && e.version === version)!);
      expect(mayMove(v1!, v2!)).to.equal(true);
      const rendered = (entry: CatalogEntry) => {
        const facts = { instanceId: 'instance-1', instanceName: 'mine', consumerNamespace: 'client-ns', team: entry.team, offering: entry.offering, version: entry.version, parameters: {} };
        const plan = planResources(entry, config.templates, facts);
        if (!plan.ok) throw new Error(plan.error.message);
        return plan.value;
      };
      const short = shortId('instance-1');
      const names = (objects: KubeObject[]) => objects.map((o) => `${o.kind} ${o.metadata.name}`);
      expect(names(rendered(v1!))).to.deep.equal([`ConfigMap api-${short}-config`, `Deployment api-${short}`, `Service api-${short}`]);
      expect(names(rendered(v2!))).to.deep.equal([`ConfigMap api-${short}-settings`, `Deployment api-${short}`, `Service api-${short}`]);
      const image = (objects: KubeObject[]) => JSON.stringify(objects.find((o) => o.kind === 'Deployment')).match(/api-service:([0-9.]+)/)?.[1];
      expect([image(rendered(v1!)), image(rendered(v2!))]).to.deep.equal(['1.0.0', '2.0.0']);
      expect(rendered(v2!).find((o) => o.kind === 'Service')).to.deep.equal(rendered(v1!).find((o) => o.kind === 'Service'));
    });

    it('holds the example Secret for the shared service', async () => {
      const secrets = new MemorySecretSource(cluster, 'provider-ns');
      const read = await secrets.read('time-service-credentials');
      expect(read.ok && read.value).to.deep.equal({ username: 'time-reader', password: 'example-password-2' });
    });
  });
});
