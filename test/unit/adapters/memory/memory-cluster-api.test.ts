import { expect } from 'chai';
import { MemoryCluster } from '../../../../src/adapters/memory/memory-cluster.js';
import { MemoryClusterApi } from '../../../../src/adapters/memory/memory-cluster-api.js';
import type { KubeObject } from '../../../../src/domain/kube-object.js';
import type { Result } from '../../../../src/domain/result.js';

const errorOf = <T>(result: Result<T>): { kind: string; message: string } => {
  if (result.ok) throw new Error('expected an error');
  return result.error;
};

describe('adapters/memory/memory-cluster-api (beyond the ClusterApi contract)', () => {
  let api: MemoryClusterApi;

  beforeEach(() => {
    const cluster = new MemoryCluster();
    cluster.createNamespace('api-ns');
    api = new MemoryClusterApi(cluster);
  });

  it('refuses kinds the cluster does not serve, or serves cluster-wide, as a configuration problem', async () => {
    const widget: KubeObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'api-ns' } };
    expect(errorOf(await api.create(widget))).to.deep.equal({ kind: 'ConfigInvalid', message: 'the server could not find the requested resource: kind Widget in example.com/v1 is not served' });
    const role: KubeObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r', namespace: 'api-ns' } };
    expect(errorOf(await api.create(role)).kind).to.equal('ConfigInvalid');
  });

  it('refuses a supported kind at an API version the cluster does not serve', async () => {
    const legacy: KubeObject = { apiVersion: 'extensions/v1beta1', kind: 'Deployment', metadata: { name: 'd', namespace: 'api-ns' } };
    expect(errorOf(await api.create(legacy)).kind).to.equal('ConfigInvalid');
  });

  it('translates a create into a missing namespace into ConfigInvalid: the namespace comes from configuration', async () => {
    const object: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'no-such-ns' }, data: {} };
    expect(errorOf(await api.create(object))).to.deep.equal({ kind: 'ConfigInvalid', message: 'namespace "no-such-ns" not found' });
  });

  it('refuses a label selector it cannot read', async () => {
    expect(errorOf(await api.list({ apiVersion: 'v1', kind: 'ConfigMap' }, 'api-ns', 'a==b==c')).kind).to.equal('ConfigInvalid');
  });
});
