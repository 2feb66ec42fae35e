import { MEMORY_STATE, startBenchBroker } from './support/brokers.js';
import { catalogEntries } from './support/fixtures.js';
import { load } from './support/load.js';
import { fetchRaw, startBareKoa } from './support/bare-koa.js';
const n = Number(process.argv[2] ?? 1000);
const broker = await startBenchBroker('p', { kind: 'memory', objects: catalogEntries('p', n) }, MEMORY_STATE);
const url = broker.url + '/v2/catalog';
const first = await fetchRaw(url, broker.headers);
console.log('bytes', first.body.length, first.headers);
const bare = await startBareKoa(first);
for (let i = 0; i < 2; i++) {
  const b = await load(url, broker.headers, { connections: 10, durationSeconds: 4 });
  const k = await load(bare.url, broker.headers, { connections: 10, durationSeconds: 4 });
  console.log('broker', Math.round(b.requestsPerSecond), b.p99Ms, 'bare', Math.round(k.requestsPerSecond), k.p99Ms);
}
await broker.stop(); await bare.stop();
