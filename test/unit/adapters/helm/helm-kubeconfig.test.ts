/** The broker's identity, handed to helm as client-go reads it. */
import { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { helmKubeconfig } from '../../../../src/adapters/helm/helm-kubeconfig.js';

const written = (config: KubeConfig): Record<string, unknown> => {
  const result = helmKubeconfig(config);
  if (!result.ok) throw new Error(result.problem);
  return JSON.parse(result.text) as Record<string, unknown>;
};

describe('helmKubeconfig', function () {
  it("turns the in-cluster service account (client-node's tokenFile provider) into client-go's tokenFile, so helm re-reads the rotating token", function () {
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: 'in-cluster', server: 'https://10.0.0.1:443', caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt', skipTLSVerify: false }],
      users: [{ name: 'sa', authProvider: { name: 'tokenFile', config: { tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' } } }],
      contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'sa' }],
      currentContext: 'in-cluster',
    });
    expect(written(config)).to.deep.equal({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'broker', cluster: { server: 'https://10.0.0.1:443', 'certificate-authority': '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt' } }],
      users: [{ name: 'broker', user: { tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' } }],
      contexts: [{ name: 'broker', context: { cluster: 'broker', user: 'broker' } }],
      'current-context': 'broker',
    });
  });

  it('keeps only the current context, with client certificates, CA data and the context namespace', function () {
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: 'a', server: 'https://a:6443', caData: 'Q0E=', skipTLSVerify: false }, { name: 'b', server: 'https://b:6443', skipTLSVerify: true }],
      users: [{ name: 'ua', certData: 'Q0VSVA==', keyData: 'S0VZ' }, { name: 'ub', token: 'other' }],
      contexts: [{ name: 'ca', cluster: 'a', user: 'ua', namespace: 'provider-ns' }, { name: 'cb', cluster: 'b', user: 'ub' }],
      currentContext: 'ca',
    });
    const text = JSON.stringify(written(config));
    expect(written(config)['users']).to.deep.equal([{ name: 'broker', user: { 'client-certificate-data': 'Q0VSVA==', 'client-key-data': 'S0VZ' } }]);
    expect(written(config)['contexts']).to.deep.equal([{ name: 'broker', context: { cluster: 'broker', user: 'broker', namespace: 'provider-ns' } }]);
    expect(text).to.include('Q0E=').and.not.include('https://b:6443').and.not.include('other');
  });

  it('reports a config without a current cluster', function () {
    expect(helmKubeconfig(new KubeConfig())).to.deep.equal({ ok: false, problem: 'the kubeconfig has no current context with a cluster' });
  });
});
