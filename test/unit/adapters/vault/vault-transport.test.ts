/** How Vault's answers become failures: by status, with Vault's own text read but never repeated. */
import { expect } from 'chai';
import { apiPath, failureOf } from '../../../../src/adapters/vault/vault-transport.js';

describe('adapters/vault/vault-transport', () => {
  const echo = 'value-that-must-not-leak';
  const failure = (status: number, errors: string[] = [echo]) => failureOf({ status, body: { errors } }, 'read of secret/data/app');

  it('tells sealed from other 503s, and a busy Vault from a broken one', () => {
    expect(failure(503, ['Vault is sealed'])).to.include({ failure: 'sealed', kind: 'Unavailable' });
    expect(failure(503, ['service unavailable'])).to.include({ failure: 'unreachable', kind: 'Unavailable' });
    expect(failure(429)).to.include({ failure: 'unreachable', kind: 'Unavailable' });
    expect(failure(500)).to.include({ failure: 'failed', kind: 'Infrastructure' });
  });

  it('makes refusals the provider configuration to fix', () => {
    expect(failure(403)).to.include({ failure: 'forbidden', kind: 'Forbidden' });
    expect(failure(404)).to.include({ failure: 'not-found', kind: 'ConfigInvalid' });
    expect(failure(400)).to.include({ failure: 'invalid', kind: 'ConfigInvalid' });
  });

  it('names the operation, path and status, never what Vault said', () => {
    for (const status of [400, 403, 404, 429, 500, 503]) {
      const { message } = failure(status);
      expect(message).to.contain('read of secret/data/app').and.contain(`HTTP ${status}`).and.not.contain(echo);
    }
  });

  it('encodes path segments and refuses . and ..', () => {
    expect(apiPath('secret', 'data', '/team a/db?x#y/')).to.deep.equal({ ok: true, value: 'secret/data/team%20a/db%3Fx%23y' });
    expect(apiPath('secret', 'data', 'a/../../sys')).to.include({ ok: false });
    expect(apiPath('secret', './x')).to.include({ ok: false });
    expect(apiPath('', '/')).to.include({ ok: false });
  });
});
