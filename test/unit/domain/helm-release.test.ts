import { expect } from 'chai';
import { chartSourceProblem, describeChart, releaseRefProblem } from '../../../src/domain/helm-release.js';

describe('Helm release names and chart sources', function () {
  it('accepts the release names helm accepts, and nothing that could pass for a flag', function () {
    expect(releaseRefProblem({ namespace: 'client-ns', name: 'db-1a2b3c4d' })).to.equal(undefined);
    expect(releaseRefProblem({ namespace: 'client-ns', name: 'a.b' })).to.equal(undefined);
    for (const name of ['--set=x', '-n', 'Upper', 'x'.repeat(54), '', 'a_b', 'db-']) {
      expect(releaseRefProblem({ namespace: 'client-ns', name }), name).to.be.a('string');
    }
    expect(releaseRefProblem({ namespace: '--all-namespaces', name: 'db' })).to.include('namespace');
  });

  it('accepts packaged, repository and OCI charts named the way helm takes them', function () {
    expect(chartSourceProblem({ kind: 'packaged', archive: new Uint8Array([31, 139]) })).to.equal(undefined);
    expect(chartSourceProblem({ kind: 'packaged', archive: new Uint8Array() })).to.equal('the packaged chart is empty');
    expect(chartSourceProblem({ kind: 'repository', url: 'https://charts.example/stable', chart: 'postgresql', version: '12.1.0' })).to.equal(undefined);
    expect(chartSourceProblem({ kind: 'repository', url: 'ftp://charts.example', chart: 'postgresql', version: '1.0.0' })).to.be.a('string');
    expect(chartSourceProblem({ kind: 'repository', url: 'https://charts.example', chart: '--devel', version: '1.0.0' })).to.be.a('string');
    expect(chartSourceProblem({ kind: 'repository', url: 'https://charts.example', chart: 'db', version: '--x' })).to.be.a('string');
    expect(chartSourceProblem({ kind: 'oci', reference: 'oci://registry.example:5000/charts/db', version: '1.0.0' })).to.equal(undefined);
    expect(chartSourceProblem({ kind: 'oci', reference: 'oci://registry.example/charts/db:1.0.0' })).to.equal(undefined);
    expect(chartSourceProblem({ kind: 'oci', reference: 'https://registry.example/charts/db' })).to.be.a('string');
  });

  it('never names credentials in a repository URL, nor the bytes of a packaged chart', function () {
    const problem = chartSourceProblem({ kind: 'repository', url: 'https://user:t0ken@charts.example', chart: 'db', version: '1.0.0' });
    expect(problem).to.be.a('string').and.not.include('t0ken');
    expect(describeChart({ kind: 'packaged', archive: new Uint8Array(5) })).to.equal('a packaged chart (5 bytes)');
  });
});
