import { expect } from 'chai';
import { describeRef, refOf, sameRef } from '../../../src/domain/kube-object.js';
import { configMap } from '../builders.js';

describe('domain/kube-object', () => {
  it('makes a reference of an object and describes it', () => {
    const ref = refOf({ ...configMap('c'), metadata: { name: 'c', namespace: 'ns' } });
    expect(ref).to.deep.equal({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'c' });
    expect(describeRef(ref)).to.equal('ConfigMap ns/c');
  });

  it('makes a reference of any kind, naming the group of a custom resource', () => {
    const ref = refOf({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'db', namespace: 'ns' } });
    expect(ref).to.deep.equal({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', namespace: 'ns', name: 'db' });
    expect(describeRef(ref)).to.equal('Cluster.postgresql.cnpg.io ns/db');
    expect(describeRef(refOf({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'ns' } }))).to.equal('Job ns/j');
  });

  it('compares references by kind, namespace and name', () => {
    const ref = { apiVersion: 'v1', kind: 'Service', namespace: 'ns', name: 's' } as const;
    expect(sameRef(ref, { ...ref })).to.equal(true);
    expect(sameRef(ref, { ...ref, kind: 'Pod' })).to.equal(false);
    expect(sameRef(ref, { ...ref, namespace: 'other' })).to.equal(false);
    expect(sameRef(ref, { ...ref, name: 'other' })).to.equal(false);
    // The group, not the version, is part of an object's identity.
    const cr = { apiVersion: 'example.com/v1', kind: 'Widget', namespace: 'ns', name: 'w' };
    expect(sameRef(cr, { ...cr, apiVersion: 'example.com/v2' })).to.equal(true);
    expect(sameRef(cr, { ...cr, apiVersion: 'other.example.com/v1' })).to.equal(false);
  });
});
