import { expect } from 'chai';
import { bindingCredentials, pinBinding } from '../../../src/domain/credentials.js';
import type { Coordinates } from '../../../src/domain/coordinates.js';
import { errorOf, urlEntry, valueOf } from '../builders.js';

const pinned = (at: Coordinates) => pinBinding(urlEntry(), at);
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
    expect(pinBinding(entry, coordinates)).to.deep.equal({ type: 'postgres', provider: 'data', coordinates, credentials: { kind: 'FromCatalog' } });
    expect(JSON.stringify(pinBinding(entry, coordinates))).to.not.contain('pw');
  });
});
