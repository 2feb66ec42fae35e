import { expect } from 'chai';
import type { KubeObject } from '../../../src/domain/kube-object.js';
import { isReady, takesTime } from '../../../src/domain/readiness.js';
import { configMap, deployment, service } from '../builders.js';

const withStatus = (object: KubeObject, status: Record<string, unknown>): KubeObject => ({ ...object, status });
const replicaSet = (replicas?: number): KubeObject => ({
  apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs' }, spec: replicas === undefined ? {} : { replicas },
});
const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {} };

describe('domain/readiness', () => {
  it('says which kinds take time to become ready or to go: workloads, Jobs, claims and custom resources, not configuration or Services', () => {
    const slow = [['apps/v1', 'Deployment'], ['apps/v1', 'ReplicaSet'], ['apps/v1', 'StatefulSet'], ['apps/v1', 'DaemonSet'], ['v1', 'Pod'],
      ['batch/v1', 'Job'], ['v1', 'PersistentVolumeClaim'], ['postgresql.cnpg.io/v1', 'Cluster'], ['example.com/v1', 'ConfigMap']];
    for (const [apiVersion, kind] of slow) expect(takesTime({ apiVersion: apiVersion!, kind: kind! }), `${apiVersion} ${kind}`).to.equal(true);
    const immediate = [['v1', 'ConfigMap'], ['v1', 'Secret'], ['v1', 'Service'], ['v1', 'ServiceAccount'], ['networking.k8s.io/v1', 'NetworkPolicy'],
      ['networking.k8s.io/v1', 'Ingress'], ['rbac.authorization.k8s.io/v1', 'Role'], ['policy/v1', 'PodDisruptionBudget']];
    for (const [apiVersion, kind] of immediate) expect(takesTime({ apiVersion: apiVersion!, kind: kind! }), `${apiVersion} ${kind}`).to.equal(false);
  });

  describe('Deployment', () => {
    it('is ready when enough replicas are available and updated', () => {
      expect(isReady(withStatus(deployment('d', 2), { availableReplicas: 2, updatedReplicas: 2 }))).to.equal(true);
      expect(isReady(withStatus(deployment('d', 2), { availableReplicas: 3, updatedReplicas: 2 }))).to.equal(true);
    });

    it('is not ready while replicas are missing, not updated, or there is no status', () => {
      expect(isReady(withStatus(deployment('d', 2), { availableReplicas: 1, updatedReplicas: 2 }))).to.equal(false);
      expect(isReady(withStatus(deployment('d', 2), { availableReplicas: 2, updatedReplicas: 1 }))).to.equal(false);
      expect(isReady(deployment('d', 1))).to.equal(false);
    });

    it('is ready at once when scaled to zero', () => {
      expect(isReady(deployment('d', 0))).to.equal(true);
    });
  });

  describe('ReplicaSet', () => {
    it('is ready when enough replicas are ready, one by default', () => {
      expect(isReady(withStatus(replicaSet(3), { readyReplicas: 3 }))).to.equal(true);
      expect(isReady(withStatus(replicaSet(3), { readyReplicas: 2 }))).to.equal(false);
      expect(isReady(withStatus(replicaSet(), { readyReplicas: 1 }))).to.equal(true);
      expect(isReady(replicaSet())).to.equal(false);
    });
  });

  describe('Pod', () => {
    it('is ready when running with the Ready condition true, or when it succeeded', () => {
      expect(isReady(withStatus(pod, { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }))).to.equal(true);
      expect(isReady(withStatus(pod, { phase: 'Succeeded' }))).to.equal(true);
    });

    it('is not ready while pending, failed, or running without the Ready condition', () => {
      expect(isReady(withStatus(pod, { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] }))).to.equal(false);
      expect(isReady(withStatus(pod, { phase: 'Running', conditions: [{ type: 'Initialized', status: 'True' }] }))).to.equal(false);
      expect(isReady(withStatus(pod, { phase: 'Pending', conditions: [{ type: 'Ready', status: 'True' }] }))).to.equal(false);
      expect(isReady(withStatus(pod, { phase: 'Failed' }))).to.equal(false);
      expect(isReady(pod)).to.equal(false);
    });
  });

  describe('objects without a rollout', () => {
    it('are ready once they exist', () => {
      expect(isReady(service('s'))).to.equal(true);
      expect(isReady(configMap('c'))).to.equal(true);
      expect(isReady({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } })).to.equal(true);
    });
  });
});
