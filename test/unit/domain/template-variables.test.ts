import { expect } from 'chai';
import { sha1Hex } from '../../../src/domain/hash.js';
import { shortId, substitute, substituteDeep } from '../../../src/domain/template-variables.js';
import { errorOf, facts, valueOf } from '../builders.js';

describe('domain/template-variables', () => {
  describe('substitute', () => {
    it('replaces every known variable, with or without spaces', () => {
      const text = '{{instance.id}}|{{ instance.name }}|{{  consumer.namespace  }}|{{ team }}|{{ offering }}|{{ version }}|{{ instance.shortId }}';
      expect(valueOf(substitute(text, facts()))).to.equal(`instance-1|my-api|client-ns|web|api|v1|${shortId('instance-1')}`);
    });

    it('turns scalar parameters into text', () => {
      const parameters = { name: 'db', replicas: 3, tls: false };
      expect(valueOf(substitute('{{ parameters.name }}-{{ parameters.replicas }}-{{ parameters.tls }}', facts({ parameters })))).to.equal('db-3-false');
    });

    it('refuses a parameter that is not a scalar', () => {
      const error = errorOf(substitute('{{ parameters.list }}', facts({ parameters: { list: ['a'] } })));
      expect(error).to.deep.equal({ kind: 'InvalidRequest', message: 'parameter "list" is required and must be a string, number or boolean' });
    });

    it('does not expand variables that arrive inside a substituted value', () => {
      expect(valueOf(substitute('{{ parameters.p }}', facts({ parameters: { p: '{{ instance.id }}' } })))).to.equal('{{ instance.id }}');
    });

    it('does not interpret $-patterns in a substituted value', () => {
      expect(valueOf(substitute('a{{ parameters.p }}b', facts({ parameters: { p: "$&$'$`$1" } })))).to.equal("a$&$'$`$1b");
    });

    it('leaves text without variables as it is', () => {
      expect(valueOf(substitute('plain {{ not a variable', facts()))).to.equal('plain {{ not a variable');
    });

    it('refuses unknown variables, including names of Object.prototype members', () => {
      for (const name of ['instance.uid', 'constructor', 'toString', '__proto__']) {
        expect(errorOf(substitute(`{{ ${name} }}`, facts())), name).to.deep.equal({ kind: 'ConfigInvalid', message: `unknown template variable {{ ${name} }}` });
      }
    });

    it('uses "x" for a missing parameter in placeholder mode, but still refuses unknown variables', () => {
      expect(valueOf(substitute('{{ parameters.size }}', facts(), 'placeholder'))).to.equal('x');
      expect(errorOf(substitute('{{ nope }}', facts(), 'placeholder')).kind).to.equal('ConfigInvalid');
    });
  });

  describe('substituteDeep', () => {
    it('substitutes in nested values, not in keys, and keeps other types', () => {
      const document = { '{{ team }}': ['{{ team }}', 1, true, null, { inner: '{{ version }}' }] };
      expect(valueOf(substituteDeep(document, facts()))).to.deep.equal({ '{{ team }}': ['web', 1, true, null, { inner: 'v1' }] });
    });

    it('returns the first error found', () => {
      expect(errorOf(substituteDeep({ a: ['{{ bad }}'] }, facts())).message).to.equal('unknown template variable {{ bad }}');
    });
  });

  describe('shortId', () => {
    it('is the first 8 hex digits of the SHA-1 of the id', () => {
      expect(shortId('abc')).to.equal('a9993e36');
      expect(shortId('instance-1')).to.equal(sha1Hex('instance-1').slice(0, 8));
    });
  });
});
