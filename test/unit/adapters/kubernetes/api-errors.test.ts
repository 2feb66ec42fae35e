import { ApiException } from '@kubernetes/client-node';
import { expect } from 'chai';
import { describeApiError, logFieldsOf, translateApiError, type ApiAction } from '../../../../src/adapters/kubernetes/api-errors.js';

const SECRET = 'hunter2-the-secret-value';
const create: ApiAction = { verb: 'create', what: 'Secret "api-ns/login"', namespace: 'api-ns' };
const read: ApiAction = { verb: 'read', what: 'Secret "provider-ns/login"' };

/** An ApiException as client-node 1.x throws it: the Status kept as the raw response text. */
function apiException(code: number, status: Record<string, unknown> | undefined, headers: Record<string, string> = {}): ApiException<unknown> {
  return new ApiException(code, 'Unknown API Status Code!', status === undefined ? undefined : JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, ...status }), headers);
}

const kindOf = (error: unknown, action: ApiAction = read) => translateApiError(error, action).kind;

describe('adapters/kubernetes/api-errors', () => {
  describe('kinds', () => {
    it('maps answers to the domain kinds, by status and by what was being done', () => {
      expect(kindOf(apiException(404, { reason: 'NotFound' }))).to.equal('NotFound');
      expect(kindOf(apiException(404, { reason: 'NotFound' }), create)).to.equal('ConfigInvalid');
      expect(kindOf(apiException(409, { reason: 'AlreadyExists' }), create)).to.equal('ObjectsExist');
      expect(kindOf(apiException(409, { reason: 'Conflict' }), { verb: 'delete', what: 'x' })).to.equal('Infrastructure');
      expect(kindOf(apiException(403, { reason: 'Forbidden' }))).to.equal('Forbidden');
      expect(kindOf(apiException(401, undefined))).to.equal('Forbidden');
      expect(kindOf(apiException(422, { reason: 'Invalid' }), create)).to.equal('ConfigInvalid');
      expect(kindOf(apiException(400, { reason: 'BadRequest' }), create)).to.equal('ConfigInvalid');
      expect(kindOf(apiException(429, { reason: 'TooManyRequests' }))).to.equal('Unavailable');
      expect(kindOf(apiException(500, { reason: 'InternalError' }))).to.equal('Unavailable');
      expect(kindOf(apiException(503, undefined))).to.equal('Unavailable');
      expect(kindOf(apiException(418, undefined))).to.equal('Infrastructure');
    });

    it('says which namespace is missing or being deleted when a create is refused for it', () => {
      expect(translateApiError(apiException(404, { reason: 'NotFound' }), create).message).to.contain('namespace "api-ns" does not exist');
      const terminating = apiException(403, { reason: 'Forbidden', details: { causes: [{ reason: 'NamespaceTerminating', message: 'namespace api-ns is being terminated', field: 'metadata.namespace' }] } });
      expect(translateApiError(terminating, create)).to.deep.include({ kind: 'ConfigInvalid' });
      expect(translateApiError(terminating, create).message).to.contain('namespace "api-ns" is being deleted');
    });

    it('treats failures without an answer as the cluster being unreachable', () => {
      const refused = Object.assign(new Error('request to https://10.0.0.1/api failed, reason: connect ECONNREFUSED'), { name: 'FetchError', code: 'ECONNREFUSED' });
      const aborted = Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
      const watchRefused = Object.assign(new Error('Forbidden'), { statusCode: 403 });
      expect(kindOf(refused)).to.equal('Unavailable');
      expect(kindOf(aborted)).to.equal('Unavailable');
      expect(kindOf(watchRefused)).to.equal('Forbidden');
      expect(kindOf(new TypeError('x is not a function'))).to.equal('Infrastructure');
    });
  });

  describe('what may be repeated', () => {
    // The apiserver echoes invalid values back; client-node puts the whole body and the headers into error.message.
    const echoed = apiException(422, {
      reason: 'Invalid',
      message: `Secret "login" is invalid: data[password]: Invalid value: "${SECRET}": a valid config key must consist of alphanumeric characters`,
      details: {
        name: 'login', kind: 'secrets',
        causes: [
          { reason: 'FieldValueInvalid', message: `Invalid value: "${SECRET}": must be base64`, field: 'data[password]' },
          { reason: 'FieldValueRequired', message: 'Required value', field: 'metadata.name' },
          { reason: 'FieldValueInvalid', message: 'Invalid value', field: `data["${SECRET}"]` },
        ],
      },
    }, { 'x-echo': SECRET });

    it('never copies the response body into the message, even where client-node does', () => {
      expect(echoed.message).to.contain(SECRET); // what makes the rule necessary
      const translated = translateApiError(echoed, create);
      expect(translated.message).to.not.contain(SECRET);
      expect(JSON.stringify(logFieldsOf(echoed))).to.not.contain(SECRET);
    });

    it('names the fields at fault and the kind of fault, nothing else', () => {
      expect(translateApiError(echoed, create).message).to.equal(
        'Secret "api-ns/login" was refused by the cluster as invalid (data[password]: invalid value; metadata.name: required value; (object): invalid value)',
      );
      expect(describeApiError(echoed)).to.deep.equal({
        status: 422, reason: 'Invalid',
        causes: [{ field: 'data[password]', reason: 'FieldValueInvalid' }, { field: 'metadata.name', reason: 'FieldValueRequired' }, { field: '', reason: 'FieldValueInvalid' }],
      });
    });

    it('logs an error it does not know by its name only', () => {
      expect(logFieldsOf(new Error(`something with ${SECRET}`))).to.deep.equal({ error: 'Error' });
      expect(translateApiError(new Error(`something with ${SECRET}`), read).message).to.not.contain(SECRET);
    });

    it('ignores a reason that is not a single word', () => {
      expect(describeApiError(apiException(403, { reason: `Forbidden ${SECRET}` }))).to.deep.equal({ status: 403, causes: [] });
    });
  });
});
