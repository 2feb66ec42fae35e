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

/** The status of the object once its controller is done, or undefined for kinds without a rollout. */
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
    case 'Pod':
      return { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
    default:
      return undefined;
  }
}
