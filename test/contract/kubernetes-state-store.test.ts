/**
 * The KubernetesStateStore on a real kube-apiserver (test/cluster): the
 * whole StateStore contract in a fresh namespace per test, then what only
 * this adapter has to show: records that other readers of the namespace
 * never mistake for theirs, ids of any shape, records decoded on read, and
 * an outage through a TCP proxy. The store runs as the cluster admin here;
 * the chart's Role is exercised by test/e2e/serve.test.ts.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { kubernetesApis, type KubernetesApis } from '../../src/adapters/kubernetes/api-clients.js';
import { KIND_LABEL } from '../../src/adapters/config/config-map-document.js';
import { KubernetesStateStore } from '../../src/adapters/kubernetes/kubernetes-state-store.js';
import { RECORD_LABEL } from '../../src/adapters/kubernetes/kubernetes-state-store-names.js';
import { instanceSelector } from '../../src/domain/resource-plan.js';
import type { Lock } from '../../src/application/ports/state-store.js';
import type { Result } from '../../src/domain/result.js';
import { adminApis, deleteNamespace, freshNamespace, kubeConfigFrom, requireTestClusterOrSkip, silentLogger, withServer } from '../support/real-cluster.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { sharedTestCluster } from '../support/test-cluster.js';
import { describeStateStore, errorKindOf, errorOf, exampleBinding, exampleInstance, valueOf } from './state-store.contract.js';

describe('KubernetesStateStore on a real kube-apiserver', function () {
  let admin: KubernetesApis;
  let adminConfig: KubeConfig;

  before(async function () {
    requireTestClusterOrSkip(this, 'the KubernetesStateStore contract');
    this.timeout(20 * 60_000); // the first run on a machine builds kube-apiserver
    const cluster = await sharedTestCluster();
    adminConfig = kubeConfigFrom(cluster.adminKubeconfig);
    admin = adminApis(cluster.adminKubeconfig);
  });

  describeStateStore('KubernetesStateStore', async () => {
    const namespace = await freshNamespace(admin, 'state');
    const store = new KubernetesStateStore(kubernetesApis(adminConfig), namespace, silentLogger());
    return { store, cleanup: async () => void (await store.close(), await deleteNamespace(admin, namespace)) };
  });

  describe('beyond the contract', function () {
    this.timeout(60_000);
    let namespace: string;
    let store: KubernetesStateStore;

    beforeEach(async () => {
      namespace = await freshNamespace(admin, 'state-beyond');
      store = new KubernetesStateStore(kubernetesApis(adminConfig), namespace, silentLogger());
    });

    afterEach(async () => {
      await deleteNamespace(admin, namespace);
    });

    const configMaps = async (labelSelector?: string) =>
      (await admin.core.listNamespacedConfigMap({ namespace, ...(labelSelector !== undefined ? { labelSelector } : {}) })).items;

    it('keeps records out of the catalog informer\'s and the deprovision sweep\'s selectors', async () => {
      const id = 'i1';
      valueOf(await store.createInstance(exampleInstance(id)));
      valueOf(await store.createBinding(exampleBinding(id, 'b1')));
      valueOf(await store.acquireLock(id, 10_000));
      expect(await configMaps(`${RECORD_LABEL}`)).to.have.length(2);
      expect(await configMaps(KIND_LABEL)).to.deep.equal([]);
      expect(await configMaps(instanceSelector(id))).to.deep.equal([]);
      const leases = (await admin.coordination.listNamespacedLease({ namespace })).items;
      expect(leases.map((lease) => lease.metadata?.annotations?.['mesitis/instance-id'])).to.deep.equal([id]);
    });

    it('stores ids of any shape under valid, distinct names, and reads each back', async () => {
      const ids = ['UPPER/case with spaces', 'a'.repeat(300), 'ü-ñ-☃', '..', 'a,b', 'a","b', ''];
      for (const id of ids) valueOf(await store.createInstance(exampleInstance(id)));
      for (const id of ids) valueOf(await store.createBinding(exampleBinding(id, `${id}/binding`)));
      for (const id of ids) {
        expect(valueOf(await store.getInstance(id))?.record.id).to.equal(id);
        expect(valueOf(await store.listBindings(id)).map((b) => b.id)).to.deep.equal([`${id}/binding`]);
        expect(valueOf(await store.acquireLock(id, 10_000))).to.not.equal(undefined);
      }
      // Ids that concatenate alike still get their own records.
      valueOf(await store.createBinding(exampleBinding('x', 'y/z')));
      valueOf(await store.createBinding(exampleBinding('x/y', 'z')));
      expect(valueOf(await store.getBinding('x', 'y/z'))?.instanceId).to.equal('x');
      expect(valueOf(await store.getBinding('x/y', 'z'))?.instanceId).to.equal('x/y');
      expect(valueOf(await store.listInstances()).map((r) => r.id).sort()).to.deep.equal([...ids].sort());
    });

    it('keeps two installations in one namespace apart', async () => {
      const other = new KubernetesStateStore(kubernetesApis(adminConfig), namespace, silentLogger(), { installation: 'other' });
      valueOf(await store.createInstance(exampleInstance('i1')));
      valueOf(await store.createBinding(exampleBinding('i1', 'b1')));
      const lock = valueOf(await store.acquireLock('i1', 10_000));
      expect(valueOf(await other.getInstance('i1'))).to.equal(undefined);
      expect(valueOf(await other.listInstances())).to.deep.equal([]);
      expect(valueOf(await other.listBindings('i1'))).to.deep.equal([]);
      expect(valueOf(await other.acquireLock('i1', 10_000))).to.not.equal(undefined);
      expect(valueOf(await store.renewLock(lock as Lock, 10_000))).to.equal(true);
    });

    it('shares records and locks between two replicas (two stores, as two processes would be)', async () => {
      const replica = new KubernetesStateStore(kubernetesApis(adminConfig), namespace, silentLogger());
      const revision = valueOf(await store.createInstance(exampleInstance('i1')));
      expect(valueOf(await replica.getInstance('i1'))?.revision).to.equal(revision);
      const first = valueOf(await store.acquireLock('i1', 300)) as Lock;
      expect(valueOf(await replica.acquireLock('i1', 10_000))).to.equal(undefined);
      expect(valueOf(await store.renewLock(first, 300))).to.equal(true);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const second = valueOf(await replica.acquireLock('i1', 10_000)) as Lock;
      expect(second).to.not.equal(undefined);
      // The first replica's view of its Lease is stale now: it must find out, not write over the second.
      expect(valueOf(await store.renewLock(first, 10_000))).to.equal(false);
      valueOf(await store.releaseLock(first));
      expect(valueOf(await replica.renewLock(second, 10_000))).to.equal(true);
      expect(valueOf(await store.acquireLock('i1', 10_000))).to.equal(undefined);
      valueOf(await replica.releaseLock(second));
      expect(valueOf(await store.acquireLock('i1', 10_000))).to.not.equal(undefined);
    });

    it('refuses a record edited into another shape, naming the field but not its value', async () => {
      valueOf(await store.createInstance(exampleInstance('i1')));
      const [object] = await configMaps(`${RECORD_LABEL}=instance`);
      const name = object!.metadata!.name!;
      const edited = { ...JSON.parse(object!.data!['record']!), status: 'sprinting', consumerNamespace: 'secret-value' };
      await admin.core.replaceNamespacedConfigMap({ namespace, name, body: { ...object!, data: { record: JSON.stringify(edited) } } });
      const error = errorOf(await store.getInstance('i1'));
      expect(error.kind).to.equal('Infrastructure');
      expect(error.message).to.include('status').and.not.include('sprinting');
      expect(errorKindOf(await store.listInstances())).to.equal('Infrastructure');
    });

    it('refuses a record copied under another id\'s name', async () => {
      valueOf(await store.createInstance(exampleInstance('victim')));
      valueOf(await store.createInstance(exampleInstance('intruder', { consumerNamespace: 'evil-ns' })));
      const objects = await configMaps(`${RECORD_LABEL}=instance`);
      const victim = objects.find((o) => JSON.parse(o.data!['record']!).id === 'victim')!;
      const intruder = objects.find((o) => JSON.parse(o.data!['record']!).id === 'intruder')!;
      await admin.core.replaceNamespacedConfigMap({ namespace, name: victim.metadata!.name!, body: { ...victim, data: { ...intruder.data } } });
      expect(errorKindOf(await store.getInstance('victim'))).to.equal('Infrastructure');
      expect(errorKindOf(await store.listInstances())).to.equal('Infrastructure');
    });

    it('answers Unavailable while the apiserver cannot be reached, and works again after', async () => {
      const server = new URL(adminConfig.getCurrentCluster()!.server);
      const proxy = await startTcpProxy('127.0.0.1', Number(server.port));
      const viaProxy = withServer(adminConfig, `https://127.0.0.1:${proxy.port}`);
      const cut = new KubernetesStateStore(kubernetesApis(viaProxy), namespace, silentLogger());
      try {
        const revision = valueOf(await cut.createInstance(exampleInstance('i1')));
        const lock = valueOf(await cut.acquireLock('i1', 60_000)) as Lock;
        await proxy.cut();
        const failures: Result<unknown>[] = [
          await cut.getInstance('i1'), await cut.createInstance(exampleInstance('i2')), await cut.updateInstance(exampleInstance('i1'), revision),
          await cut.deleteInstance('i1', revision), await cut.listInstances(), await cut.getBinding('i1', 'b1'), await cut.createBinding(exampleBinding('i1', 'b1')),
          await cut.deleteBinding('i1', 'b1'), await cut.listBindings('i1'), await cut.acquireLock('i2', 1_000), await cut.renewLock(lock, 60_000),
          await cut.releaseLock(lock), await cut.ping(),
        ];
        expect(failures.map(errorKindOf)).to.deep.equal(failures.map(() => 'Unavailable'));
        for (const failure of failures) expect(errorOf(failure).message).to.not.match(/127\.0\.0\.1|ECONNREFUSED|<|\{/);
        await proxy.restore();
        valueOf(await cut.ping());
        expect(valueOf(await cut.getInstance('i1'))?.revision).to.equal(revision);
        expect(valueOf(await cut.renewLock(lock, 60_000))).to.equal(true);
        valueOf(await cut.deleteInstance('i1', revision));
      } finally {
        await proxy.close();
      }
    });

    it('pings with one GET', async () => {
      const requests: string[] = [];
      const counted = new KubernetesStateStore(kubernetesApis(adminConfig, { onRequest: (method, path) => requests.push(`${method} ${path}`) }), namespace, silentLogger());
      valueOf(await counted.ping());
      expect(requests).to.deep.equal([`GET /api/v1/namespaces/${namespace}/configmaps/mesitis-state-ping`]);
    });
  });
});
