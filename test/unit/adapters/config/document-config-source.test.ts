import { expect } from 'chai';
import { DocumentConfigSource } from '../../../../src/adapters/config/document-config-source.js';
import { jsonDoc, urlEntryFields } from './entry-docs.js';

const entry = (name: string, description = 'Forecasts') => jsonDoc(name, urlEntryFields({ uuid: name, offering: name, description }));

describe('adapters/config/document-config-source', () => {
  let source: DocumentConfigSource;

  beforeEach(() => {
    source = new DocumentConfigSource();
  });

  it('is empty until the first full listing, even with single documents fed in before', () => {
    source.upsert(entry('a'));
    expect(source.current().entries).to.deep.equal([]);
    source.replaceAll([entry('a'), entry('b')]);
    expect(source.current().entries.map((e) => e.source)).to.deep.equal(['a', 'b']);
  });

  it('follows upsert and remove', () => {
    source.replaceAll([entry('a')]);
    source.upsert(entry('b'));
    source.upsert(entry('a', 'changed'));
    source.remove('b');
    expect(source.current().entries.map((e) => [e.source, e.description])).to.deep.equal([['a', 'changed']]);
  });

  it('changes its revision on every real change and only then', () => {
    source.replaceAll([entry('a')]);
    const loaded = source.revision();
    source.upsert(entry('a'));
    source.remove('nothing');
    source.replaceAll([entry('a')]);
    expect(source.revision()).to.equal(loaded);
    source.upsert(entry('a', 'changed'));
    expect(source.revision()).to.not.equal(loaded);
  });

  it('decodes once per revision and re-decodes only the documents that changed', () => {
    source.replaceAll([entry('a'), entry('b')]);
    const first = source.current();
    expect(source.current()).to.equal(first);
    source.upsert(entry('b', 'changed'));
    const second = source.current();
    expect(second).to.not.equal(first);
    expect(second.entries[0]).to.equal(first.entries[0]);
    expect(second.entries[1]).to.not.equal(first.entries[1]);
  });

  it('keeps decoded documents across a relist that brings nothing new', () => {
    source.replaceAll([entry('a')]);
    const before = source.current().entries[0];
    source.replaceAll([entry('a'), entry('b')]);
    expect(source.current().entries[0]).to.equal(before);
  });

  it('calls listeners after each change, not for no-ops, and not after they unsubscribe', () => {
    const calls: string[] = [];
    const unsubscribe = source.onChange(() => calls.push('one'));
    source.onChange(() => calls.push('two'));
    source.replaceAll([entry('a')]);
    source.upsert(entry('a'));
    unsubscribe();
    source.remove('a');
    expect(calls).to.deep.equal(['one', 'two', 'two']);
  });

  it('reports synced only while the owner says so', () => {
    expect(source.synced()).to.equal(false);
    source.markSynced(true);
    expect(source.synced()).to.equal(true);
    source.markSynced(false);
    expect(source.synced()).to.equal(false);
  });

  it('still calls the other listeners when one throws, and surfaces the error', async () => {
    const mochaHandlers = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    let surfaced: unknown;
    process.once('uncaughtException', (error) => (surfaced = error));
    try {
      let called = false;
      source.onChange(() => {
        throw new Error('listener bug');
      });
      source.onChange(() => (called = true));
      source.replaceAll([entry('a')]);
      expect(called).to.equal(true);
      await new Promise((resolve) => setImmediate(resolve));
      expect((surfaced as Error | undefined)?.message).to.equal('listener bug');
    } finally {
      process.removeAllListeners('uncaughtException');
      for (const handler of mochaHandlers) process.on('uncaughtException', handler);
    }
  });
});
