/**
 * The life of an instance as one state machine. Use cases and the
 * reconciler move a record only through these named transitions, so the
 * status and the operation's state can never disagree.
 *
 *   provisioning --objectsCreated--> starting --becameReady--> ready
 *   provisioning|starting --becameReady--> ready        (nothing to wait for)
 *   provisioning|starting --provisionFailed--> failed    (objects listed unless rolled back)
 *   deprovisioning --stillRemoving--> deprovisioning    (a retry after a fault)
 *   deprovisioning --removed--> gone
 *   deprovisioning --deprovisionFailed--> failed         (records what is left)
 *   failed --leftoversRemoved--> failed                  (objects: none left, no release)
 *   ready --updateStarted--> updating                     (a new operation; the intent names both plans)
 *   updating --updateApplied--> updating                  (target objects applied; objects: both plans' until settled)
 *   updating --updated--> ready                           (the target plan, its objects and coordinates)
 *   updating --updateFailed--> ready (operation failed)   (the previous plan, with what is left of both)
 */
import { sameRef, type ObjectRef } from './kube-object.js';
import type { InstanceRecord, InstanceStatus, Operation, OperationState, PinnedBinding, ReleaseRecord, UpdateIntent } from './records.js';

export type LifecycleEvent =
  /** `objects`: what was made, with the uids that prove it is ours; `release`: the Helm release installed, with its revision. */
  | { readonly type: 'objectsCreated'; readonly objects: readonly ObjectRef[]; readonly release?: ReleaseRecord }
  | { readonly type: 'becameReady'; readonly description?: string; readonly objects?: readonly ObjectRef[] }
  /** `rolledBack`: every object made was removed again, so the record owns none. */
  | { readonly type: 'provisionFailed'; readonly reason: string; readonly rolledBack: boolean }
  | { readonly type: 'stillRemoving'; readonly reason: string }
  | { readonly type: 'removed' }
  | { readonly type: 'deprovisionFailed'; readonly reason: string }
  | { readonly type: 'leftoversRemoved' }
  /** `operation`: the update's own; `intent`: target and previous plan, nothing applied yet. */
  | { readonly type: 'updateStarted'; readonly operation: Operation; readonly intent: Omit<UpdateIntent, 'applied' | 'pinned'> }
  /** `applied`: the target's objects with their uids; `pinned`: what bindings get once it is ready; `release`: the revision upgraded to. */
  | { readonly type: 'updateApplied'; readonly applied: readonly ObjectRef[]; readonly pinned?: PinnedBinding; readonly release?: ReleaseRecord }
  | { readonly type: 'updated' }
  /** `objects`: what the instance owns after restoring (the previous plan's, plus any the restore could not remove). */
  | { readonly type: 'updateFailed'; readonly reason: string; readonly objects: readonly ObjectRef[] };

interface Rule {
  readonly from: readonly InstanceStatus[];
  readonly to: InstanceStatus;
  readonly state: OperationState;
}

const RULES: Readonly<Record<LifecycleEvent['type'], Rule>> = {
  objectsCreated: { from: ['provisioning'], to: 'starting', state: 'in progress' },
  becameReady: { from: ['provisioning', 'starting'], to: 'ready', state: 'succeeded' },
  provisionFailed: { from: ['provisioning', 'starting'], to: 'failed', state: 'failed' },
  stillRemoving: { from: ['deprovisioning'], to: 'deprovisioning', state: 'in progress' },
  removed: { from: ['deprovisioning'], to: 'gone', state: 'succeeded' },
  deprovisionFailed: { from: ['deprovisioning'], to: 'failed', state: 'failed' },
  leftoversRemoved: { from: ['failed'], to: 'failed', state: 'failed' },
  updateStarted: { from: ['ready'], to: 'updating', state: 'in progress' },
  updateApplied: { from: ['updating'], to: 'updating', state: 'in progress' },
  updated: { from: ['updating'], to: 'ready', state: 'succeeded' },
  updateFailed: { from: ['updating'], to: 'ready', state: 'failed' },
};

function describe(event: LifecycleEvent): string | undefined {
  switch (event.type) {
    case 'objectsCreated': return 'objects created, waiting until they are ready';
    case 'becameReady': return event.description;
    case 'removed': return 'all objects removed';
    case 'leftoversRemoved': return undefined;
    case 'updateStarted': return 'updating';
    case 'updateApplied': return 'objects applied, waiting until they are ready';
    case 'updated': return 'updated';
    default: return event.reason;
  }
}

/** The record after `event`, or undefined when the event does not apply to its status. */
export function applyEvent(record: InstanceRecord, event: LifecycleEvent, now: string): InstanceRecord | undefined {
  const rule = RULES[event.type];
  if (!rule.from.includes(record.status)) return undefined;
  if (event.type === 'updateStarted') {
    if (event.operation.type !== 'update') return undefined;
    return { ...record, status: rule.to, update: event.intent, operation: { ...event.operation, description: 'updating' }, updatedAt: now };
  }
  const description = describe(event) ?? record.operation.description;
  const finished = rule.state === 'in progress' ? {} : { finishedAt: record.operation.finishedAt ?? now };
  const { description: _previous, ...operation } = record.operation;
  // A failed provision that rolled back, or leftovers cleaned, owns no objects any more, nor a release.
  const owns = event.type === 'leftoversRemoved' || (event.type === 'provisionFailed' && event.rolledBack) ? withoutRelease(record) : record;
  return {
    ...reshaped(owns, event),
    status: rule.to,
    // A failed provision that rolled back, or leftovers cleaned, owns no objects any more.
    ...(event.type === 'leftoversRemoved' || (event.type === 'provisionFailed' && event.rolledBack) ? { objects: [] } : {}),
    ...('objects' in event && event.objects !== undefined ? { objects: event.objects } : {}),
    ...(event.type === 'objectsCreated' && event.release !== undefined ? { release: event.release } : {}),
    operation: { ...operation, state: rule.state, ...finished, ...(description !== undefined ? { description } : {}) },
    updatedAt: now,
  };
}

function withoutRelease(record: InstanceRecord): InstanceRecord {
  const { release: _gone, ...rest } = record;
  return rest;
}

/** The plan fields an update transition changes; the record as it is for every other event. */
function reshaped(record: InstanceRecord, event: LifecycleEvent): InstanceRecord {
  const intent = record.update;
  if (intent === undefined) return record;
  const { update: _intent, ...rest } = record;
  switch (event.type) {
    case 'updateApplied': {
      // Until it settles the instance owns both plans' objects: a deprovision now must remove them all.
      const previousOnly = intent.previous.objects.filter((ref) => !event.applied.some((applied) => sameRef(applied, ref)));
      const pinned = event.pinned !== undefined ? { pinned: event.pinned } : {};
      const release = event.release !== undefined ? { release: event.release } : {};
      return { ...record, objects: [...event.applied, ...previousOnly], update: { ...intent, applied: event.applied, ...pinned, ...release } };
    }
    case 'updated': {
      const { target } = intent;
      const pinned = intent.pinned ?? record.pinned;
      const release = intent.release ?? record.release;
      return {
        ...rest, planId: target.planId, entrySource: target.entrySource, maintenanceVersion: target.maintenanceVersion,
        parameters: target.parameters, objects: intent.applied ?? record.objects, ...(pinned !== undefined ? { pinned } : {}),
        ...(release !== undefined ? { release } : {}),
      };
    }
    case 'updateFailed': {
      const { previous } = intent;
      const { maintenanceVersion: _target, pinned: _pinned, ...base } = rest;
      return {
        ...base, planId: previous.planId, entrySource: previous.entrySource, parameters: previous.parameters, objects: event.objects,
        ...(previous.maintenanceVersion !== undefined ? { maintenanceVersion: previous.maintenanceVersion } : {}),
        ...(previous.pinned !== undefined ? { pinned: previous.pinned } : {}),
      };
    }
    default: return record;
  }
}

/** Work an instance in this status still owes: what the reconciler looks for. */
export function pendingWork(record: InstanceRecord): 'create' | 'settle' | 'update' | 'remove' | 'cleanup' | undefined {
  switch (record.status) {
    case 'updating': return 'update';
    case 'provisioning': return 'create';
    case 'starting': return 'settle';
    case 'deprovisioning': return 'remove';
    case 'failed': return record.objects.length > 0 || record.release !== undefined ? 'cleanup' : undefined;
    default: return undefined;
  }
}
