/** Unbind: forget the binding. Credentials were never stored, so there is nothing else to remove. */
import { domainError } from '../../domain/errors.js';
import { err, ok, type Result } from '../../domain/result.js';
import type { StateStore } from '../ports/state-store.js';
import type { Caller } from '../requests.js';

export interface UnbindRequest {
  readonly instanceId: string;
  readonly bindingId: string;
  readonly caller: Caller;
}

export class Unbind {
  constructor(private readonly store: StateStore) {}

  async execute(request: UnbindRequest): Promise<Result<{ readonly outcome: 'deleted' }>> {
    const existing = await this.store.getBinding(request.instanceId, request.bindingId);
    if (!existing.ok) return existing;
    const binding = existing.value;
    const view = request.caller.viewNamespace;
    if (!binding || (view !== undefined && binding.consumerNamespace !== view)) {
      return err(domainError('Gone', `binding ${request.bindingId} does not exist`));
    }
    const deleted = await this.store.deleteBinding(request.instanceId, request.bindingId);
    return deleted.ok ? ok({ outcome: 'deleted' }) : deleted;
  }
}
