import { expect } from 'chai';
import { decodeProviderConfig } from '../../../../src/adapters/config/decode-provider-config.js';
import { ENTRY_LABELS, jsonDoc, textDoc, urlEntryFields } from './entry-docs.js';

const templateLabels = (enabled: string) => ({ 'mesitis/kind': 'wrapped-service', 'mesitis/offering': 'x', 'mesitis/enabled': enabled });
const SERVICE = JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } });

describe('adapters/config/decode-provider-config', () => {
  it('sorts ConfigMaps into entries, templates and problems', () => {
    const config = decodeProviderConfig([
      jsonDoc('entry-a', urlEntryFields({ uuid: 'a' })),
      textDoc('template-s', SERVICE, 'wrapped-resource', templateLabels('true')),
      textDoc('entry-broken', '{ nope', 'wrapped-resource', ENTRY_LABELS),
    ]);
    expect(config.entries.map((e) => e.source)).to.deep.equal(['entry-a']);
    expect(config.templates.map((t) => t.source)).to.deep.equal(['template-s']);
    expect(config.problems.map((p) => p.source)).to.deep.equal(['entry-broken']);
  });

  it('leaves out a disabled entry without reporting it, even when it is broken', () => {
    const config = decodeProviderConfig([
      jsonDoc('entry-off', urlEntryFields(), 'wrapped-resource', { ...ENTRY_LABELS, 'mesitis/enabled': 'false' }),
      textDoc('entry-off-broken', '{ nope', 'wrapped-resource', { 'mesitis/kind': 'catalog-entry' }),
    ]);
    expect(config).to.deep.equal({ entries: [], templates: [], problems: [] });
  });

  it('ignores ConfigMaps without the mesitis/kind label', () => {
    expect(decodeProviderConfig([textDoc('unrelated', '{ nope', 'wrapped-resource', { app: 'x' })])).to.deep.equal({ entries: [], templates: [], problems: [] });
  });

  it('reports an enabled template it cannot read under its own name, and keeps it for the plan to refuse', () => {
    const config = decodeProviderConfig([textDoc('template-bad', '{ "kind": "Service" }', 'wrapped-resource', templateLabels('true'))]);
    expect(config.problems).to.deep.equal([{ source: 'template-bad', field: 'apiVersion', message: 'is required and must be a string' }]);
    expect(config.templates.map((t) => t.source)).to.deep.equal(['template-bad']);
  });

  it('does not report a disabled template it cannot read', () => {
    const config = decodeProviderConfig([textDoc('template-bad', '{ "kind": "Service" }', 'wrapped-resource', templateLabels('false'))]);
    expect(config.problems).to.deep.equal([]);
  });

  it('gives the same result whatever order the ConfigMaps arrive in', () => {
    const docs = ['c', 'a', 'b'].map((name) => jsonDoc(`entry-${name}`, urlEntryFields({ uuid: name })));
    const forwards = decodeProviderConfig(docs);
    const backwards = decodeProviderConfig([...docs].reverse());
    expect(forwards).to.deep.equal(backwards);
    expect(forwards.entries.map((e) => e.source)).to.deep.equal(['entry-a', 'entry-b', 'entry-c']);
  });
});
