/**
 * Binding last_operation (OSB 2.14): the state of the binding's last
 * asynchronous bind or unbind, as its record says, after moving it on when
 * nobody else is (objects ready, or gone). The broker keeps no tombstone of
 * a binding: one that is not there reads as Gone, which is what the
 * platform polling an asynchronous unbind waits for (410); polling a bind
 * never meets it, since a failed bind keeps its record.
 */
import { isBinding } from '../../domain/binding-lifecycle.js';
import { domainError } from '../../domain/errors.js';
import { bindingStatus, type BindingRecord } from '../../domain/records.js';
import { err, ok, type Result } from '../../domain/result.js';
import type { BindingWork } from '../binding-work.js';
import type { StateStore } from '../ports/state-store.js';
import type { Caller } from '../requests.js';
import type { OperationStatus } from './last-operation.js';

export interface LastBindingOperationRequest {
  readonly instanceId: string;
  readonly bindingId: string;
  readonly caller: Caller;
}

export class LastBindingOperation {
  constructor(
    private readonly store: StateStore,
    private readonly work: BindingWork,
  ) {}

  async execute(request: LastBindingOperationRequest): Promise<Result<Omit<OperationStatus, 'instanceUsable'>>> {
    const seen = await this.visible(request);
    if (!seen.ok) return seen;
    const status = bindingStatus(seen.value);
    // A settle that could not finish (the cluster is away) is retried by the next poll or the reconciler: report the record.
    if (status === 'starting' || status === 'unbinding') await this.work.settle(seen.value);
    const record = status === 'starting' || status === 'unbinding' ? await this.visible(request) : seen;
    return record.ok ? ok(stateOf(record.value)) : record;
  }

  private async visible(request: LastBindingOperationRequest): Promise<Result<BindingRecord>> {
    const found = await this.store.getBinding(request.instanceId, request.bindingId);
    if (!found.ok) return found;
    const view = request.caller.viewNamespace;
    if (!found.value || (view !== undefined && found.value.consumerNamespace !== view)) {
      return err(domainError('Gone', `binding ${request.bindingId} of instance ${request.instanceId} does not exist (or no longer)`));
    }
    return ok(found.value);
  }
}

/** The record's operation, or for bindings made synchronously what their status amounts to. */
function stateOf(record: BindingRecord): Omit<OperationStatus, 'instanceUsable'> {
  const { operation } = record;
  if (operation) return { state: operation.state, ...(operation.description !== undefined ? { description: operation.description } : {}) };
  const status = bindingStatus(record);
  if (isBinding(record) || status === 'unbinding') return { state: 'in progress' };
  if (status === 'failed') return { state: 'failed' };
  return { state: 'succeeded', ...(status === 'revoked' ? { description: 'the binding expired and was revoked' } : {}) };
}
