/**
 * Two ConfigMaps claiming the same plan id, or the same (team, offering,
 * version): the one created first keeps serving, through the whole read path
 * of `mesitis dev` (fake cluster -> MemoryConfigSource -> catalog).
 */
import { expect } from 'chai';
import { MemoryCluster } from '../../../../src/adapters/memory/memory-cluster.js';
import { MemoryConfigSource } from '../../../../src/adapters/memory/memory-config-source.js';
import { toConfigMapDocument } from '../../../../src/adapters/config/config-map-document.js';
import { assembleCatalog } from '../../../../src/domain/catalog.js';
import type { KubeObject } from '../../../../src/domain/kube-object.js';
import { ENTRY_LABELS, urlEntryFields } from './entry-docs.js';

const NS = 'provider-ns';

const entryConfigMap = (name: string, fields: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1', kind: 'ConfigMap',
  metadata: { name, namespace: NS, labels: { ...ENTRY_LABELS } },
  data: { 'wrapped-resource': JSON.stringify(urlEntryFields(fields)) },
});

describe('adapters/config: the entry created first keeps serving', () => {
  let clock: Date;
  let cluster: MemoryCluster;
  let source: MemoryConfigSource;
  const serving = () => assembleCatalog(source.current()).offerings.flatMap((o) => o.plans.map((p) => p.source));
  const refused = () => assembleCatalog(source.current()).problems.map((p) => [p.source, p.field]);

  beforeEach(async () => {
    clock = new Date('2026-05-01T12:00:00Z');
    cluster = new MemoryCluster({ now: () => clock });
    cluster.ensureNamespace(NS);
    source = new MemoryConfigSource(cluster, NS);
    await source.start();
  });
  afterEach(async () => { await source.stop(); });

  it('stamps ConfigMaps with a creation time, as the API server does, and carries it into the document', () => {
    const created = cluster.create(entryConfigMap('z-entry', {}));
    expect(created.ok && created.value.metadata['creationTimestamp']).to.equal('2026-05-01T12:00:00Z');
    expect(created.ok && toConfigMapDocument(created.value).createdAt).to.equal('2026-05-01T12:00:00.000Z');
  });

  it('reads the creation time as client-node delivers it (a Date) as well as a string, and none from a manifest', () => {
    const withDate = { ...entryConfigMap('k8s', {}), metadata: { name: 'k8s', creationTimestamp: new Date('2026-05-01T12:00:00Z') } };
    expect(toConfigMapDocument(withDate as KubeObject).createdAt).to.equal('2026-05-01T12:00:00.000Z');
    expect(toConfigMapDocument(entryConfigMap('file', {}))).to.not.have.property('createdAt');
  });

  it('a later ConfigMap with the same plan id is refused, though its name sorts first', () => {
    cluster.create(entryConfigMap('z-live', { uuid: 'plan-1' }));
    clock = new Date('2026-05-01T12:00:05Z');
    cluster.create(entryConfigMap('a-newcomer', { uuid: 'plan-1', version: '2' }));
    expect(serving()).to.deep.equal(['z-live']);
    expect(refused()).to.deep.equal([['a-newcomer', 'uuid']]);
  });

  it('a later ConfigMap with the same team, offering and version is refused; editing the older one keeps its place', () => {
    cluster.create(entryConfigMap('z-live', { uuid: 'plan-1' }));
    clock = new Date('2026-05-01T13:00:00Z');
    cluster.create(entryConfigMap('a-newcomer', { uuid: 'plan-2' }));
    const edited = cluster.replace(entryConfigMap('z-live', { uuid: 'plan-1', description: 'edited later' }));
    expect(edited.ok).to.equal(true);
    expect(serving()).to.deep.equal(['z-live']);
    expect(refused()).to.deep.equal([['a-newcomer', 'version']]);
  });

  it('once the older ConfigMap is deleted, the newcomer serves; recreated, the old one now waits its turn', () => {
    cluster.create(entryConfigMap('z-live', { uuid: 'plan-1' }));
    clock = new Date('2026-05-01T12:00:05Z');
    cluster.create(entryConfigMap('a-newcomer', { uuid: 'plan-1', version: '2' }));
    cluster.delete({ kind: 'ConfigMap', namespace: NS, name: 'z-live' });
    expect(serving()).to.deep.equal(['a-newcomer']);
    clock = new Date('2026-05-01T12:00:10Z');
    cluster.create(entryConfigMap('z-live', { uuid: 'plan-1' }));
    expect(serving()).to.deep.equal(['a-newcomer']);
    expect(refused()).to.deep.equal([['z-live', 'uuid']]);
  });
});
