import { expect } from 'chai';
import { MemoryCluster, type ClusterEvent } from '../../../../src/adapters/memory/memory-cluster.js';
import type { KubeObject } from '../../../../src/domain/kube-object.js';
import { parseLabelSelector } from '../../../../src/domain/label-selector.js';
import { readinessOf } from '../../../../src/domain/readiness.js';

const NS = 'provider-ns';

const configMap = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}, namespace = NS): KubeObject => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data,
});

const podSpec = { containers: [{ name: 'app', image: 'registry.example.com/app:1' }] };
const deployment = (name: string, overrides: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: NS },
  spec: { replicas: 2, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: podSpec } },
  ...overrides,
});

function created(cluster: MemoryCluster, object: KubeObject): KubeObject {
  const result = cluster.create(object);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

function failureOf(result: { ok: true } | { ok: false; error: { reason: string; message: string } }): { reason: string; message: string } {
  if (result.ok) throw new Error('expected a failure');
  return result.error;
}

describe('adapters/memory/memory-cluster', () => {
  let cluster: MemoryCluster;

  beforeEach(() => {
    cluster = new MemoryCluster({ now: () => new Date('2024-05-06T07:08:09.123Z') });
    cluster.createNamespace(NS);
  });

  describe('namespaces', () => {
    it('refuses to create an object in a namespace that does not exist, with NotFound', () => {
      expect(failureOf(cluster.create(configMap('c', {}, {}, 'missing-ns')))).to.deep.equal({ reason: 'NotFound', message: 'namespace "missing-ns" not found' });
    });

    it('creates a namespace once; ensureNamespace is idempotent', () => {
      expect(failureOf(cluster.createNamespace(NS)).reason).to.equal('AlreadyExists');
      expect(cluster.ensureNamespace(NS).ok).to.equal(true);
      expect(cluster.ensureNamespace('api-ns').ok).to.equal(true);
      expect(cluster.namespaces()).to.deep.equal(['api-ns', NS]);
    });

    it('refuses a namespace name that is not a DNS label', () => {
      expect(failureOf(cluster.createNamespace('Provider_NS')).reason).to.equal('Invalid');
    });

    it('deletes a namespace with everything in it, announcing each deletion', () => {
      created(cluster, configMap('c'));
      const events: string[] = [];
      cluster.watch((e) => events.push(`${e.type} ${e.object.metadata.name}`));
      expect(cluster.deleteNamespace(NS).ok).to.equal(true);
      expect(events).to.deep.equal(['DELETED c']);
      expect(cluster.hasNamespace(NS)).to.equal(false);
      expect(failureOf(cluster.deleteNamespace(NS)).reason).to.equal('NotFound');
    });
  });

  describe('create', () => {
    it('sets uid, creationTimestamp (whole seconds) and a resourceVersion', () => {
      const a = created(cluster, configMap('a'));
      const b = created(cluster, configMap('b'));
      expect(a.metadata['creationTimestamp']).to.equal('2024-05-06T07:08:09Z');
      expect(a.metadata['uid']).to.match(/^[0-9a-f-]{36}$/);
      expect(a.metadata['uid']).to.not.equal(b.metadata['uid']);
      expect(Number(b.metadata.resourceVersion)).to.be.greaterThan(Number(a.metadata.resourceVersion));
    });

    it('refuses an object that already carries a resourceVersion', () => {
      const object = configMap('c');
      object.metadata.resourceVersion = '12';
      expect(failureOf(cluster.create(object)).reason).to.equal('Invalid');
    });

    it('refuses a taken name with AlreadyExists, per kind and namespace', () => {
      created(cluster, configMap('c'));
      expect(failureOf(cluster.create(configMap('c'))).reason).to.equal('AlreadyExists');
      cluster.createNamespace('other-ns');
      expect(cluster.create(configMap('c', {}, {}, 'other-ns')).ok).to.equal(true);
    });

    const invalid: [string, KubeObject][] = [
      ['an upper-case name', configMap('Settings')],
      ['a name longer than 253 characters', configMap('a'.repeat(254))],
      ['a Service name starting with a digit', { apiVersion: 'v1', kind: 'Service', metadata: { name: '1api', namespace: NS }, spec: { ports: [{ port: 80 }] } }],
      ['an invalid label value', configMap('c', { team: 'has spaces' })],
      ['an invalid label key', configMap('c', { 'bad key': 'x' })],
      ['a label value over 63 characters', configMap('c', { team: 'a'.repeat(64) })],
      ['a ConfigMap data key with a slash', configMap('c', {}, { 'a/b': 'x' })],
      ['Secret data that is not base64', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: NS }, data: { password: 'not base64!' } }],
      ['a Deployment without a selector', deployment('d', { spec: { template: { metadata: { labels: { app: 'd' } }, spec: podSpec } } })],
      ['a Deployment whose selector does not match its pod labels', deployment('d', { spec: { selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'd' } }, spec: podSpec } } })],
      ['a Pod without containers', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: NS }, spec: { containers: [] } }],
      ['a container without an image', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: NS }, spec: { containers: [{ name: 'app' }] } }],
      ['a Service without ports', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: NS }, spec: {} }],
      ['a Service port out of range', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: NS }, spec: { ports: [{ port: 0 }] } }],
    ];
    for (const [what, object] of invalid) {
      it(`refuses ${what} as Invalid, and stores nothing`, () => {
        expect(failureOf(cluster.create(object)).reason).to.equal('Invalid');
        expect(cluster.list(object.kind, NS)).to.deep.equal([]);
      });
    }

    it('accepts a headless Service without ports, and a ConfigMap name a Service could not have', () => {
      expect(cluster.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'headless', namespace: NS }, spec: { clusterIP: 'None' } }).ok).to.equal(true);
      expect(cluster.create(configMap('1.settings.v2')).ok).to.equal(true);
    });

    it('fills in the spec defaults a real server does: workload replicas, Service type and port protocol/targetPort', () => {
      const { replicas: _omitted, ...spec } = deployment('d')['spec'] as Record<string, unknown>;
      expect((created(cluster, deployment('d', { spec }))['spec'] as Record<string, unknown>)['replicas']).to.equal(1);
      expect((created(cluster, deployment('kept'))['spec'] as Record<string, unknown>)['replicas']).to.equal(2);
      const service = created(cluster, { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: NS }, spec: { ports: [{ port: 80 }, { port: 81, targetPort: 'http', protocol: 'UDP' }] } });
      expect(service['spec']).to.deep.equal({ type: 'ClusterIP', ports: [{ protocol: 'TCP', targetPort: 80, port: 80 }, { protocol: 'UDP', targetPort: 'http', port: 81 }] });
    });

    it('folds Secret stringData into base64 data, like the API server', () => {
      const secret = created(cluster, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: NS }, data: { user: 'dXNlcg==' }, stringData: { password: 'example-password-1' } });
      expect(secret).to.not.have.property('stringData');
      expect(secret['data']).to.deep.equal({ user: 'dXNlcg==', password: Buffer.from('example-password-1').toString('base64') });
      expect(secret['type']).to.equal('Opaque');
    });

    it('drops a client-written status on kinds whose status belongs to a controller', () => {
      const stored = created(cluster, deployment('d', { status: { availableReplicas: 2, updatedReplicas: 2 } }));
      expect(readinessOf(stored).state).to.equal('inProgress');
      expect(readinessOf(cluster.get({ kind: 'Deployment', namespace: NS, name: 'd' })!).state).to.equal('inProgress');
    });

    it('hands out copies: changing what it returned changes nothing stored', () => {
      const object = configMap('c', {}, { a: '1' });
      const stored = created(cluster, object);
      (object['data'] as Record<string, string>)['a'] = 'changed by caller';
      (stored['data'] as Record<string, string>)['a'] = 'changed by caller';
      (cluster.get({ kind: 'ConfigMap', namespace: NS, name: 'c' })!['data'] as Record<string, string>)['a'] = 'changed by caller';
      expect(cluster.get({ kind: 'ConfigMap', namespace: NS, name: 'c' })!['data']).to.deep.equal({ a: '1' });
    });
  });

  describe('simulateControllers', () => {
    const readyAfterCreate = (simulate: boolean): boolean[] => {
      const dev = new MemoryCluster({ simulateControllers: simulate });
      dev.createNamespace(NS);
      const objects: KubeObject[] = [
        deployment('web'),
        { ...deployment('rs'), kind: 'ReplicaSet' },
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pod', namespace: NS }, spec: podSpec },
      ];
      return objects.map((object) => {
        created(dev, object);
        return readinessOf(dev.get({ kind: object.kind, namespace: NS, name: object.metadata.name })!).state === 'ready';
      });
    };

    it('marks Deployments, ReplicaSets and Pods ready right after create', () => {
      expect(readyAfterCreate(true)).to.deep.equal([true, true, true]);
    });

    it('leaves them unready without it, as a bare API server does', () => {
      expect(readyAfterCreate(false)).to.deep.equal([false, false, false]);
    });
  });

  describe('replace and setStatus', () => {
    it('replace keeps identity and status, bumps resourceVersion and generation', () => {
      const first = created(cluster, deployment('d'));
      cluster.setStatus({ kind: 'Deployment', namespace: NS, name: 'd' }, { availableReplicas: 2, updatedReplicas: 2 });
      const result = cluster.replace(deployment('d', { spec: { ...(deployment('d')['spec'] as object), replicas: 3 } }));
      if (!result.ok) throw new Error(result.error.message);
      expect(result.value.metadata['uid']).to.equal(first.metadata['uid']);
      expect(result.value.metadata['generation']).to.equal(2);
      expect(result.value['status']).to.deep.equal({ availableReplicas: 2, updatedReplicas: 2 });
      expect(result.value.metadata.resourceVersion).to.not.equal(first.metadata.resourceVersion);
    });

    it('replace refuses a stale resourceVersion with Conflict, and a missing object with NotFound', () => {
      const first = created(cluster, configMap('c'));
      cluster.replace(configMap('c', {}, { a: '1' }));
      expect(failureOf(cluster.replace({ ...first, data: { a: '2' } })).reason).to.equal('Conflict');
      expect(failureOf(cluster.replace(configMap('missing'))).reason).to.equal('NotFound');
    });

    it('setStatus answers NotFound for an absent object', () => {
      expect(failureOf(cluster.setStatus({ kind: 'Deployment', namespace: NS, name: 'nope' }, {})).reason).to.equal('NotFound');
    });
  });

  describe('list, delete and watch', () => {
    it('lists one kind in one namespace, by name, filtered by a selector', () => {
      created(cluster, configMap('b', { team: 'a' }));
      created(cluster, configMap('a', { team: 'a' }));
      created(cluster, configMap('c', { team: 'c' }));
      const selector = parseLabelSelector('team=a');
      if (!selector.ok) throw new Error(selector.error);
      expect(cluster.list('ConfigMap', NS, selector.value).map((o) => o.metadata.name)).to.deep.equal(['a', 'b']);
      expect(cluster.list('ConfigMap', NS).map((o) => o.metadata.name)).to.deep.equal(['a', 'b', 'c']);
      expect(cluster.list('ConfigMap', 'missing-ns')).to.deep.equal([]);
    });

    it('delete returns the last state, then NotFound', () => {
      created(cluster, configMap('c', {}, { a: '1' }));
      const key = { kind: 'ConfigMap', namespace: NS, name: 'c' };
      const deleted = cluster.delete(key);
      expect(deleted.ok && deleted.value['data']).to.deep.equal({ a: '1' });
      expect(failureOf(cluster.delete(key)).reason).to.equal('NotFound');
    });

    it('announces every write in order, and stops when unsubscribed', () => {
      const events: ClusterEvent[] = [];
      const unwatch = cluster.watch((e) => events.push(e));
      created(cluster, configMap('c'));
      cluster.replace(configMap('c', {}, { a: '1' }));
      cluster.delete({ kind: 'ConfigMap', namespace: NS, name: 'c' });
      unwatch();
      created(cluster, configMap('after'));
      expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).to.deep.equal(['ADDED c', 'MODIFIED c', 'DELETED c']);
      expect(events[1]!.object['data']).to.deep.equal({ a: '1' });
    });

    it('gives watchers copies they cannot use to change the store', () => {
      cluster.watch((e) => {
        e.object.metadata.name = 'renamed-by-watcher';
      });
      created(cluster, configMap('c'));
      expect(cluster.get({ kind: 'ConfigMap', namespace: NS, name: 'c' })).to.not.equal(undefined);
    });
  });
});
