/**
 * Unbind: remove exactly what the bind made (its objects, by uid) and forget
 * the binding. Under the instance lock, like bind, so the two never
 * interleave. A binding the broker revoked when it expired answers 200 too:
 * the platform still holds it and must be able to let it go.
 */
import { domainError } from '../../domain/errors.js';
import { err, ok, type Result } from '../../domain/result.js';
import { removeBindingObjects } from '../binding-objects.js';
import type { InstanceObjects } from '../instance-objects.js';
import { withInstanceLock } from '../instance-lock.js';
import type { StateStore } from '../ports/state-store.js';
import type { Caller } from '../requests.js';
import type { BrokerSettings, Runtime } from '../settings.js';

export interface UnbindRequest {
  readonly instanceId: string;
  readonly bindingId: string;
  readonly caller: Caller;
}

export class Unbind {
  constructor(
    private readonly store: StateStore,
    private readonly objects: InstanceObjects,
    private readonly settings: BrokerSettings,
    private readonly runtime: Runtime,
  ) {}

  async execute(request: UnbindRequest): Promise<Result<{ readonly outcome: 'deleted' }>> {
    const found = await this.find(request);
    if (!found.ok) return found;
    if ((found.value.objects ?? []).length === 0) return this.forget(request);
    return withInstanceLock(this.store, this.settings, this.runtime, request.instanceId, async () => {
      const current = await this.find(request);
      if (!current.ok) return current;
      // Recorded first, so a crash mid-removal is finished by the binding reconciler.
      const removing = await this.store.putBinding({ ...current.value, status: 'unbinding' });
      if (!removing.ok) return removing;
      const removed = await removeBindingObjects(this.objects, current.value);
      return removed.ok ? this.forget(request) : removed;
    });
  }

  private async find(request: UnbindRequest) {
    const existing = await this.store.getBinding(request.instanceId, request.bindingId);
    if (!existing.ok) return existing;
    const binding = existing.value;
    const view = request.caller.viewNamespace;
    if (!binding || (view !== undefined && binding.consumerNamespace !== view)) {
      return err(domainError('Gone', `binding ${request.bindingId} does not exist`));
    }
    return ok(binding);
  }

  private async forget(request: UnbindRequest): Promise<Result<{ readonly outcome: 'deleted' }>> {
    const deleted = await this.store.deleteBinding(request.instanceId, request.bindingId);
    return deleted.ok ? ok({ outcome: 'deleted' }) : deleted;
  }
}
