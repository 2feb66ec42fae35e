/**
 * When a created object counts as ready, read from its status the way kubectl
 * rollout status would. Objects without a rollout are ready once they exist.
 */
import type { KubeObject } from './kube-object.js';

/**
 * Kinds whose objects exist before they are usable (a rollout, a Pod
 * starting) and stay behind for a while after a delete (Pods terminating).
 * Work on them cannot be finished within one synchronous request.
 */
const TAKE_TIME = ['Deployment', 'ReplicaSet', 'Pod'];

export const takesTime = (kind: string): boolean => TAKE_TIME.includes(kind);

const num = (value: unknown): number => (typeof value === 'number' ? value : 0);

export function isReady(object: KubeObject): boolean {
  const spec = (object['spec'] ?? {}) as Record<string, unknown>;
  const status = (object['status'] ?? {}) as Record<string, unknown>;
  const wanted = typeof spec['replicas'] === 'number' ? spec['replicas'] : 1;
  switch (object.kind) {
    case 'Deployment':
      return num(status['availableReplicas']) >= wanted && num(status['updatedReplicas']) >= wanted;
    case 'ReplicaSet':
      return num(status['readyReplicas']) >= wanted;
    case 'Pod': {
      if (status['phase'] === 'Succeeded') return true;
      const conditions = (status['conditions'] ?? []) as { type?: string; status?: string }[];
      return status['phase'] === 'Running' && conditions.some((c) => c.type === 'Ready' && c.status === 'True');
    }
    default:
      return true;
  }
}
