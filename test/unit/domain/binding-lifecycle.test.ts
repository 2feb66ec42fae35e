import { expect } from 'chai';
import { applyBindingEvent, isBinding, pendingBindingWork } from '../../../src/domain/binding-lifecycle.js';
import type { BindingOperation, BindingRecord, BindingStatus } from '../../../src/domain/records.js';
import { bindingRecord } from '../builders.js';

const NOW = '2024-05-01T12:00:00.000Z';
const REF = { apiVersion: 'batch/v1', kind: 'Job', namespace: 'p', name: 'user-b1' } as const;
const bind: BindingOperation = { id: 'op-b', type: 'bind', state: 'in progress', startedAt: 'x' };
const unbind: BindingOperation = { id: 'op-u', type: 'unbind', state: 'in progress', startedAt: 'y' };
const at = (status: BindingStatus, operation: BindingOperation | null = bind): BindingRecord =>
  bindingRecord({ status, objects: [REF], ...(operation ? { operation } : {}) });
const record = (next: BindingRecord | 'gone' | undefined): BindingRecord => {
  if (next === undefined || next === 'gone') throw new Error(`expected a record, got ${String(next)}`);
  return next;
};

describe('domain/binding-lifecycle', () => {
  it('moves an asynchronous bind and its operation together: binding -> starting -> ready', () => {
    const starting = record(applyBindingEvent(at('binding'), { type: 'objectsCreated', objects: [{ ...REF, uid: 'u-1' }] }, NOW));
    expect(starting.status).to.equal('starting');
    expect(starting.objects).to.deep.equal([{ ...REF, uid: 'u-1' }]);
    expect(starting.operation).to.include({ id: 'op-b', state: 'in progress', description: 'objects created, waiting until they are ready' });
    const ready = record(applyBindingEvent(starting, { type: 'becameReady', description: 'all objects are ready' }, NOW));
    expect(ready.status).to.equal('ready');
    expect(ready.operation).to.include({ state: 'succeeded', finishedAt: NOW, description: 'all objects are ready' });
    expect(ready.objects).to.deep.equal([{ ...REF, uid: 'u-1' }]);
  });

  it('records a failed bind with only what its rollback could not remove, and its reason as the description', () => {
    const failed = record(applyBindingEvent(at('starting'), { type: 'bindFailed', reason: 'not ready within 300s: Job p/user-b1', objects: [] }, NOW));
    expect(failed).to.include({ status: 'failed' });
    expect(failed.objects).to.deep.equal([]);
    expect(failed.operation).to.include({ state: 'failed', finishedAt: NOW, description: 'not ready within 300s: Job p/user-b1' });
    const leftover = record(applyBindingEvent(at('binding'), { type: 'bindFailed', reason: 'r', objects: [REF] }, NOW));
    expect(pendingBindingWork(leftover)).to.equal('cleanup');
    expect(pendingBindingWork(record(applyBindingEvent(leftover, { type: 'leftoversRemoved' }, NOW)))).to.equal(undefined);
  });

  it('starts an unbind from any status: a new operation when answered 202, none when synchronous', () => {
    const asynchronous = record(applyBindingEvent(at('starting'), { type: 'unbindStarted', operation: unbind }, NOW));
    expect(asynchronous.status).to.equal('unbinding');
    expect(asynchronous.operation).to.include({ id: 'op-u', type: 'unbind', state: 'in progress', description: 'unbinding' });
    const synchronous = record(applyBindingEvent(at('ready', { ...bind, state: 'succeeded' }), { type: 'unbindStarted' }, NOW));
    expect(synchronous.status).to.equal('unbinding');
    expect(synchronous).to.not.have.property('operation');
    const waiting = record(applyBindingEvent(asynchronous, { type: 'stillRemoving', reason: 'waiting until Job p/user-b1 are gone' }, NOW));
    expect(waiting.operation).to.include({ state: 'in progress', description: 'waiting until Job p/user-b1 are gone' });
    expect(applyBindingEvent(waiting, { type: 'removed' }, NOW)).to.equal('gone');
  });

  it('revokes only a ready binding, keeping the record without objects', () => {
    const revoked = record(applyBindingEvent(at('ready', null), { type: 'expired' }, NOW));
    expect(revoked).to.include({ status: 'revoked' });
    expect(revoked.objects).to.deep.equal([]);
    expect(applyBindingEvent(at('starting'), { type: 'expired' }, NOW)).to.equal(undefined);
  });

  it('refuses a transition from a status it does not start from', () => {
    expect(applyBindingEvent(at('ready'), { type: 'objectsCreated', objects: [] }, NOW)).to.equal(undefined);
    expect(applyBindingEvent(at('ready'), { type: 'removed' }, NOW)).to.equal(undefined);
    expect(applyBindingEvent(at('unbinding', unbind), { type: 'becameReady' }, NOW)).to.equal(undefined);
    expect(applyBindingEvent(at('failed'), { type: 'bindFailed', reason: 'again', objects: [] }, NOW)).to.equal(undefined);
    // Records from before per-binding objects have no status: they are ready.
    expect(record(applyBindingEvent(bindingRecord(), { type: 'expired' }, NOW)).status).to.equal('revoked');
  });

  it('names the work an unattended binding still owes', () => {
    expect(pendingBindingWork(at('binding'))).to.equal('create');
    expect(pendingBindingWork(at('binding', null))).to.equal('rollback');
    expect(pendingBindingWork(at('starting'))).to.equal('settle');
    expect(pendingBindingWork(at('unbinding', unbind))).to.equal('remove');
    expect(pendingBindingWork(at('failed', { ...bind, state: 'failed' }))).to.equal('cleanup');
    expect(pendingBindingWork(at('ready', { ...bind, state: 'succeeded' }))).to.equal(undefined);
    expect(pendingBindingWork(bindingRecord())).to.equal(undefined);
    expect([isBinding(at('binding')), isBinding(at('starting')), isBinding(at('ready'))]).to.deep.equal([true, true, false]);
  });
});
