import { expect } from 'chai';
import { applyEvent, pendingWork } from '../../../src/domain/instance-lifecycle.js';
import type { InstanceStatus } from '../../../src/domain/records.js';
import { instanceRecord } from '../builders.js';

const NOW = '2024-05-01T12:00:00.000Z';
const at = (status: InstanceStatus, state: 'in progress' | 'succeeded' | 'failed' = 'in progress') =>
  instanceRecord({ status, objects: [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'p', name: 'a' }], operation: { id: 'op', type: 'provision', state, startedAt: 'x' } });

describe('domain/instance-lifecycle', () => {
  it('moves status and operation state together through the named transitions', () => {
    const starting = applyEvent(at('provisioning'), { type: 'objectsCreated', objects: [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'p', name: 'a', uid: 'u-1' }] }, NOW)!;
    expect(starting.objects).to.deep.equal([{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'p', name: 'a', uid: 'u-1' }]);
    expect(starting.status).to.equal('starting');
    expect(starting.operation).to.include({ state: 'in progress', description: 'objects created, waiting until they are ready' });
    const ready = applyEvent(starting, { type: 'becameReady', description: 'all objects are ready' }, NOW)!;
    expect(ready).to.include({ status: 'ready', updatedAt: NOW });
    expect(ready.operation).to.include({ state: 'succeeded', finishedAt: NOW, description: 'all objects are ready' });
  });

  it('refuses a transition from a status it does not start from', () => {
    expect(applyEvent(at('ready', 'succeeded'), { type: 'objectsCreated', objects: [] }, NOW)).to.equal(undefined);
    expect(applyEvent(at('gone', 'succeeded'), { type: 'removed' }, NOW)).to.equal(undefined);
    expect(applyEvent(at('provisioning'), { type: 'removed' }, NOW)).to.equal(undefined);
  });

  it('keeps the objects of a failed provision listed unless the rollback removed them all', () => {
    expect(applyEvent(at('provisioning'), { type: 'provisionFailed', reason: 'r', rolledBack: false }, NOW)!.objects).to.have.length(1);
    expect(applyEvent(at('provisioning'), { type: 'provisionFailed', reason: 'r', rolledBack: true }, NOW)!.objects).to.deep.equal([]);
  });

  it('names the work each status still owes the cluster', () => {
    expect(pendingWork(at('provisioning'))).to.equal('create');
    expect(pendingWork(at('starting'))).to.equal('settle');
    expect(pendingWork(at('deprovisioning'))).to.equal('remove');
    expect(pendingWork(at('failed', 'failed'))).to.equal('cleanup');
    expect(pendingWork({ ...at('failed', 'failed'), objects: [] })).to.equal(undefined);
    expect(pendingWork(at('ready', 'succeeded'))).to.equal(undefined);
  });
});

describe('domain/instance-lifecycle: updates', () => {
  const ref = (name: string, uid: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'p', name, uid });
  const pinned = (host: string) => ({ type: 't', provider: 'p', coordinates: { host }, credentials: { kind: 'NoCredential' as const } });
  const ready = instanceRecord({ planId: 'plan-1', entrySource: 'e1', maintenanceVersion: '1.0.0', objects: [ref('a', 'u-a'), ref('old', 'u-old')], pinned: pinned('v1') });
  const intent = {
    target: { planId: 'plan-2', entrySource: 'e2', maintenanceVersion: '2.0.0', parameters: { size: 'l' } },
    previous: { planId: 'plan-1', entrySource: 'e1', maintenanceVersion: '1.0.0', parameters: ready.parameters, objects: ready.objects, pinned: pinned('v1') },
  };
  const started = applyEvent(ready, { type: 'updateStarted', operation: { id: 'op-2', type: 'update', state: 'in progress', startedAt: NOW }, intent }, NOW)!;
  const applied = applyEvent(started, { type: 'updateApplied', applied: [ref('a', 'u-a'), ref('new', 'u-new')], pinned: pinned('v2') }, NOW)!;

  it('starts an update only from ready, under a new update operation, recording both plans', () => {
    expect(started).to.include({ status: 'updating', planId: 'plan-1' });
    expect(started.operation).to.include({ id: 'op-2', type: 'update', state: 'in progress' });
    expect(started.update).to.deep.equal(intent);
    expect(pendingWork(started)).to.equal('update');
    expect(applyEvent(at('starting'), { type: 'updateStarted', operation: started.operation, intent }, NOW)).to.equal(undefined);
  });

  it('owns both plans\' objects once the target is applied, until the update settles', () => {
    expect(applied.status).to.equal('updating');
    expect(applied.objects.map((r) => r.name)).to.deep.equal(['a', 'new', 'old']);
    expect(applied.update?.applied?.map((r) => r.name)).to.deep.equal(['a', 'new']);
  });

  it('ends on the target plan, its objects and coordinates (updated)', () => {
    const done = applyEvent(applied, { type: 'updated' }, NOW)!;
    expect(done).to.include({ status: 'ready', planId: 'plan-2', entrySource: 'e2', maintenanceVersion: '2.0.0' });
    expect(done.parameters).to.deep.equal({ size: 'l' });
    expect(done.pinned).to.deep.equal(pinned('v2'));
    expect(done.objects.map((r) => r.name)).to.deep.equal(['a', 'new']);
    expect(done.update).to.equal(undefined);
    expect(done.operation).to.include({ state: 'succeeded', finishedAt: NOW });
  });

  it('goes back to ready on the previous plan when the update fails (updateFailed)', () => {
    const failed = applyEvent(applied, { type: 'updateFailed', reason: 'rollout stuck', objects: ready.objects }, NOW)!;
    expect(failed).to.include({ status: 'ready', planId: 'plan-1', entrySource: 'e1', maintenanceVersion: '1.0.0' });
    expect(failed.pinned).to.deep.equal(pinned('v1'));
    expect(failed.objects).to.deep.equal(ready.objects);
    expect(failed.update).to.equal(undefined);
    expect(failed.operation).to.include({ type: 'update', state: 'failed', description: 'rollout stuck' });
    expect(pendingWork(failed)).to.equal(undefined);
  });
});
