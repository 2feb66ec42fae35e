import { expect } from 'chai';
import { decodeInstance, encodeInstance } from '../../../../src/adapters/state/record-codec.js';
import { instanceRecord, valueOf } from '../../builders.js';

describe('adapters/state/record-codec: operations', () => {
  it('keeps who asked for the last operation through a write and a read', () => {
    const base = instanceRecord({});
    const requestedBy = { platform: 'kubernetes', value: { username: 'bob', groups: ['team-a'] } };
    const instance = { ...base, operation: { ...base.operation, type: 'update' as const, requestedBy } };
    expect(valueOf(decodeInstance(encodeInstance(instance), 'i')).operation).to.deep.equal(instance.operation);
  });
});
