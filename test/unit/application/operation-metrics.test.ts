/**
 * Operation durations are observed where lifecycle transitions are
 * recorded: once per operation, at its end, from the time it was accepted.
 */
import { expect } from 'chai';
import { InstanceRecords } from '../../../src/application/instance-records.js';
import type { Metrics, ReconcileCounts } from '../../../src/application/ports/metrics.js';
import type { OperationState, OperationType } from '../../../src/domain/records.js';
import { instanceRecord, valueOf } from '../builders.js';
import { FakeRuntime, FakeStore } from './fakes.js';
import { SETTINGS } from './harness.js';

class RecordingMetrics implements Metrics {
  readonly finished: [OperationType, OperationState, number][] = [];
  operationFinished(type: OperationType, outcome: Exclude<OperationState, 'in progress'>, seconds: number): void {
    this.finished.push([type, outcome, seconds]);
  }
  reconcilePass(_report: ReconcileCounts | 'error'): void {}
}

describe('operation metrics (InstanceRecords.apply)', () => {
  let store: FakeStore;
  let runtime: FakeRuntime;
  let metrics: RecordingMetrics;
  let records: InstanceRecords;

  beforeEach(() => {
    store = new FakeStore();
    runtime = new FakeRuntime();
    metrics = new RecordingMetrics();
    records = new InstanceRecords(store, SETTINGS, runtime, metrics);
  });

  const objects = [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'api-ns', name: 'cm', uid: 'uid-1' }] as const;
  const started = (status: 'provisioning' | 'deprovisioning', type: OperationType) => instanceRecord({
    status,
    objects: [...objects],
    operation: { id: 'op-9', type, state: 'in progress', startedAt: runtime.now().toISOString() },
  });

  it('observes a provision once, when it ends, with the seconds since it was accepted', async () => {
    valueOf(await store.createInstance(started('provisioning', 'provision')));
    runtime.advance(30_000);
    expect(valueOf(await records.apply('instance-1', 'op-9', { type: 'objectsCreated', objects }))).to.equal('recorded');
    expect(metrics.finished).to.deep.equal([]);
    runtime.advance(60_000);
    expect(valueOf(await records.apply('instance-1', 'op-9', { type: 'becameReady' }))).to.equal('recorded');
    expect(valueOf(await records.apply('instance-1', 'op-9', { type: 'becameReady' }))).to.equal('superseded');
    expect(metrics.finished).to.deep.equal([['provision', 'succeeded', 90]]);
  });

  it('observes a failed provision and a deprovision, but not a retry or a cleanup of leftovers', async () => {
    valueOf(await store.createInstance(started('provisioning', 'provision')));
    runtime.advance(5_000);
    await records.apply('instance-1', 'op-9', { type: 'provisionFailed', reason: 'quota', rolledBack: false });
    await records.apply('instance-1', 'op-9', { type: 'leftoversRemoved' });
    expect(metrics.finished).to.deep.equal([['provision', 'failed', 5]]);

    valueOf(await store.createInstance({ ...started('deprovisioning', 'deprovision'), id: 'instance-2' }));
    runtime.advance(2_000);
    await records.apply('instance-2', 'op-9', { type: 'stillRemoving', reason: 'apiserver away' });
    runtime.advance(1_000);
    await records.apply('instance-2', 'op-9', { type: 'removed' });
    expect(metrics.finished).to.deep.equal([['provision', 'failed', 5], ['deprovision', 'succeeded', 3]]);
  });

  it('observes nothing when another operation owns the record', async () => {
    valueOf(await store.createInstance(started('provisioning', 'provision')));
    expect(valueOf(await records.apply('instance-1', 'op-other', { type: 'becameReady' }))).to.equal('superseded');
    expect(metrics.finished).to.deep.equal([]);
  });
});
