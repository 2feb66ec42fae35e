import { expect } from 'chai';
import { all, err, ok } from '../../../src/domain/result.js';

describe('domain/result', () => {
  it('collects every value in order', () => {
    expect(all([ok(1), ok(2), ok(3)])).to.deep.equal({ ok: true, value: [1, 2, 3] });
    expect(all([])).to.deep.equal({ ok: true, value: [] });
  });

  it('returns the first error', () => {
    expect(all<number, string>([ok(1), err('first'), err('second')])).to.deep.equal({ ok: false, error: 'first' });
  });
});
