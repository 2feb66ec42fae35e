/**
 * The counting decorators: a StateStore or ClusterApi wrapped by
 * countingFailures reports each failed Result by method and error kind,
 * answers exactly what the port answered, and counts nothing else.
 */
import { expect } from 'chai';
import { countingFailures } from '../../../../src/adapters/metrics/counting-port.js';
import { PromMetrics } from '../../../../src/adapters/metrics/prom-metrics.js';
import { MemoryCluster } from '../../../../src/adapters/memory/memory-cluster.js';
import { MemoryClusterApi } from '../../../../src/adapters/memory/memory-cluster-api.js';
import { MemoryStateStore } from '../../../../src/adapters/memory/memory-state-store.js';
import type { ClusterApi } from '../../../../src/application/ports/cluster-api.js';
import type { StateStore } from '../../../../src/application/ports/state-store.js';
import type { ErrorKind } from '../../../../src/domain/errors.js';
import { configMap, instanceRecord, valueOf } from '../../builders.js';

const recorder = () => {
  const counted: [string, ErrorKind][] = [];
  return { counted, count: (method: string, kind: ErrorKind) => { counted.push([method, kind]); } };
};

describe('countingFailures (the metrics decorator for ports)', () => {
  it('counts a StateStore failure by method and kind, and passes every answer through unchanged', async () => {
    const { counted, count } = recorder();
    const store: StateStore = countingFailures<StateStore>(new MemoryStateStore(), count);
    const revision = valueOf(await store.createInstance(instanceRecord()));
    expect(valueOf(await store.getInstance('instance-1'))?.revision).to.equal(revision);
    expect(valueOf(await store.getInstance('absent'))).to.equal(undefined);
    const again = await store.createInstance(instanceRecord());
    const stale = await store.updateInstance(instanceRecord({ status: 'failed' }), 'not-the-revision');
    expect(again).to.deep.include({ ok: false });
    expect(stale.ok ? undefined : stale.error.kind).to.equal('ConcurrencyError');
    expect(counted).to.deep.equal([['createInstance', 'ConcurrencyError'], ['updateInstance', 'ConcurrencyError']]);
    await store.close(); // a method answering no Result is passed through, not counted
    expect(counted).to.have.length(2);
  });

  it('counts a ClusterApi failure (a name already taken) and not an absent object', async () => {
    const { counted, count } = recorder();
    const cluster = new MemoryCluster({ simulateControllers: false });
    cluster.ensureNamespace('api-ns');
    const api: ClusterApi = countingFailures<ClusterApi>(new MemoryClusterApi(cluster), count);
    const object = { ...configMap('taken'), metadata: { name: 'taken', namespace: 'api-ns' } };
    valueOf(await api.create(object));
    expect((await api.create(object)).ok).to.equal(false);
    expect(valueOf(await api.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'api-ns', name: 'nothing' }))).to.equal(undefined);
    expect(valueOf(await api.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'api-ns', name: 'nothing' }))).to.equal('absent');
    expect(counted).to.deep.equal([['create', 'ObjectsExist']]);
  });

  it('leaves thrown errors (bugs) to propagate, uncounted', async () => {
    const { counted, count } = recorder();
    const broken = countingFailures({ async explode(): Promise<never> { throw new Error('bug'); } }, count);
    let thrown: unknown;
    try { await broken.explode(); } catch (error) { thrown = error; }
    expect(thrown).to.be.instanceOf(Error);
    expect(counted).to.deep.equal([]);
  });

  it('feeds mesitis_state_store_errors_total and mesitis_cluster_api_errors_total', async () => {
    const metrics = new PromMetrics({ runningOperations: () => 0, catalogProblems: () => 0 });
    const store = countingFailures<StateStore>(new MemoryStateStore(), (method, kind) => metrics.storeError(method, kind));
    await store.updateInstance(instanceRecord(), 'absent');
    await store.updateInstance(instanceRecord(), 'absent');
    metrics.clusterError('create', 'Unavailable');
    const { body } = await metrics.exposition();
    expect(body).to.include('mesitis_state_store_errors_total{operation="updateInstance",kind="ConcurrencyError"} 2');
    expect(body).to.include('mesitis_cluster_api_errors_total{operation="create",kind="Unavailable"} 1');
  });
});
