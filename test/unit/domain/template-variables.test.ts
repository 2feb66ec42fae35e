import { expect } from 'chai';
import { sha1Hex } from '../../../src/domain/hash.js';
import { generatedSpecs } from '../../../src/domain/generated-values.js';
import { planResources } from '../../../src/domain/resource-plan.js';
import { generatedIn, parseGenerated, shortId, substitute, substituteDeep } from '../../../src/domain/template-variables.js';
import { configMap, dedicatedEntry, errorOf, facts, secret, template, valueOf } from '../builders.js';

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

const PW = 'Gen3ratedValueOfTwentyFour';

describe('domain/template-variables generated values', () => {
  it('puts the prepared value of a NAME wherever object content uses it, the same value in every object', () => {
    const templates = [
      template('tpl-secret', secret('db-{{ instance.shortId }}', { password: '{{ generated.pw }}' })),
      template('tpl-config', configMap('cfg-{{ instance.shortId }}', { url: 'postgres://app:{{ generated.pw length=24 }}@db' })),
    ];
    const plan = valueOf(planResources(dedicatedEntry(), templates, facts({ generated: { pw: PW } })));
    const made = plan.find((o) => o.kind === 'Secret');
    const config = plan.find((o) => o.kind === 'ConfigMap');
    expect((made as unknown as { stringData: Record<string, string> }).stringData['password']).to.equal(PW);
    expect((config as unknown as { data: Record<string, string> }).data['url']).to.equal(`postgres://app:${PW}@db`);
  });

  it('refuses a generated value in metadata or a name: those are recorded, listed and logged', () => {
    const named = [template('tpl', configMap('cfg-{{ generated.pw }}'))];
    expect(errorOf(planResources(dedicatedEntry(), named, facts({ generated: { pw: 'abcdefgh' } }))).message).to.contain('may not be used in metadata');
    const labelled = { ...configMap('cfg'), metadata: { name: 'cfg', labels: { x: '{{ generated.pw }}' } } };
    expect(errorOf(planResources(dedicatedEntry(), [template('tpl', labelled)], facts({ generated: { pw: 'abcdefgh' } }))).kind).to.equal('ConfigInvalid');
    expect(errorOf(substitute('svc-{{ generated.pw }}', facts({ generated: { pw: 'abcdefgh' } }))).kind).to.equal('ConfigInvalid');
  });

  it('renders a stand-in of the right shape when checking configuration offline, and never invents a value otherwise', () => {
    expect(valueOf(substituteDeep({ data: { p: '{{ generated.pw length=10 alphabet=digits }}' } }, facts(), 'placeholder'))).to.deep.equal({ data: { p: '0000000000' } });
    expect(errorOf(substituteDeep({ data: { p: '{{ generated.pw }}' } }, facts())).kind).to.equal('Infrastructure');
  });

  it('reads length and alphabet, defaulting to 24 alphanumeric characters, and refuses what it does not know', () => {
    expect(valueOf(parseGenerated('generated.pw', ''))).to.deep.equal({ name: 'pw', length: 24, alphabet: 'alnum' });
    expect(valueOf(parseGenerated('generated.pw', ' length=32 alphabet=hex'))).to.deep.equal({ name: 'pw', length: 32, alphabet: 'hex' });
    for (const options of [' length=4', ' length=129', ' length=x', ' alphabet=emoji', ' size=3']) expect(errorOf(parseGenerated('generated.pw', options)).kind, options).to.equal('ConfigInvalid');
    expect(errorOf(substitute('{{ team length=3 }}', facts())).message).to.contain('only generated values take options');
  });

  it('finds each NAME a plan uses once, and refuses one NAME used with two shapes', () => {
    const specs = valueOf(generatedSpecs(dedicatedEntry(), [
      template('a', secret('a', { p: '{{ generated.pw length=32 }}', q: '{{ generated.api-key alphabet=hex }}' })),
      template('b', configMap('b', { p: '{{generated.pw length=32}}' })),
      template('other', secret('c', { p: '{{ generated.unselected }}' }), { 'mesitis/offering': 'other' }),
    ]));
    expect(specs).to.deep.equal([{ name: 'pw', length: 32, alphabet: 'alnum' }, { name: 'api-key', length: 24, alphabet: 'hex' }]);
    expect(errorOf(generatedIn({ a: '{{ generated.pw }}', b: '{{ generated.pw length=30 }}' })).message).to.contain('one NAME is one value');
  });
});
