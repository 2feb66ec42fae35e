import { expect } from 'chai';
import { describeRef, isSupportedKind, refOf, sameRef } from '../../../src/domain/kube-object.js';
import { configMap } from '../builders.js';

describe('domain/kube-object', () => {
  it('supports exactly the six kinds Mesitis may create', () => {
    expect(['Deployment', 'ReplicaSet', 'Service', 'Pod', 'ConfigMap', 'Secret'].every(isSupportedKind)).to.equal(true);
    expect(isSupportedKind('Job')).to.equal(false);
    expect(isSupportedKind('configmap')).to.equal(false);
  });

  it('makes a reference of an object and describes it', () => {
    const ref = refOf({ ...configMap('c'), metadata: { name: 'c', namespace: 'ns' } });
    expect(ref).to.deep.equal({ kind: 'ConfigMap', namespace: 'ns', name: 'c' });
    expect(describeRef(ref)).to.equal('ConfigMap ns/c');
  });

  it('refuses to make a reference of an unsupported kind', () => {
    expect(() => refOf({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' } })).to.throw('unsupported kind Job');
  });

  it('compares references by kind, namespace and name', () => {
    const ref = { kind: 'Service', namespace: 'ns', name: 's' } as const;
    expect(sameRef(ref, { ...ref })).to.equal(true);
    expect(sameRef(ref, { ...ref, kind: 'Pod' })).to.equal(false);
    expect(sameRef(ref, { ...ref, namespace: 'other' })).to.equal(false);
    expect(sameRef(ref, { ...ref, name: 'other' })).to.equal(false);
  });
});
