import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { MEMORY_STATE, startBenchBroker } from './support/brokers.js';
import { dedicatedOffering, namespace } from './support/fixtures.js';
import { summarise } from './support/measure.js';
import { bind, deprovision, OsbClient, planRefs, provision, unbind } from './support/osb.js';
const off = dedicatedOffering('p', 't', 2, 3);
const broker = await startBenchBroker('p', { kind: 'memory', objects: [namespace('t'), ...off.manifests] }, MEMORY_STATE);
const client = new OsbClient(broker.url, broker.headers);
const plan = (await planRefs(client)).get(off.planId)!;
const t: Record<string, number[]> = { cat: [], prov: [], bind: [], unbind: [], deprov: [], fetch: [] };
const time = async (k: string, f: () => Promise<unknown>) => { const s = performance.now(); await f(); t[k]!.push(performance.now() - s); };
for (let i = 0; i < 300; i++) {
  const id = randomUUID(), b = randomUUID();
  await time('cat', () => client.expect(200, 'GET', '/v2/catalog'));
  await time('prov', () => provision(client, plan, id));
  await time('fetch', () => client.expect(200, 'GET', `/v2/service_instances/${id}`));
  await time('bind', () => bind(client, plan, id, b));
  await time('unbind', () => unbind(client, plan, id, b));
  await time('deprov', () => deprovision(client, plan, id));
}
for (const [k, v] of Object.entries(t)) { const s = summarise(v.slice(50)); console.log(k, s.p50.toFixed(2), s.p99.toFixed(2), s.mean.toFixed(2)); }
client.close(); await broker.stop();
