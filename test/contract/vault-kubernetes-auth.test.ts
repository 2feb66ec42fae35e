/**
 * HttpVault logging in with Vault's Kubernetes auth method, as the broker in
 * a Pod would: Vault checks the ServiceAccount token with a TokenReview
 * against the shared test cluster's apiserver (https://127.0.0.1:PORT and its
 * CA), authenticating the review with a reviewer ServiceAccount bound to
 * system:auth-delegator; the tokens come from the TokenRequest API.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { expect } from 'chai';
import { HttpVault } from '../../src/adapters/vault/http-vault.js';
import type { KubernetesApis } from '../../src/adapters/kubernetes/api-clients.js';
import { adminApis, deleteNamespace, freshNamespace, kubeConfigFrom, requireTestClusterOrSkip, silentLogger } from '../support/real-cluster.js';
import { sharedTestCluster, type TestCluster } from '../support/test-cluster.js';
import { BROKER_POLICY, requireVaultServerOrSkip, sharedVaultServer, VAULT_PKI, writeBrokerPolicy, type VaultServer } from '../support/vault-server.js';
import { RecordingLogger } from '../unit/application/fakes.js';
import { expectFailure, expectOk } from './vault.contract.js';

const BROKER_SA = 'broker';
const REVIEWER_SA = 'vault-reviewer';
const ROLE = 'mesitis';
const BATCH_ROLE = 'mesitis-batch';

async function serviceAccountToken(admin: KubernetesApis, namespace: string, name: string): Promise<string> {
  const answer = await admin.core.createNamespacedServiceAccountToken({ namespace, name, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const token = answer.status?.token;
  if (token === undefined) throw new Error(`TokenRequest for ${namespace}/${name} gave no token`);
  return token;
}

describe('HttpVault with Kubernetes auth against the test cluster', function () {
  let server: VaultServer;
  let cluster: TestCluster;
  let admin: KubernetesApis;
  let namespace: string;
  let mount: string;
  let dir: string;
  let tokenFile: string;
  let reviewerBinding: string;

  before(async function () {
    requireVaultServerOrSkip(this, 'HttpVault with Kubernetes auth');
    requireTestClusterOrSkip(this, 'HttpVault with Kubernetes auth');
    this.timeout(20 * 60_000); // the first run builds Vault and the cluster
    [server, cluster] = await Promise.all([sharedVaultServer(), sharedTestCluster()]);
    await writeBrokerPolicy(server);
    admin = adminApis(cluster.adminKubeconfig);
    namespace = await freshNamespace(admin, 'vault-auth');
    for (const name of [BROKER_SA, REVIEWER_SA]) await admin.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
    reviewerBinding = `${namespace}-token-reviewer`;
    await kubeConfigFrom(cluster.adminKubeconfig)
      .makeApiClient(RbacAuthorizationV1Api)
      .createClusterRoleBinding({
        body: {
          metadata: { name: reviewerBinding },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:auth-delegator' },
          subjects: [{ kind: 'ServiceAccount', namespace, name: REVIEWER_SA }],
        },
      });

    mount = `kubernetes-${randomBytes(4).toString('hex')}`;
    const caData = kubeConfigFrom(cluster.adminKubeconfig).getCurrentCluster()?.caData;
    if (caData === undefined) throw new Error('the admin kubeconfig has no CA data');
    await server.request('POST', `sys/auth/${mount}`, { type: 'kubernetes' });
    await server.request('POST', `auth/${mount}/config`, {
      kubernetes_host: cluster.server,
      kubernetes_ca_cert: Buffer.from(caData, 'base64').toString('utf8'),
      token_reviewer_jwt: await serviceAccountToken(admin, namespace, REVIEWER_SA),
      disable_local_ca_jwt: true,
    });
    await server.request('POST', `auth/${mount}/role/${ROLE}`, {
      bound_service_account_names: [BROKER_SA],
      bound_service_account_namespaces: [namespace],
      token_policies: [BROKER_POLICY],
      token_ttl: '1h',
    });
    // Batch tokens cannot be renewed: the keeper must log in again instead.
    await server.request('POST', `auth/${mount}/role/${BATCH_ROLE}`, {
      bound_service_account_names: [BROKER_SA],
      bound_service_account_namespaces: [namespace],
      token_policies: [BROKER_POLICY],
      token_ttl: '1h',
      token_type: 'batch',
    });

    dir = await mkdtemp(join(tmpdir(), 'mesitis-vault-sa-'));
    tokenFile = join(dir, 'token');
  });

  after(async function () {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    if (mount !== undefined) await server.request('DELETE', `sys/auth/${mount}`).catch(() => undefined);
    if (reviewerBinding !== undefined) {
      await kubeConfigFrom(cluster.adminKubeconfig).makeApiClient(RbacAuthorizationV1Api).deleteClusterRoleBinding({ name: reviewerBinding }).catch(() => undefined);
    }
    if (namespace !== undefined) await deleteNamespace(admin, namespace);
  });

  const vaultFor = (): HttpVault => new HttpVault({ address: server.address, auth: { method: 'kubernetes', role: ROLE, mount, tokenFile } }, silentLogger());

  it('logs in with a ServiceAccount token and reads and leases under the role policy', async function () {
    await writeFile(tokenFile, await serviceAccountToken(admin, namespace, BROKER_SA));
    await server.request('POST', 'secret/data/k8s-auth/probe', { data: { username: 'app' } });
    const vault = vaultFor();
    try {
      expect(expectOk(await vault.readStatic({ mount: 'secret', path: 'k8s-auth/probe' })).values).to.deep.equal({ username: 'app' });
      const lease = expectOk(await vault.leaseCredential(VAULT_PKI.issuePath, { common_name: 'k8s-auth.example.com' }));
      expectOk(await vault.revokeLease(lease.leaseId));
    } finally {
      vault.close();
    }
  });

  it('reads the token file again at each login, and a ServiceAccount the role does not name is forbidden', async function () {
    await writeFile(tokenFile, await serviceAccountToken(admin, namespace, BROKER_SA));
    await server.request('POST', 'secret/data/k8s-auth/probe', { data: { username: 'app' } });
    const vault = vaultFor();
    try {
      expectOk(await vault.readStatic({ mount: 'secret', path: 'k8s-auth/probe' }));

      // The file now holds another ServiceAccount's token, and Vault drops every token of this mount.
      await writeFile(tokenFile, await serviceAccountToken(admin, namespace, 'default'));
      await server.request('PUT', `sys/leases/revoke-prefix/auth/${mount}/login`);
      const refused = expectFailure(await vault.readStatic({ mount: 'secret', path: 'k8s-auth/probe' }), 'forbidden');
      expect(refused.kind).to.equal('Forbidden');
      expect(refused.message).to.contain(`role ${ROLE}`);

      await writeFile(tokenFile, await serviceAccountToken(admin, namespace, BROKER_SA));
      expectOk(await vault.readStatic({ mount: 'secret', path: 'k8s-auth/probe' }));
    } finally {
      vault.close();
    }
  });

  for (const [role, renews] of [[ROLE, true], [BATCH_ROLE, false]] as const) {
    it(`${renews ? 'renews its token (renew-self)' : 'logs in again, its batch token being not renewable,'} once two thirds of the TTL are gone`, async function () {
      await writeFile(tokenFile, await serviceAccountToken(admin, namespace, BROKER_SA));
      await server.request('POST', 'secret/data/k8s-auth/probe', { data: { username: 'app' } });
      const logger = new RecordingLogger();
      let clock = Date.now();
      const vault = new HttpVault({ address: server.address, auth: { method: 'kubernetes', role, mount, tokenFile } }, logger, () => clock);
      const count = (message: string): number => logger.lines.filter((line) => line.message === message).length;
      try {
        expectOk(await vault.readStatic({ mount: 'secret', path: 'k8s-auth/probe' }));
        clock += 30 * 60_000;
        expectOk(await vault.readStatic({ mount: 'secret', path: 'k8s-auth/probe' }));
        expect([count('logged in to vault'), count('vault token renewed')], 'nothing due at half the TTL').to.deep.equal([1, 0]);
        clock += 11 * 60_000;
        expectOk(await vault.readStatic({ mount: 'secret', path: 'k8s-auth/probe' }));
        expect([count('logged in to vault'), count('vault token renewed')]).to.deep.equal(renews ? [1, 1] : [2, 0]);
      } finally {
        vault.close();
      }
    });
  }

  it('fails (not forbidden) when the token file cannot be read', async function () {
    const vault = new HttpVault({ address: server.address, auth: { method: 'kubernetes', role: ROLE, mount, tokenFile: join(dir, 'absent') } }, silentLogger());
    try {
      const error = expectFailure(await vault.readStatic({ mount: 'secret', path: 'k8s-auth/probe' }), 'failed');
      expect(error.message).to.contain('ENOENT');
    } finally {
      vault.close();
    }
  });
});
