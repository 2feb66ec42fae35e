import { expect } from 'chai';
import { errorResponse } from '../../../../src/adapters/http/error-table.js';
import { domainError } from '../../../../src/domain/errors.js';

// The sentences of the OSB spec that clients compare word for word (the Go client behind Service Catalog does).
const SPEC = {
  AsyncRequired: 'This service plan requires client support for asynchronous service operations.',
  ConcurrencyError: 'The Service Broker does not support concurrent requests that mutate the same resource.',
  RequiresApp: 'This service supports generation of credentials through binding an application only.',
} as const;

describe('adapters/http/error-table', () => {
  for (const [code, description] of Object.entries(SPEC) as [keyof typeof SPEC, string][]) {
    it(`answers ${code} with 422 and the spec's own description, whatever the broker's reason`, () => {
      expect(errorResponse(domainError(code, 'the broker\'s own reason'))).to.deep.equal({ status: 422, body: { error: code, description } });
    });
  }

  it('keeps the domain\'s message for codes the spec gives no fixed sentence', () => {
    expect(errorResponse(domainError('Gone', 'instance i-1 does not exist'))).to.deep.equal({ status: 410, body: { description: 'instance i-1 does not exist' } });
    expect(errorResponse(domainError('InvalidRequest', 'bad'))).to.deep.equal({ status: 400, body: { description: 'bad' } });
  });
});
