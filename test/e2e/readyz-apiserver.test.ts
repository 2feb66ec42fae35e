/**
 * /readyz follows the apiserver: when it stops answering (connections stay
 * open, nothing comes back: a hang, not a refusal) the probe turns 503
 * within a few seconds, so the pod leaves its Service's endpoints; it turns
 * 200 again once the apiserver answers. The broker runs in this process
 * against the real apiserver through a TCP proxy that can stall; its state
 * is in memory, so only the cluster check can be what changes.
 */
import { expect } from 'chai';
import { PinoLogger } from '../../src/adapters/logging/pino-logger.js';
import { DEFAULT_SETTINGS } from '../../src/application/settings.js';
import { stateModule } from '../../src/main/adapter-modules.js';
import { kubernetesModule } from '../../src/main/kubernetes-module.js';
import { startBroker, type RunningBroker } from '../../src/main/run-broker.js';
import { adminApis, deleteNamespace, freshNamespace, kubeConfigFrom, requireTestClusterOrSkip, waitUntil, withServer } from '../support/real-cluster.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { sharedTestCluster } from '../support/test-cluster.js';

describe('/readyz while the apiserver hangs', function () {
  this.timeout(120_000);
  let proxy: TcpProxy | undefined;
  let broker: RunningBroker | undefined;
  let namespace: string | undefined;
  let cleanup: (() => Promise<void>) | undefined;

  before(async function () {
    requireTestClusterOrSkip(this, 'the readiness suite');
    this.timeout(30 * 60_000); // the first run on a machine builds kube-apiserver
    const cluster = await sharedTestCluster();
    const admin = adminApis(cluster.adminKubeconfig);
    namespace = await freshNamespace(admin, 'readyz');
    cleanup = () => deleteNamespace(admin, namespace!);
    const config = kubeConfigFrom(cluster.adminKubeconfig);
    proxy = await startTcpProxy('127.0.0.1', Number(new URL(config.getCurrentCluster()!.server).port));
    broker = await startBroker(
      { host: '127.0.0.1', port: 0, auth: {}, bodyLimitBytes: 64 * 1024, shutdownGraceMs: 1000, settings: DEFAULT_SETTINGS },
      [kubernetesModule({ config: withServer(config, `https://127.0.0.1:${proxy.port}`), namespace }), stateModule({ kind: 'memory' })],
      PinoLogger.create('silent'),
    );
  });

  after(async () => {
    await proxy?.restore();
    await broker?.stop();
    await proxy?.close();
    await cleanup?.();
  });

  const probe = async () => {
    const response = await fetch(`${broker!.url}/readyz`);
    return { status: response.status, body: (await response.json()) as { checks: Record<string, string> } };
  };

  it('answers 503 within a few seconds of the stall, naming the cluster, and 200 again after it', async () => {
    expect((await probe()).status).to.equal(200);

    proxy!.stall();
    const stalledAt = Date.now();
    const failing = await waitUntil('/readyz to fail', probe, (r) => r.status === 503, { timeoutMs: 10_000, intervalMs: 250 });
    expect(Date.now() - stalledAt, 'time to 503').to.be.below(8_000);
    expect(failing.body.checks['cluster']).to.match(/could not be reached/);
    // One probe never hangs longer than the ping's deadline.
    const started = Date.now();
    expect((await probe()).status).to.equal(503);
    expect(Date.now() - started, 'one probe while stalled').to.be.below(4_500);

    await proxy!.restore();
    const back = await waitUntil('/readyz to recover', probe, (r) => r.status === 200, { timeoutMs: 20_000, intervalMs: 250 });
    expect(back.body.checks['cluster']).to.equal('reachable');
  });
});
