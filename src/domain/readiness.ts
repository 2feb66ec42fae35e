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
 *
 * Some objects say they will never get there (kstatus's Failed): a
 * Deployment whose controller gave up on the rollout (condition Progressing
 * False, reason ProgressDeadlineExceeded), a Job with condition Failed True,
 * a Pod in phase Failed. Waiting out the broker's readiness timeout for
 * those would only delay the failure, so they count as failed at once.
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

/** Where an object stands: usable, on its way, or never going to be (with the controller's own words why). */
export type Readiness =
  | { readonly state: 'ready' | 'inProgress' }
  | { readonly state: 'failed'; readonly reason: string };

type Fields = Record<string, unknown>;
interface Condition { readonly type?: unknown; readonly status?: unknown; readonly reason?: unknown; readonly message?: unknown }

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

const READY: Readiness = { state: 'ready' };
const IN_PROGRESS: Readiness = { state: 'inProgress' };

/** The condition's reason and message, as the controller wrote them. */
const saidBy = (condition: Condition | undefined, fallback: string): string => {
  const words = [condition?.reason, condition?.message].filter((w): w is string => typeof w === 'string' && w !== '');
  return words.length > 0 ? words.join(': ') : fallback;
};

/** kstatus's Failed: the object's controller reports that it will not become ready (only once it has seen the latest spec). */
function failure(object: KubeObject, status: Fields): string | undefined {
  if (!isBuiltInGroup(object.apiVersion)) return undefined;
  const conditions = conditionsOf(status);
  switch (object.kind) {
    case 'Deployment': {
      const progressing = conditions.find((c) => c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded');
      return progressing === undefined ? undefined : `the rollout failed (${saidBy(progressing, 'ProgressDeadlineExceeded')})`;
    }
    case 'Job': {
      const failed = conditions.find((c) => c.type === 'Failed' && c.status === 'True');
      return failed === undefined ? undefined : `the Job failed (${saidBy(failed, 'Failed')})`;
    }
    case 'Pod':
      return status['phase'] === 'Failed' ? `the Pod failed (${typeof status['reason'] === 'string' ? status['reason'] : 'phase Failed'})` : undefined;
    default:
      return undefined;
  }
}

/** Ready, in progress, or failed: see the header. */
export function readinessOf(object: KubeObject): Readiness {
  if (object.metadata['deletionTimestamp'] !== undefined) return IN_PROGRESS;
  const status = fields(object['status']);
  if (!caughtUp(object, status)) return IN_PROGRESS;
  const failed = failure(object, status);
  if (failed !== undefined) return { state: 'failed', reason: failed };
  return ready(object, status) ? READY : IN_PROGRESS;
}

function ready(object: KubeObject, status: Fields): boolean {
  const spec = fields(object['spec']);
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
