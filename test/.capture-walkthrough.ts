// throwaway: a serve broker on the test cluster for capturing walkthrough output (deleted after use)
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { loadManifests } from '../src/adapters/config/manifest-loader.js';
import { REPO_ROOT, startBrokerProcess } from './support/broker-process.js';
import { applyChartRbac, applyObjects, loadKubeconfig } from './support/chart-rbac.js';
import { grantSecretsTo } from './support/consumer-rbac.js';
import { startTestCluster } from './support/test-cluster.js';

const cluster = await startTestCluster();
await applyChartRbac(cluster.adminKubeconfig, 'provider-ns');
const examples = await loadManifests([`${REPO_ROOT}examples`], 'provider-ns');
const key = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'mesitis-generation-key', namespace: 'provider-ns' }, stringData: { key: randomUUID() + randomUUID() } };
await applyObjects(loadKubeconfig(cluster.adminKubeconfig), [...examples.objects, key] as never);
await grantSecretsTo(cluster, 'client-ns').catch(() => undefined);
const broker = await startBrokerProcess(['serve', '--kubeconfig', cluster.brokerKubeconfig, '--namespace', 'provider-ns', '--username', 'mesitis', '--password', 'pw', '--log-level', 'warn']);
writeFileSync('/tmp/cap/env', `export KUBECONFIG=${cluster.consumerKubeconfig}\nexport ADMIN=${cluster.adminKubeconfig}\nexport MESITIS_URL=${broker.url}\nexport MESITIS_USERNAME=mesitis\nexport MESITIS_PASSWORD=pw\n`);
console.log('ready');
process.on('SIGTERM', async () => { await broker.stop(); await cluster.stop(); process.exit(0); });
setInterval(() => undefined, 1 << 30);
