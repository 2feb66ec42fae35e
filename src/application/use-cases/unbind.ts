/**
 * Unbind: remove exactly what the bind made (its objects, by uid; its Vault
 * lease, revoked) and forget the binding. Under the instance lock, like
 * bind, so the two never interleave: an unbind that arrives while a bind job
 * creates objects waits for it, then removes what it made (the net effect of
 * halting it). A lease Vault would not revoke keeps the binding `unbinding`
 * (503) until the platform's retry or the reconciler gets it revoked. A
 * binding the broker revoked when it expired answers 200 too: the platform
 * still holds it and must be able to let it go.
 *
 * The deletes are sent at once; what cannot be gone within the request (an
 * object held by a finalizer, a Job waiting for its Pods) makes the unbind
 * asynchronous when the platform accepts that (202, then binding
 * last_operation until 410 Gone). Without accepts_incomplete, a binding
 * whose kinds take time to go is refused first (422 AsyncRequired), and one
 * that turns out to be slow anyway stays `unbinding` for the reconciler.
 */
import { domainError } from '../../domain/errors.js';
import { describeRef } from '../../domain/kube-object.js';
import { takesTime } from '../../domain/readiness.js';
import { bindingStatus, type BindingRecord } from '../../domain/records.js';
import { err, ok, type Result } from '../../domain/result.js';
import type { BindingWork } from '../binding-work.js';
import { withInstanceLock } from '../instance-lock.js';
import type { StateStore } from '../ports/state-store.js';
import type { Caller } from '../requests.js';
import type { BrokerSettings, Runtime } from '../settings.js';

export interface UnbindRequest {
  readonly instanceId: string;
  readonly bindingId: string;
  readonly caller: Caller;
  readonly acceptsIncomplete?: boolean;
}

export type UnbindAnswer = { readonly outcome: 'deleted' } | { readonly outcome: 'accepted'; readonly operation: string };

export class Unbind {
  constructor(
    private readonly store: StateStore,
    private readonly settings: BrokerSettings,
    private readonly runtime: Runtime,
    private readonly work: BindingWork,
  ) {}

  async execute(request: UnbindRequest): Promise<Result<UnbindAnswer>> {
    const found = await this.find(request);
    if (!found.ok) return found;
    const running = this.running(found.value, request);
    if (running) return running;
    if ((found.value.objects ?? []).length === 0 && found.value.lease === undefined) return this.forget(request);
    // Refused before anything is touched: a 4xx leaves the binding as it is.
    const slow = request.acceptsIncomplete === true ? undefined : (found.value.objects ?? []).find((ref) => takesTime(ref));
    if (slow) return err(domainError('AsyncRequired', `this binding has a ${slow.kind}, whose removal takes time: send accepts_incomplete=true`));
    return withInstanceLock(this.store, this.settings, this.runtime, request.instanceId, () => this.unbindLocked(request));
  }

  private async unbindLocked(request: UnbindRequest): Promise<Result<UnbindAnswer>> {
    const current = await this.find(request);
    if (!current.ok) return current;
    const running = this.running(current.value, request);
    if (running) return running;
    // A bind interrupted mid-way, or an earlier unbind, may have left objects unrecorded or terminating: look at all of them.
    const resumed = ['binding', 'unbinding'].includes(bindingStatus(current.value));
    const operation = request.acceptsIncomplete === true ? this.work.newOperation('unbind') : undefined;
    // Recorded first, so a crash mid-removal is finished by the binding reconciler.
    const started = await this.work.transition(current.value, { type: 'unbindStarted', ...(operation ? { operation } : {}) });
    if (!started.ok) return started;
    if (typeof started.value === 'string') return err(domainError('ConcurrencyError', `binding ${request.bindingId} changed meanwhile; try again`));
    const unbinding = started.value;
    const left = await this.work.release(unbinding, resumed);
    if (left.ok && left.value.length === 0) {
      const gone = await this.work.transition(unbinding, { type: 'removed' });
      return gone.ok ? ok({ outcome: 'deleted' }) : gone;
    }
    const reason = left.ok ? `waiting until ${left.value.map(describeRef).join(', ')} are gone` : `retrying: ${left.error.message}`;
    if (operation) {
      // Accepted: a poll of last_operation or the reconciler finishes it.
      const waiting = await this.work.transition(unbinding, { type: 'stillRemoving', reason });
      return waiting.ok ? ok({ outcome: 'accepted', operation: operation.id }) : waiting;
    }
    if (!left.ok) return left;
    return err(domainError('Unavailable', `${left.value.map(describeRef).join(', ')} of binding ${request.bindingId} is still terminating; the broker finishes the unbind on its own`));
  }

  /** An asynchronous unbind already under way: the same operation again, or a refusal for a synchronous request. */
  private running(binding: BindingRecord, request: UnbindRequest): Result<UnbindAnswer> | undefined {
    const operation = binding.operation;
    if (bindingStatus(binding) !== 'unbinding' || operation?.type !== 'unbind' || operation.state !== 'in progress') return undefined;
    return request.acceptsIncomplete === true
      ? ok({ outcome: 'accepted', operation: operation.id })
      : err(domainError('ConcurrencyError', `binding ${binding.id} is already being removed`));
  }

  private async find(request: UnbindRequest): Promise<Result<BindingRecord>> {
    const existing = await this.store.getBinding(request.instanceId, request.bindingId);
    if (!existing.ok) return existing;
    const binding = existing.value;
    const view = request.caller.viewNamespace;
    if (!binding || (view !== undefined && binding.consumerNamespace !== view)) {
      return err(domainError('Gone', `binding ${request.bindingId} does not exist`));
    }
    return ok(binding);
  }

  private async forget(request: UnbindRequest): Promise<Result<UnbindAnswer>> {
    const deleted = await this.store.deleteBinding(request.instanceId, request.bindingId);
    return deleted.ok ? ok({ outcome: 'deleted' }) : deleted;
  }
}
