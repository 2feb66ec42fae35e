/**
 * The life of a binding as one state machine, like an instance's
 * (instance-lifecycle.ts). Use cases, polls and the binding reconciler move
 * a record only through these named transitions, so its status and the
 * state of its operation (asynchronous binds and unbinds only) agree.
 *
 *   binding --objectsCreated--> starting                (objects listed with their uids)
 *   binding|starting --becameReady--> ready             (nothing, or nothing more, to wait for)
 *   binding|starting --bindFailed--> failed             (objects: what the rollback could not remove yet)
 *   failed --leftoversRemoved--> failed                 (objects: none)
 *   any --unbindStarted--> unbinding                    (a new operation when answered 202; none when synchronous)
 *   unbinding --stillRemoving--> unbinding              (waiting for objects to go, or a retry after a fault)
 *   unbinding --removed--> gone                         (the record is deleted: an absent binding reads as gone)
 *   ready --expired--> revoked                          (its objects removed and lease revoked, the record kept)
 *
 * A new bind writes its intent (status `binding`, the planned refs) itself.
 */
import type { ObjectRef } from './kube-object.js';
import type { BindingOperation, BindingRecord, BindingStatus, OperationState } from './records.js';
import { bindingStatus } from './records.js';

export type BindingEvent =
  /** `objects`: what was made, with the uids that prove it is ours. */
  | { readonly type: 'objectsCreated'; readonly objects: readonly ObjectRef[] }
  | { readonly type: 'becameReady'; readonly description?: string; readonly objects?: readonly ObjectRef[] }
  /** `objects`: what may still exist (none when the rollback removed everything). */
  | { readonly type: 'bindFailed'; readonly reason: string; readonly objects: readonly ObjectRef[] }
  | { readonly type: 'leftoversRemoved' }
  /** `operation`: the unbind's own when it was answered 202. */
  | { readonly type: 'unbindStarted'; readonly operation?: BindingOperation }
  | { readonly type: 'stillRemoving'; readonly reason: string }
  | { readonly type: 'removed' }
  | { readonly type: 'expired' };

interface Rule {
  readonly from: readonly BindingStatus[];
  readonly to: BindingStatus | 'gone';
  /** The operation's state after the event; undefined leaves it as it is. */
  readonly state?: OperationState;
}

const ANY: readonly BindingStatus[] = ['binding', 'starting', 'ready', 'failed', 'unbinding', 'revoked'];

const RULES: Readonly<Record<BindingEvent['type'], Rule>> = {
  objectsCreated: { from: ['binding'], to: 'starting', state: 'in progress' },
  becameReady: { from: ['binding', 'starting'], to: 'ready', state: 'succeeded' },
  bindFailed: { from: ['binding', 'starting'], to: 'failed', state: 'failed' },
  leftoversRemoved: { from: ['failed'], to: 'failed' },
  unbindStarted: { from: ANY, to: 'unbinding', state: 'in progress' },
  stillRemoving: { from: ['unbinding'], to: 'unbinding', state: 'in progress' },
  removed: { from: ['unbinding'], to: 'gone', state: 'succeeded' },
  expired: { from: ['ready'], to: 'revoked' },
};

function describe(event: BindingEvent): string | undefined {
  switch (event.type) {
    case 'objectsCreated': return 'objects created, waiting until they are ready';
    case 'becameReady': return event.description ?? 'bound';
    case 'bindFailed': return event.reason;
    case 'unbindStarted': return 'unbinding';
    case 'stillRemoving': return event.reason;
    default: return undefined;
  }
}

/** The objects a record owns after `event`, or undefined when the event leaves them as they are. */
function objectsAfter(event: BindingEvent): readonly ObjectRef[] | undefined {
  switch (event.type) {
    case 'objectsCreated':
    case 'bindFailed': return event.objects;
    case 'becameReady': return event.objects;
    case 'leftoversRemoved':
    case 'expired': return [];
    default: return undefined;
  }
}

/**
 * The record after `event`; 'gone' when the binding is to be forgotten;
 * undefined when the event does not apply to its status.
 */
export function applyBindingEvent(record: BindingRecord, event: BindingEvent, now: string): BindingRecord | 'gone' | undefined {
  const rule = RULES[event.type];
  if (!rule.from.includes(bindingStatus(record))) return undefined;
  if (rule.to === 'gone') return 'gone';
  const objects = objectsAfter(event);
  // An expired binding's lease was revoked with its objects: nothing is left to revoke.
  const { operation: previous, ...rest } = event.type === 'expired' ? withoutLease(record) : record;
  const operation = event.type === 'unbindStarted' ? event.operation : previous;
  return {
    ...rest,
    status: rule.to,
    ...(objects !== undefined ? { objects } : {}),
    ...(operation !== undefined ? { operation: moved(operation, rule.state, describe(event), now) } : {}),
  };
}

function withoutLease(record: BindingRecord): BindingRecord {
  const { lease: _revoked, ...rest } = record;
  return rest;
}

function moved(operation: BindingOperation, state: OperationState | undefined, description: string | undefined, now: string): BindingOperation {
  if (state === undefined) return operation;
  const { description: _previous, finishedAt: _finished, ...rest } = operation;
  const text = description ?? operation.description;
  const finished = state === 'in progress' ? {} : { finishedAt: operation.finishedAt ?? now };
  return { ...rest, state, ...finished, ...(text !== undefined ? { description: text } : {}) };
}

/**
 * Work a binding in this status still owes, whoever finds it unattended (its
 * worker died): `create` an asynchronous bind's objects, `rollback` a
 * synchronous bind the platform never got an answer for, `settle` a
 * starting one (ready, or failed past the timeout), `remove` what an
 * unbind left, `cleanup` what a failed bind left. Expiry is the
 * reconciler's own (it needs the clock).
 */
export function pendingBindingWork(record: BindingRecord): 'create' | 'rollback' | 'settle' | 'remove' | 'cleanup' | undefined {
  switch (bindingStatus(record)) {
    case 'binding': return record.operation?.type === 'bind' && record.operation.state === 'in progress' ? 'create' : 'rollback';
    case 'starting': return 'settle';
    case 'unbinding': return 'remove';
    case 'failed': return (record.objects ?? []).length > 0 ? 'cleanup' : undefined;
    default: return undefined;
  }
}

/** Still being made: not fetchable, and a repeated PUT is answered 202 (asynchronous) or refused. */
export const isBinding = (record: BindingRecord): boolean => record.status === 'binding' || record.status === 'starting';
