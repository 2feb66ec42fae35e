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
