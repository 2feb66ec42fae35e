/**
 * Mocha root hooks: the real servers some suites share (kube-apiserver,
 * redis-server, Vault) start on first use and are stopped once, after every suite,
 * also when tests failed.
 */
import { stopSharedRedisServer } from './redis-server.js';
import { diagnoseCluster } from './cluster-diagnosis.js';
import { runningSharedTestCluster, stopSharedTestCluster } from './test-cluster.js';
import { stopSharedVaultServer } from './vault-server.js';

export const mochaHooks = {
  /** A failed test on the shared cluster prints what the cluster looked like. */
  async afterEach(this: Mocha.Context) {
    if (this.currentTest?.state !== 'failed') return;
    const cluster = await runningSharedTestCluster();
    if (cluster === undefined) return;
    this.timeout(30_000);
    process.stderr.write(`\n--- test cluster after "${this.currentTest.fullTitle()}" failed ---\n${await diagnoseCluster(cluster)}\n---\n`);
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await Promise.all([stopSharedTestCluster(), stopSharedRedisServer(), stopSharedVaultServer()]);
  },
};
