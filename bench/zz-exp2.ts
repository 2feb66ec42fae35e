import { MEMORY_STATE, startBenchBroker } from './support/brokers.js';
import { catalogEntries } from './support/fixtures.js';
import { combine, load, type LoadResult } from './support/load.js';
import { fetchRaw, startBareKoa } from './support/bare-koa.js';
if (process.argv[2] === 'nolog') {
  const { PinoLogger } = await import('../src/adapters/logging/pino-logger.js');
  (PinoLogger.prototype as any).info = () => {};
  (PinoLogger.prototype as any).child = function () { return this; };
}
const broker = await startBenchBroker('p', { kind: 'memory', objects: catalogEntries('p', 1) }, MEMORY_STATE);
const first = await fetchRaw(broker.url + '/v2/catalog', broker.headers);
const bare = await startBareKoa(first);
const s = { connections: 10, durationSeconds: 4 };
const b: LoadResult[] = [], k: LoadResult[] = [];
await load(broker.url + '/v2/catalog', broker.headers, { ...s, durationSeconds: 2 });
await load(bare.url, broker.headers, { ...s, durationSeconds: 2 });
for (let i = 0; i < 3; i++) { b.push(await load(broker.url + '/v2/catalog', broker.headers, s)); k.push(await load(bare.url, broker.headers, s)); }
const B = combine(b), K = combine(k);
console.log(process.argv[2], 'broker', Math.round(B.requestsPerSecond), Math.round(B.cpuMicrosPerRequest), 'bare', Math.round(K.requestsPerSecond), Math.round(K.cpuMicrosPerRequest));
await broker.stop(); await bare.stop();
