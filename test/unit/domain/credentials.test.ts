import { expect } from 'chai';
import { bindingCredentials, pickKeys, pinBinding } from '../../../src/domain/credentials.js';
import type { Coordinates } from '../../../src/domain/coordinates.js';
import { shortId } from '../../../src/domain/template-variables.js';
import { CLIENT_NS, dedicatedEntry, errorOf, facts, PROVIDER_NS, urlEntry, valueOf } from '../builders.js';

const pinned = (at: Coordinates) => pinBinding(urlEntry(), at, facts());
const SOURCE = 'entry-db-v1';
const coordinates = { host: 'db.example.com', port: 5432, uri: 'postgres://db.example.com:5432/app' };

describe('domain/credentials', () => {
  it('merges the coordinates under well-known keys with the entry\'s credential values', () => {
    expect(valueOf(bindingCredentials(pinned(coordinates), { username: 'app', password: 'pw' }, SOURCE))).to.deep.equal({
      type: 'postgres', provider: 'data', host: 'db.example.com', port: 5432, uri: 'postgres://db.example.com:5432/app', username: 'app', password: 'pw',
    });
  });

  it('leaves out coordinates that are unknown', () => {
    expect(valueOf(bindingCredentials(pinned({ host: 'h' }), {}, SOURCE))).to.deep.equal({ type: 'postgres', provider: 'data', host: 'h' });
  });

  it('refuses a key both sides produce as a configuration error naming the key and the entry', () => {
    const error = errorOf(bindingCredentials(pinned(coordinates), { host: 'elsewhere', password: 'pw' }, SOURCE));
    expect(error).to.deep.equal({
      kind: 'ConfigInvalid',
      message: 'entry entry-db-v1: credential key(s) host clash with the coordinates Mesitis provides',
    });
    expect(error.message).to.not.contain('pw');
  });

  it('refuses the always-present type and provider keys too', () => {
    expect(errorOf(bindingCredentials(pinned({}), { type: 'x', provider: 'y' }, SOURCE)).message).to.contain('key(s) type, provider clash');
  });

  it('lets a credential use a key the coordinates do not provide this time', () => {
    expect(valueOf(bindingCredentials(pinned({}), { port: '5432' }, SOURCE))['port']).to.equal('5432');
  });

  it('does not mistake Object.prototype names for clashes', () => {
    expect(valueOf(bindingCredentials(pinned({}), { constructor: 'c', toString: 't' }, SOURCE))).to.include({ constructor: 'c', toString: 't' });
  });
});

describe('domain/credentials pinBinding', () => {
  it('pins references, never values: catalog values stay in the entry', () => {
    const entry = urlEntry({ credentials: { kind: 'FromCatalog', values: { password: 'pw' } } });
    expect(pinBinding(entry, coordinates, facts())).to.deep.equal({ type: 'postgres', provider: 'data', coordinates, credentials: { kind: 'FromCatalog' } });
    expect(JSON.stringify(pinBinding(entry, coordinates, facts()))).to.not.contain('pw');
  });

  it('pins an instance Secret by its resolved name and namespace, the provisioner\'s by default', () => {
    const entry = dedicatedEntry({ credentials: { kind: 'FromInstanceSecret', secretName: 'db-{{ instance.shortId }}-{{ consumer.namespace }}', keys: ['password'] } });
    const { credentials } = pinBinding(entry, coordinates, facts({ generated: { pw: 'generated-value-never-pinned' } }));
    expect(credentials).to.deep.equal({ kind: 'FromInstanceSecret', namespace: PROVIDER_NS, secretName: `db-${shortId('instance-1')}-${CLIENT_NS}`, keys: ['password'] });
    expect(JSON.stringify(credentials)).to.not.contain('generated-value');
    const elsewhere = dedicatedEntry({ credentials: { kind: 'FromInstanceSecret', secretName: 'db', namespace: 'operator-ns' } });
    expect(pinBinding(elsewhere, coordinates, facts()).credentials).to.deep.equal({ kind: 'FromInstanceSecret', namespace: 'operator-ns', secretName: 'db' });
  });
});

describe('domain/credentials pickKeys', () => {
  const ref = (keys?: string[]) => ({ kind: 'FromInstanceSecret' as const, namespace: 'ns', secretName: 's', ...(keys ? { keys } : {}) });
  it('hands out every key when none are listed, only the listed ones otherwise', () => {
    expect(valueOf(pickKeys(ref(), { a: '1', b: '2' }))).to.deep.equal({ a: '1', b: '2' });
    expect(valueOf(pickKeys(ref(['b']), { a: '1', b: '2' }))).to.deep.equal({ b: '2' });
  });
  it('names the listed keys the Secret does not have (yet)', () => {
    expect(errorOf(pickKeys(ref(['b', 'c']), { b: '2' }))).to.deep.equal(['c']);
  });
});
