import { expect } from 'chai';
import { derive, HmacSecretGenerator, keyFromSecret, keyFromSecretOr } from '../../../../src/adapters/crypto/hmac-secret-generator.js';
import { ALPHABETS } from '../../../../src/domain/template-variables.js';
import { FakeSecrets } from '../../application/fakes.js';
import { errorOf, valueOf } from '../../builders.js';

const KEY = Buffer.alloc(32, 1);
const pw = { name: 'pw', length: 24, alphabet: 'alnum' } as const;

describe('adapters/crypto/hmac-secret-generator', () => {
  it('derives the same value for the same key, instance and NAME, and another for any other', () => {
    const value = derive(KEY, 'instance-1', pw);
    expect(derive(KEY, 'instance-1', pw)).to.equal(value);
    expect(derive(KEY, 'instance-2', pw)).to.not.equal(value);
    expect(derive(KEY, 'instance-1', { ...pw, name: 'other' })).to.not.equal(value);
    expect(derive(Buffer.alloc(32, 2), 'instance-1', pw)).to.not.equal(value);
    // Lengths are framed: ("ab", "c") and ("a", "bc") are different inputs.
    expect(derive(KEY, 'ab', { ...pw, name: 'c' })).to.not.equal(derive(KEY, 'a', { ...pw, name: 'bc' }));
  });

  it('draws exactly `length` characters of the alphabet, long values included', () => {
    for (const alphabet of Object.keys(ALPHABETS) as (keyof typeof ALPHABETS)[]) {
      const value = derive(KEY, 'instance-1', { name: 'pw', length: 128, alphabet });
      expect(value).to.have.length(128);
      expect([...value].every((c) => ALPHABETS[alphabet].includes(c)), alphabet).to.equal(true);
    }
  });

  it('reads the key from the Secret on each use, and reports a missing one without reading further', async () => {
    const secrets = new FakeSecrets(new Map([['gen-key', { key: 'k'.repeat(40) }]]));
    const generator = new HmacSecretGenerator(keyFromSecret(secrets, 'gen-key'));
    const first = valueOf(await generator.generate('instance-1', [pw]));
    expect(first['pw']).to.equal(derive(Buffer.from('k'.repeat(40)), 'instance-1', pw));
    secrets.secrets.delete('gen-key');
    const missing = errorOf(await generator.generate('instance-1', [pw]));
    expect(missing).to.deep.include({ kind: 'ConfigInvalid' });
    expect(missing.message).to.contain('"gen-key" does not exist');
    expect(valueOf(await generator.generate('instance-1', []))).to.deep.equal({}); // no key needed when nothing is generated
    secrets.secrets.set('gen-key', { key: 'short' });
    expect(errorOf(await generator.generate('instance-1', [pw])).message).to.contain('at least 32 bytes');
  });

  it('in dev mode falls back to the process key only when there is no key Secret', async () => {
    const secrets = new FakeSecrets();
    const dev = new HmacSecretGenerator(keyFromSecretOr(secrets, 'gen-key', KEY));
    expect(valueOf(await dev.generate('i', [pw]))['pw']).to.equal(derive(KEY, 'i', pw));
    secrets.secrets.set('gen-key', { key: 'm'.repeat(32) });
    expect(valueOf(await dev.generate('i', [pw]))['pw']).to.equal(derive(Buffer.from('m'.repeat(32)), 'i', pw));
  });
});
