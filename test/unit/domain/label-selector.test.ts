import { expect } from 'chai';
import { formatSelector, isLabelValue, matchesSelector, parseLabelSelector } from '../../../src/domain/label-selector.js';
import { errorOf, valueOf } from '../builders.js';

describe('domain/label-selector', () => {
  describe('parseLabelSelector', () => {
    it('reads equality, inequality, existence and non-existence terms', () => {
      expect(valueOf(parseLabelSelector('mesitis/offering=api, tier==web,env!=prod,ready,!legacy'))).to.deep.equal([
        { key: 'mesitis/offering', op: 'equals', value: 'api' },
        { key: 'tier', op: 'equals', value: 'web' },
        { key: 'env', op: 'notEquals', value: 'prod' },
        { key: 'ready', op: 'exists' },
        { key: 'legacy', op: 'notExists' },
      ]);
    });

    it('accepts an empty value, meaning the label is present and empty', () => {
      expect(valueOf(parseLabelSelector('a='))).to.deep.equal([{ key: 'a', op: 'equals', value: '' }]);
    });

    it('refuses an empty selector (it would select every ConfigMap)', () => {
      expect(errorOf(parseLabelSelector(''))).to.equal('the selector is empty');
      expect(errorOf(parseLabelSelector(' , '))).to.equal('the selector is empty');
    });

    it('refuses keys and values that are not valid labels', () => {
      expect(errorOf(parseLabelSelector('-bad=x'))).to.equal('"-bad" is not a label key');
      expect(errorOf(parseLabelSelector('a=b=c'))).to.equal('"b=c" is not a label value');
      expect(errorOf(parseLabelSelector(`a=${'x'.repeat(64)}`))).to.contain('is not a label value');
    });

    it('refuses ! combined with a value', () => {
      expect(errorOf(parseLabelSelector('!a=b'))).to.equal('"!a=b" mixes ! with a value');
    });

    it('refuses set-based terms it does not understand', () => {
      expect(errorOf(parseLabelSelector('env in (a)'))).to.equal('cannot read "env in (a)"');
    });
  });

  describe('matchesSelector', () => {
    const selector = valueOf(parseLabelSelector('app=api,env!=prod,ready,!legacy'));

    it('matches when every requirement holds', () => {
      expect(matchesSelector({ app: 'api', env: 'dev', ready: 'yes' }, selector)).to.equal(true);
      expect(matchesSelector({ app: 'api', ready: '' }, selector)).to.equal(true);
    });

    it('does not match when any requirement fails', () => {
      expect(matchesSelector({ app: 'web', ready: 'yes' }, selector), 'equals').to.equal(false);
      expect(matchesSelector({ app: 'api', env: 'prod', ready: 'yes' }, selector), 'notEquals').to.equal(false);
      expect(matchesSelector({ app: 'api' }, selector), 'exists').to.equal(false);
      expect(matchesSelector({ app: 'api', ready: 'yes', legacy: 'true' }, selector), 'notExists').to.equal(false);
    });
  });

  describe('isLabelValue', () => {
    it('accepts up to 63 alphanumerics with inner -_. and the empty value', () => {
      expect(isLabelValue('')).to.equal(true);
      expect(isLabelValue('a-b_c.d')).to.equal(true);
      expect(isLabelValue('x'.repeat(63))).to.equal(true);
      expect(isLabelValue('x'.repeat(64))).to.equal(false);
      expect(isLabelValue('-a')).to.equal(false);
      expect(isLabelValue('a/b')).to.equal(false);
    });
  });

  describe('formatSelector', () => {
    it('writes back what it read', () => {
      const text = 'mesitis/offering=api,env!=prod,ready,!legacy';
      expect(formatSelector(valueOf(parseLabelSelector(text)))).to.equal(text);
    });
  });
});
