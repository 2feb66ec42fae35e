import { expect } from 'chai';
import { bindingCredentials } from '../../../src/domain/credentials.js';
import { errorOf, urlEntry, valueOf } from '../builders.js';

const coordinates = { host: 'db.example.com', port: 5432, uri: 'postgres://db.example.com:5432/app' };

describe('domain/credentials', () => {
  it('merges the coordinates under well-known keys with the entry\'s credential values', () => {
    expect(valueOf(bindingCredentials(urlEntry(), coordinates, { username: 'app', password: 'pw' }))).to.deep.equal({
      type: 'postgres', provider: 'data', host: 'db.example.com', port: 5432, uri: 'postgres://db.example.com:5432/app', username: 'app', password: 'pw',
    });
  });

  it('leaves out coordinates that are unknown', () => {
    expect(valueOf(bindingCredentials(urlEntry(), { host: 'h' }, {}))).to.deep.equal({ type: 'postgres', provider: 'data', host: 'h' });
  });

  it('refuses a key both sides produce as a configuration error naming the key and the entry', () => {
    const error = errorOf(bindingCredentials(urlEntry(), coordinates, { host: 'elsewhere', password: 'pw' }));
    expect(error).to.deep.equal({
      kind: 'ConfigInvalid',
      message: 'entry entry-db-v1: credential key(s) host clash with the coordinates Mesitis provides',
    });
    expect(error.message).to.not.contain('pw');
  });

  it('refuses the always-present type and provider keys too', () => {
    expect(errorOf(bindingCredentials(urlEntry(), {}, { type: 'x', provider: 'y' })).message).to.contain('key(s) type, provider clash');
  });

  it('lets a credential use a key the coordinates do not provide this time', () => {
    expect(valueOf(bindingCredentials(urlEntry(), {}, { port: '5432' }))['port']).to.equal('5432');
  });

  it('does not mistake Object.prototype names for clashes', () => {
    expect(valueOf(bindingCredentials(urlEntry(), {}, { constructor: 'c', toString: 't' }))).to.include({ constructor: 'c', toString: 't' });
  });
});
