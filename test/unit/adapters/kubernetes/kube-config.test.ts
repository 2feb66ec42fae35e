import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { brokerKubeConfig, brokerNamespace } from '../../../../src/adapters/kubernetes/kube-config.js';

const kubeconfig = (server: string, namespace = 'somewhere') => `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "${server}" } }]
users: [{ name: u, user: { token: example-token } }]
contexts: [{ name: x, context: { cluster: c, user: u, namespace: ${namespace} } }]
current-context: x
`;

describe('adapters/kubernetes/kube-config', () => {
  let dir: string;
  let serviceAccount: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mesitis-kube-config-'));
    serviceAccount = join(dir, 'serviceaccount');
    writeFileSync(join(dir, 'a.kubeconfig'), kubeconfig('https://a.example.com:6443'));
    writeFileSync(join(dir, 'b.kubeconfig'), kubeconfig('https://b.example.com:6443'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const serverOf = (outcome: ReturnType<typeof brokerKubeConfig>) => (outcome.ok ? outcome.value.config.getCurrentCluster()?.server : outcome.problem);

  describe('brokerKubeConfig', () => {
    it('takes --kubeconfig over KUBECONFIG, KUBECONFIG over ~/.kube/config', () => {
      mkdirSync(join(dir, '.kube'));
      writeFileSync(join(dir, '.kube', 'config'), kubeconfig('https://home.example.com'));
      const env = { HOME: dir, KUBECONFIG: join(dir, 'b.kubeconfig'), KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' };
      expect(serverOf(brokerKubeConfig(join(dir, 'a.kubeconfig'), env, serviceAccount))).to.equal('https://a.example.com:6443');
      expect(serverOf(brokerKubeConfig(undefined, env, serviceAccount))).to.equal('https://b.example.com:6443');
      const { KUBECONFIG: _unset, ...withoutKubeconfig } = env;
      expect(serverOf(brokerKubeConfig(undefined, withoutKubeconfig, serviceAccount))).to.equal('https://home.example.com');
    });

    it('refuses a --kubeconfig that does not exist rather than falling back', () => {
      const outcome = brokerKubeConfig(join(dir, 'missing'), { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccount);
      expect(outcome.ok).to.equal(false);
      expect(serverOf(outcome)).to.contain('does not exist');
    });

    it('uses the pod service account when there is no kubeconfig, re-reading its token file', () => {
      const env = { HOME: join(dir, 'nohome'), KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' };
      expect(serverOf(brokerKubeConfig(undefined, env, serviceAccount))).to.contain('token');
      rmSync(serviceAccount, { recursive: true, force: true });
      mkdirSync(serviceAccount);
      writeFileSync(join(serviceAccount, 'token'), 'example-token');
      const outcome = brokerKubeConfig(undefined, env, serviceAccount);
      expect(serverOf(outcome)).to.equal('https://[fd00::1]:443');
      expect(outcome.ok && outcome.value.source).to.equal('in-cluster service account');
      expect(outcome.ok && outcome.value.config.getCurrentUser()?.authProvider).to.deep.equal({ name: 'tokenFile', config: { tokenFile: join(serviceAccount, 'token') } });
      expect(outcome.ok && outcome.value.config.getCurrentCluster()?.caFile).to.equal(join(serviceAccount, 'ca.crt'));
    });

    it('names what is missing when there is neither', () => {
      const outcome = brokerKubeConfig(undefined, { HOME: join(dir, 'nohome') }, serviceAccount);
      expect(serverOf(outcome)).to.match(/no kubeconfig found .* not running in a pod/);
    });
  });

  describe('brokerNamespace', () => {
    it('takes the given namespace (flag or POD_NAMESPACE), else the service account file, never the kubeconfig context', async () => {
      expect(await brokerNamespace('given-ns', serviceAccount)).to.equal('given-ns');
      expect(await brokerNamespace(undefined, serviceAccount)).to.equal(undefined);
      mkdirSync(serviceAccount);
      writeFileSync(join(serviceAccount, 'namespace'), 'provider-ns\n');
      expect(await brokerNamespace(undefined, serviceAccount)).to.equal('provider-ns');
      expect(await brokerNamespace('', serviceAccount)).to.equal('provider-ns');
    });
  });
});
