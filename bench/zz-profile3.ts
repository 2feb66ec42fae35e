import { setFlagsFromString } from 'node:v8';
import { performance } from 'node:perf_hooks';
import { catalogEntries } from './support/fixtures.js';
import { CatalogDocuments } from '../src/adapters/http/catalog-view.js';
import { TOKENS } from '../src/main/tokens.js';
import type { CatalogService } from '../src/application/catalog-service.js';
import { startMemoryBroker } from '../test/support/memory-broker.js';
const oneByte = (s: string) => 'n/a';
const mb = await startMemoryBroker({ objects: catalogEntries('provider-ns', 1000) });
const catalog = mb.broker.container.get<CatalogService>(TOKENS.CatalogService);
const doc = new CatalogDocuments().render(catalog.catalog(), catalog.revision(), undefined);
const copy = Buffer.from(doc).toString('utf8');
console.log('length', doc.length, 'oneByte broker', oneByte(doc), 'oneByte copy', oneByte(copy));
for (const [name, s] of [['broker', doc], ['copy', copy]] as const) {
  let t = performance.now();
  for (let i = 0; i < 200; i++) Buffer.byteLength(s);
  const bl = (performance.now() - t) / 200;
  t = performance.now();
  for (let i = 0; i < 200; i++) Buffer.from(s, 'utf8');
  console.log(name, 'byteLength ms', bl.toFixed(3), 'encode ms', ((performance.now() - t) / 200).toFixed(3));
}
// which entry fields are two-byte?
const c = catalog.catalog();
const e = c.offerings[0]!.plans[0]!;
for (const [k, v] of Object.entries(e)) if (typeof v === 'string') console.log(k, oneByte(v));
console.log('serviceId', oneByte(c.offerings[0]!.serviceId), 'name', oneByte(c.offerings[0]!.name));
await mb.stop();
