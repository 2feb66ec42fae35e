/** The rights a consuming team has: Secrets in its own namespace, as the plain user "consumer" of the test cluster. */
import { RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { adminApis, kubeConfigFrom } from './real-cluster.js';
import type { TestCluster } from './test-cluster.js';

/** Lets user "consumer" manage Secrets in the namespace, and waits until RBAC says so. */
export async function grantSecretsTo(cluster: TestCluster, namespace: string): Promise<void> {
  const rbac = kubeConfigFrom(cluster.adminKubeconfig).makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({
    namespace,
    body: { metadata: { name: 'consumer-secrets' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'create', 'update', 'delete'] }] },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: 'consumer-secrets' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'consumer-secrets' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'consumer' }],
    },
  });
  const consumer = adminApis(cluster.consumerKubeconfig);
  for (let attempt = 0; attempt < 100; attempt++) {
    // 404 for a Secret that does not exist means RBAC let the read through.
    const status = await consumer.core.readNamespacedSecret({ namespace, name: 'rbac-probe' }).then(() => 200, (error: { code?: number }) => error.code);
    if (status === 404) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`RBAC never let "consumer" at Secrets in ${namespace}`);
}
