/**
 * What every ConfigSource must do, asserted through the port alone, so the
 * same suite runs against the in-memory cluster and a real kube-apiserver
 * (where changes arrive through a watch, hence `eventually`). Call
 * describeConfigSource once per adapter.
 */
import { expect } from 'chai';
import type { ConfigMapDocument } from '../../src/adapters/config/config-map-document.js';
import type { ConfigSource } from '../../src/application/ports/config-source.js';

export interface ConfigSourceFixture {
  /** A ConfigSource over a namespace that is this test's alone; not started yet. */
  readonly source: ConfigSource;
  /** Creates or replaces a ConfigMap in the source's namespace. */
  putConfigMap(doc: ConfigMapDocument): Promise<void>;
  /** Deletes a ConfigMap from the source's namespace. */
  deleteConfigMap(name: string): Promise<void>;
  /** Creates or replaces a ConfigMap in another namespace, which the source must not see. */
  putForeignConfigMap(doc: ConfigMapDocument): Promise<void>;
  /** The longest a change may take to show in current(). */
  readonly settleMs: number;
  cleanup(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries `assertion` until it passes or `timeoutMs` is over; then fails with its last error. */
export async function eventually(assertion: () => void, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      assertion();
      return;
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await sleep(10);
    }
  }
}

const ENTRY_LABELS = { 'mesitis/kind': 'catalog-entry', 'mesitis/enabled': 'true' };

/** A valid catalog-entry ConfigMap; `fields` override the entry's JSON fields. */
export function entryDoc(name: string, fields: Record<string, unknown> = {}, labels: Record<string, string> = ENTRY_LABELS): ConfigMapDocument {
  const entry = {
    team: 'contract', offering: name, description: `entry ${name}`, uuid: `plan-${name}`, version: '1', whitelist: ['client-ns'],
    provisionkind: 'ProvisionNonClusterURL', provisiondata: { url: `https://${name}.example.com` },
    credentialkind: 'CredentialNoCredential',
    ...fields,
  };
  return { name, labels, data: { 'wrapped-resource': JSON.stringify(entry) } };
}

export function templateDoc(name: string): ConfigMapDocument {
  const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-{{ instance.shortId }}` }, data: { a: 'b' } };
  return {
    name,
    labels: { 'mesitis/kind': 'wrapped-configmap', 'mesitis/enabled': 'true', 'mesitis/offering': 'contract' },
    data: { 'wrapped-resource': JSON.stringify(object) },
  };
}

export function describeConfigSource(name: string, makeFixture: () => Promise<ConfigSourceFixture>): void {
  describe(`ConfigSource contract: ${name}`, function () {
    let fixture: ConfigSourceFixture;
    let source: ConfigSource;
    const entrySources = () => source.current().entries.map((e) => e.source).sort();
    const settled = (assertion: () => void) => eventually(assertion, fixture.settleMs);

    beforeEach(async function () {
      fixture = await makeFixture();
      source = fixture.source;
    });

    afterEach(async function () {
      await source.stop();
      await fixture.cleanup();
    });

    describe('before and at start', function () {
      it('is empty and not synced before start', async function () {
        await fixture.putConfigMap(entryDoc('early'));
        expect(source.current()).to.deep.equal({ entries: [], templates: [], problems: [] });
        expect(source.synced()).to.equal(false);
      });

      it('has loaded everything already there when start() resolves', async function () {
        await fixture.putConfigMap(entryDoc('alpha'));
        await fixture.putConfigMap(entryDoc('beta'));
        await fixture.putConfigMap(templateDoc('beta-template'));
        await source.start();
        expect(entrySources()).to.deep.equal(['alpha', 'beta']);
        expect(source.current().templates.map((t) => t.source)).to.deep.equal(['beta-template']);
        expect(source.synced()).to.equal(true);
      });

      it('can be started twice without loading twice', async function () {
        await fixture.putConfigMap(entryDoc('alpha'));
        await source.start();
        await source.start();
        expect(entrySources()).to.deep.equal(['alpha']);
      });
    });

    describe('after start', function () {
      beforeEach(async function () {
        await fixture.putConfigMap(entryDoc('alpha'));
        await source.start();
      });

      it('sees an added entry, with a new revision and a call to each listener', async function () {
        const before = source.revision();
        let calls = 0;
        source.onChange(() => (calls += 1));
        await fixture.putConfigMap(entryDoc('gamma'));
        await settled(() => expect(entrySources()).to.deep.equal(['alpha', 'gamma']));
        expect(source.revision()).to.not.equal(before);
        expect(calls).to.be.greaterThan(0);
      });

      it('sees a changed entry', async function () {
        await fixture.putConfigMap(entryDoc('alpha', { description: 'changed' }));
        await settled(() => expect(source.current().entries[0]?.description).to.equal('changed'));
      });

      it('sees a deleted entry go', async function () {
        await fixture.deleteConfigMap('alpha');
        await settled(() => expect(entrySources()).to.deep.equal([]));
      });

      it('drops an entry that is no longer enabled, without calling it a problem', async function () {
        await fixture.putConfigMap(entryDoc('alpha', {}, { ...ENTRY_LABELS, 'mesitis/enabled': 'false' }));
        await settled(() => expect(entrySources()).to.deep.equal([]));
        expect(source.current().problems).to.deep.equal([]);
      });

      it('reports a broken entry by its ConfigMap name and keeps every other entry', async function () {
        await fixture.putConfigMap({ name: 'broken', labels: ENTRY_LABELS, data: { 'wrapped-resource': '{ "team": ' } });
        await fixture.putConfigMap(entryDoc('gamma'));
        await settled(() => {
          expect(entrySources()).to.deep.equal(['alpha', 'gamma']);
          expect(source.current().problems.map((p) => p.source)).to.deep.equal(['broken']);
        });
      });

      it('ignores ConfigMaps without the mesitis/kind label', async function () {
        await fixture.putConfigMap({ name: 'unrelated', labels: { app: 'something' }, data: { 'wrapped-resource': 'not even JSON {' } });
        await fixture.putConfigMap(entryDoc('gamma'));
        await settled(() => expect(entrySources()).to.deep.equal(['alpha', 'gamma']));
        expect(source.current().problems).to.deep.equal([]);
        expect(source.current().templates).to.deep.equal([]);
      });

      it('ignores ConfigMaps in other namespaces', async function () {
        await fixture.putForeignConfigMap(entryDoc('foreign'));
        await fixture.putConfigMap(entryDoc('gamma'));
        await settled(() => expect(entrySources()).to.deep.equal(['alpha', 'gamma']));
      });

      it('keeps its revision while nothing changes', async function () {
        const revision = source.revision();
        source.current();
        expect(source.revision()).to.equal(revision);
      });

      it('stops calling a listener once it unsubscribed', async function () {
        let calls = 0;
        const unsubscribe = source.onChange(() => (calls += 1));
        unsubscribe();
        const before = source.revision();
        await fixture.putConfigMap(entryDoc('gamma'));
        await settled(() => expect(source.revision()).to.not.equal(before));
        expect(calls).to.equal(0);
      });

      it('stops following changes after stop(), which can be called twice', async function () {
        await source.stop();
        await source.stop();
        expect(source.synced()).to.equal(false);
        await fixture.putConfigMap(entryDoc('late'));
        await sleep(Math.min(fixture.settleMs, 300));
        expect(entrySources()).to.deep.equal(['alpha']);
      });
    });
  });
}
