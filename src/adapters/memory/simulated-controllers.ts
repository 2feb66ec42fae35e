/**
 * Dev mode has no kubelet and no controllers, so nothing would ever become
 * ready. With `simulateControllers` the fake cluster writes, right after a
 * create, the status the controllers would report once everything runs.
 */
import type { KubeObject } from '../../domain/kube-object.js';

const wantedReplicas = (object: KubeObject): number => {
  const replicas = (object['spec'] as { replicas?: unknown } | undefined)?.replicas;
  return typeof replicas === 'number' ? replicas : 1;
};

/**
 * The status of the object once its controller is done, or undefined for
 * kinds without one. Custom resources get none: no operator runs here, and
 * an object without a status counts as ready.
 */
export function settledStatus(object: KubeObject): Record<string, unknown> | undefined {
  const replicas = wantedReplicas(object);
  const generation = object.metadata['generation'];
  switch (object.kind) {
    case 'Deployment':
      return {
        observedGeneration: generation, replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas,
        conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }],
      };
    case 'ReplicaSet':
      return { observedGeneration: generation, replicas, fullyLabeledReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas };
    case 'StatefulSet':
      return {
        observedGeneration: generation, replicas, readyReplicas: replicas, currentReplicas: replicas, updatedReplicas: replicas, availableReplicas: replicas,
        currentRevision: `${object.metadata.name}-1`, updateRevision: `${object.metadata.name}-1`,
      };
    case 'DaemonSet':
      // One simulated node.
      return { observedGeneration: generation, desiredNumberScheduled: 1, currentNumberScheduled: 1, updatedNumberScheduled: 1, numberAvailable: 1, numberReady: 1, numberMisscheduled: 0 };
    case 'Job':
      return {
        succeeded: 1,
        conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'Complete', status: 'True' }],
      };
    case 'PersistentVolumeClaim': {
      const spec = (object['spec'] ?? {}) as { accessModes?: unknown; resources?: { requests?: unknown } };
      return { phase: 'Bound', accessModes: spec.accessModes ?? [], capacity: spec.resources?.requests ?? {} };
    }
    case 'Pod':
      return { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
    default:
      return undefined;
  }
}
