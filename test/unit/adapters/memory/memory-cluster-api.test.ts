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

  it('refuses kinds Mesitis does not create, as a configuration problem', async () => {
    const ingress: KubeObject = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'api-ns' } };
    expect(errorOf(await api.create(ingress))).to.deep.equal({ kind: 'ConfigInvalid', message: 'kind "Ingress" is not one Mesitis creates' });
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
    expect(errorOf(await api.list('ConfigMap', 'api-ns', 'a==b==c')).kind).to.equal('ConfigInvalid');
  });
});
