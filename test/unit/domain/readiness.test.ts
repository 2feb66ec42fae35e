import { expect } from 'chai';
import type { KubeObject } from '../../../src/domain/kube-object.js';
import { readinessOf, takesTime } from '../../../src/domain/readiness.js';
import { configMap, deployment, service } from '../builders.js';

const isReady = (object: KubeObject): boolean => readinessOf(object).state === 'ready';
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

    it('has failed, not still in progress, once its controller reports the progress deadline exceeded', () => {
      // What the Deployment controller writes when a rollout's Pods cannot be scheduled for progressDeadlineSeconds.
      const stuck = withStatus({ ...deployment('d', 1), metadata: { name: 'd', generation: 2 } }, {
        observedGeneration: 2, replicas: 2, updatedReplicas: 1, availableReplicas: 1,
        conditions: [
          { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
          { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "d-7c9f" has timed out progressing.' },
        ],
      });
      expect(readinessOf(stuck)).to.deep.equal({ state: 'failed', reason: 'the rollout failed (ProgressDeadlineExceeded: ReplicaSet "d-7c9f" has timed out progressing.)' });
    });

    it('is in progress while the controller has not seen the latest spec, whatever an older rollout reported', () => {
      const stale = withStatus({ ...deployment('d', 1), metadata: { name: 'd', generation: 3 } }, {
        observedGeneration: 2, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
      });
      expect(readinessOf(stale)).to.deep.equal({ state: 'inProgress' });
    });

    it('is in progress, not failed, while Progressing is False for any other reason or True', () => {
      const progressing = (status: string, reason: string) => withStatus(deployment('d', 1), { updatedReplicas: 1, availableReplicas: 0, conditions: [{ type: 'Progressing', status, reason }] });
      expect(readinessOf(progressing('True', 'ReplicaSetUpdated'))).to.deep.equal({ state: 'inProgress' });
      expect(readinessOf(progressing('False', 'SomethingElse'))).to.deep.equal({ state: 'inProgress' });
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

  describe('Job and Pod', () => {
    it('have failed when the Job reports Failed or the Pod is in phase Failed', () => {
      const job: KubeObject = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: {} };
      expect(readinessOf(withStatus(job, { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] }))).to.deep.equal({ state: 'failed', reason: 'the Job failed (BackoffLimitExceeded)' });
      expect(readinessOf(withStatus(job, { conditions: [{ type: 'Complete', status: 'True' }] }))).to.deep.equal({ state: 'ready' });
      expect(readinessOf(withStatus(pod, { phase: 'Failed', reason: 'Evicted' }))).to.deep.equal({ state: 'failed', reason: 'the Pod failed (Evicted)' });
    });

    it('a custom resource never fails by these rules, whatever its conditions are called', () => {
      const widget: KubeObject = { apiVersion: 'example.com/v1', kind: 'Deployment', metadata: { name: 'w' } };
      expect(readinessOf(withStatus(widget, { conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] })).state).to.equal('ready');
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
