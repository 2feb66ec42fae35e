import { expect } from 'chai';
import { deepEqual, isLive, sameBinding, sameProvision } from '../../../src/domain/records.js';
import { CLIENT_NS, OTHER_NS, SERVICE_ID, URL_PLAN_ID, bindingRecord, instanceRecord } from '../builders.js';

const request = { serviceId: SERVICE_ID, planId: URL_PLAN_ID, consumerNamespace: CLIENT_NS, parameters: { size: 'small' } };

describe('domain/records', () => {
  describe('sameProvision', () => {
    it('is true for the same service, plan, namespace and parameters', () => {
      expect(sameProvision(instanceRecord(), request)).to.equal(true);
      expect(sameProvision(instanceRecord({ parameters: { a: 1, b: 2 } }), { ...request, parameters: { b: 2, a: 1 } })).to.equal(true);
    });

    it('is false when any attribute differs', () => {
      expect(sameProvision(instanceRecord(), { ...request, serviceId: 'other' }), 'service').to.equal(false);
      expect(sameProvision(instanceRecord(), { ...request, planId: 'other' }), 'plan').to.equal(false);
      expect(sameProvision(instanceRecord(), { ...request, consumerNamespace: OTHER_NS }), 'namespace').to.equal(false);
      expect(sameProvision(instanceRecord(), { ...request, parameters: { size: 'large' } }), 'parameters').to.equal(false);
      expect(sameProvision(instanceRecord(), { ...request, parameters: {} }), 'fewer parameters').to.equal(false);
    });
  });

  describe('sameBinding', () => {
    it('also compares the instance', () => {
      const wanted = { ...request, parameters: {}, instanceId: 'instance-1' };
      expect(sameBinding(bindingRecord(), wanted)).to.equal(true);
      expect(sameBinding(bindingRecord(), { ...wanted, instanceId: 'instance-2' })).to.equal(false);
      expect(sameBinding(bindingRecord(), { ...wanted, parameters: { x: 1 } })).to.equal(false);
    });
  });

  describe('isLive', () => {
    it('is false only for a tombstone', () => {
      expect(isLive(instanceRecord({ status: 'gone' }))).to.equal(false);
      expect(isLive(instanceRecord({ status: 'failed' }))).to.equal(true);
    });
  });

  describe('deepEqual', () => {
    it('compares scalars, arrays and objects by value, ignoring key order', () => {
      expect(deepEqual({ a: [1, { b: 'x' }], c: null }, { c: null, a: [1, { b: 'x' }] })).to.equal(true);
      expect(deepEqual('1', '1')).to.equal(true);
    });

    it('tells apart different values, types and shapes', () => {
      expect(deepEqual({ a: 1 }, { a: '1' })).to.equal(false);
      expect(deepEqual([1, 2], [2, 1])).to.equal(false);
      expect(deepEqual([1], { 0: 1 })).to.equal(false);
      expect(deepEqual({ a: 1 }, { a: 1, b: 2 })).to.equal(false);
      expect(deepEqual(null, {})).to.equal(false);
      expect(deepEqual({ a: { b: 1 } }, { a: { b: 2 } })).to.equal(false);
    });

    it('does not take a missing key for an undefined one', () => {
      expect(deepEqual({ a: undefined }, { b: 1 })).to.equal(false);
    });
  });
});
