/**
 * When a created object counts as ready, read from its status by the
 * conventions kstatus (sigs.k8s.io/cli-utils) uses, so a provider's objects
 * are judged the way `kubectl wait` and Flux/Argo judge them:
 *
 * - an object being deleted is never ready; one whose controller has not
 *   seen its latest spec (`status.observedGeneration` < `metadata.generation`)
 *   is not ready yet;
 * - Deployment, ReplicaSet, StatefulSet, DaemonSet: the rollout is complete
 *   (every replica updated, ready and available, no old ones left);
 * - Job: condition Complete True; PersistentVolumeClaim: phase Bound;
 *   Pod: Succeeded, or Running with condition Ready True;
 * - any other kind: with a `Ready` (or else `Available`) condition, that
 *   condition True; with other conditions only, not `Reconciling` or
 *   `Stalled`; without a status (or without conditions), ready at once.
 */
import { isBuiltInGroup } from './built-in-kinds.js';
import type { KubeObject, ObjectType } from './kube-object.js';

/**
 * Built-in kinds whose objects exist before they are usable (a rollout, a
 * Pod starting, a volume binding, a Job running) and stay behind for a while
 * after a delete (Pods terminating, volumes released). Every other built-in
 * kind (ConfigMap, Secret, Service, ServiceAccount, Role, NetworkPolicy,
 * Ingress, ...) is usable once it exists.
 */
const SLOW_BUILT_IN = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'ReplicationController', 'Job', 'Pod', 'PersistentVolumeClaim']);

/**
 * Work on objects of this type cannot be finished within one synchronous
 * request. A custom resource counts as slow: whether its operator reports
 * conditions (and how long they take) is unknown before it is created.
 */
export const takesTime = (type: ObjectType): boolean => !isBuiltInGroup(type.apiVersion) || SLOW_BUILT_IN.has(type.kind);

type Fields = Record<string, unknown>;
interface Condition { readonly type?: unknown; readonly status?: unknown }

const num = (value: unknown): number => (typeof value === 'number' ? value : 0);
const fields = (value: unknown): Fields => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Fields) : {});
const conditionsOf = (status: Fields): Condition[] => (Array.isArray(status['conditions']) ? (status['conditions'] as unknown[]).map(fields) : []);
const conditionIs = (conditions: readonly Condition[], type: string, value: string): boolean =>
  conditions.some((c) => c.type === type && c.status === value);

/** The controller has seen the latest spec (kstatus: no observedGeneration means nothing to compare). */
function caughtUp(object: KubeObject, status: Fields): boolean {
  const generation = object.metadata['generation'];
  const observed = status['observedGeneration'];
  return typeof generation !== 'number' || typeof observed !== 'number' || observed >= generation;
}

function deploymentReady(wanted: number, status: Fields): boolean {
  return num(status['updatedReplicas']) >= wanted && num(status['availableReplicas']) >= wanted
    && num(status['replicas']) <= Math.max(wanted, num(status['updatedReplicas']));
}

function statefulSetReady(spec: Fields, wanted: number, status: Fields): boolean {
  if (fields(spec['updateStrategy'])['type'] === 'OnDelete') return num(status['readyReplicas']) >= wanted;
  const partition = num(fields(fields(spec['updateStrategy'])['rollingUpdate'])['partition']);
  const revisionsMatch = partition > 0 || status['updateRevision'] === undefined || status['updateRevision'] === status['currentRevision'];
  return num(status['readyReplicas']) >= wanted && num(status['updatedReplicas']) >= wanted - partition
    && num(status['replicas']) === wanted && revisionsMatch;
}

function daemonSetReady(status: Fields): boolean {
  const desired = status['desiredNumberScheduled'];
  if (typeof desired !== 'number') return false;
  return num(status['currentNumberScheduled']) >= desired && num(status['updatedNumberScheduled']) >= desired
    && num(status['numberAvailable']) >= desired && num(status['numberReady']) >= desired;
}

function podReady(status: Fields): boolean {
  if (status['phase'] === 'Succeeded') return true;
  return status['phase'] === 'Running' && conditionIs(conditionsOf(status), 'Ready', 'True');
}

/** kstatus's rule for kinds it has no special knowledge of. */
function conditionsReady(status: Fields): boolean {
  const conditions = conditionsOf(status);
  for (const type of ['Ready', 'Available']) {
    if (conditions.some((c) => c.type === type)) return conditionIs(conditions, type, 'True');
  }
  return !conditionIs(conditions, 'Reconciling', 'True') && !conditionIs(conditions, 'Stalled', 'True');
}

export function isReady(object: KubeObject): boolean {
  if (object.metadata['deletionTimestamp'] !== undefined) return false;
  const spec = fields(object['spec']);
  const status = fields(object['status']);
  if (!caughtUp(object, status)) return false;
  const wanted = typeof spec['replicas'] === 'number' ? spec['replicas'] : 1;
  if (!isBuiltInGroup(object.apiVersion)) return conditionsReady(status);
  switch (object.kind) {
    case 'Deployment':
      return deploymentReady(wanted, status);
    case 'ReplicaSet':
    case 'ReplicationController':
      return num(status['readyReplicas']) >= wanted && num(status['availableReplicas'] ?? status['readyReplicas']) >= wanted;
    case 'StatefulSet':
      return statefulSetReady(spec, wanted, status);
    case 'DaemonSet':
      return daemonSetReady(status);
    case 'Job':
      return conditionIs(conditionsOf(status), 'Complete', 'True') || conditionIs(conditionsOf(status), 'SuccessCriteriaMet', 'True');
    case 'PersistentVolumeClaim':
      return status['phase'] === 'Bound';
    case 'Pod':
      return podReady(status);
    default:
      return conditionsReady(status);
  }
}
