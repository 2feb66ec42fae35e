/**
 * Mocha root hooks: the real servers some suites share (kube-apiserver,
 * redis-server) start on first use and are stopped once, after every suite,
 * also when tests failed.
 */
import { stopSharedRedisServer } from './redis-server.js';
import { stopSharedTestCluster } from './test-cluster.js';

export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await Promise.all([stopSharedTestCluster(), stopSharedRedisServer()]);
  },
};
