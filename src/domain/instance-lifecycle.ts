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
 *   failed --leftoversRemoved--> failed                  (objects: none left)
 */
import type { ObjectRef } from './kube-object.js';
import type { InstanceRecord, InstanceStatus, OperationState } from './records.js';

export type LifecycleEvent =
  /** `objects`: what was made, with the uids that prove it is ours. */
  | { readonly type: 'objectsCreated'; readonly objects: readonly ObjectRef[] }
  | { readonly type: 'becameReady'; readonly description?: string; readonly objects?: readonly ObjectRef[] }
  /** `rolledBack`: every object made was removed again, so the record owns none. */
  | { readonly type: 'provisionFailed'; readonly reason: string; readonly rolledBack: boolean }
  | { readonly type: 'stillRemoving'; readonly reason: string }
  | { readonly type: 'removed' }
  | { readonly type: 'deprovisionFailed'; readonly reason: string }
  | { readonly type: 'leftoversRemoved' };

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
};

function describe(event: LifecycleEvent): string | undefined {
  switch (event.type) {
    case 'objectsCreated': return 'objects created, waiting until they are ready';
    case 'becameReady': return event.description;
    case 'removed': return 'all objects removed';
    case 'leftoversRemoved': return undefined;
    default: return event.reason;
  }
}

/** The record after `event`, or undefined when the event does not apply to its status. */
export function applyEvent(record: InstanceRecord, event: LifecycleEvent, now: string): InstanceRecord | undefined {
  const rule = RULES[event.type];
  if (!rule.from.includes(record.status)) return undefined;
  const description = describe(event) ?? record.operation.description;
  const finished = rule.state === 'in progress' ? {} : { finishedAt: record.operation.finishedAt ?? now };
  const { description: _previous, ...operation } = record.operation;
  return {
    ...record,
    status: rule.to,
    // A failed provision that rolled back, or leftovers cleaned, owns no objects any more.
    ...(event.type === 'leftoversRemoved' || (event.type === 'provisionFailed' && event.rolledBack) ? { objects: [] } : {}),
    ...('objects' in event && event.objects !== undefined ? { objects: event.objects } : {}),
    operation: { ...operation, state: rule.state, ...finished, ...(description !== undefined ? { description } : {}) },
    updatedAt: now,
  };
}

/** Work an instance in this status still owes: what the reconciler looks for. */
export function pendingWork(record: InstanceRecord): 'create' | 'settle' | 'remove' | 'cleanup' | undefined {
  switch (record.status) {
    case 'provisioning': return 'create';
    case 'starting': return 'settle';
    case 'deprovisioning': return 'remove';
    case 'failed': return record.objects.length > 0 ? 'cleanup' : undefined;
    default: return undefined;
  }
}
