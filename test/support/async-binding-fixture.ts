/**
 * An offering whose bindings are asynchronous (issue 13, point 3): each
 * binding gets a Secret with a generated password and a Job that makes the
 * database accept that user. A Job needs time to complete, so a bind answers
 * 202 and is polled through binding last_operation. Separate from
 * providerFixture, whose catalog other tests count. Run it on a memory
 * broker with `simulateControllers: false` to see the Job still running,
 * and complete it with `completeJob`.
 */
import { deriveServiceId } from '../../src/domain/catalog-entry.js';
import type { KubeObject } from '../../src/domain/kube-object.js';
import type { MemoryCluster } from '../../src/adapters/memory/memory-cluster.js';
import { bindingShortId } from '../../src/domain/template-variables.js';
import { kubernetesContext, NS, platformGuids } from './provider-fixture.js';

export const JOB_USERS = { planId: 'plan-job-users-1', serviceId: deriveServiceId('data', 'job-users') } as const;

/** The body of a provision or bind of the offering from client-ns. */
export const jobUsersBody = () => ({ service_id: JOB_USERS.serviceId, plan_id: JOB_USERS.planId, ...platformGuids(NS.client), context: kubernetesContext(NS.client) });
export const jobUsersQuery = `service_id=${JOB_USERS.serviceId}&plan_id=${JOB_USERS.planId}`;

const configMap = (name: string, labels: Record<string, string>, object: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1', kind: 'ConfigMap',
  metadata: { name, namespace: NS.provider, labels: { 'mesitis/kind': 'wrapped-service', 'mesitis/enabled': 'true', ...labels } },
  data: { 'wrapped-resource': JSON.stringify(object) },
});

export function jobUsersOffering(): KubeObject[] {
  return [
    configMap('entry-job-users', { 'mesitis/kind': 'catalog-entry' }, {
      team: 'data', offering: 'job-users', description: 'A database user for each binding, made by a Job', uuid: JOB_USERS.planId, version: '1', whitelist: [NS.client],
      provisionkind: 'ProvisionNewClusterObjects',
      provisiondata: { namespace: NS.target, name: 'jobdb-{{ instance.shortId }}', labelSelector: 'mesitis/offering=job-users', bindingLabelSelector: 'mesitis/binding-of=job-users' },
      credentialkind: 'CredentialFromInstanceSecret',
      credentialdata: { secretname: 'jobdb-user-{{ binding.shortId }}', keys: ['username', 'password'] },
    }),
    configMap('job-users-service', { 'mesitis/offering': 'job-users', 'mesitis/order': '1' }, {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'jobdb-{{ instance.shortId }}' },
      spec: { selector: { app: 'jobdb' }, ports: [{ protocol: 'TCP', port: 5432, targetPort: 5432 }] },
    }),
    configMap('job-users-user', { 'mesitis/binding-of': 'job-users', 'mesitis/order': '1' }, {
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 'jobdb-user-{{ binding.shortId }}' },
      stringData: { username: 'u{{ binding.shortId }}', password: '{{ generated.password length=32 }}' },
    }),
    configMap('job-users-job', { 'mesitis/binding-of': 'job-users', 'mesitis/order': '2' }, {
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'jobdb-create-user-{{ binding.shortId }}' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'create-user', image: 'postgres:16', args: ['create-user', 'u{{ binding.shortId }}'] }] } } },
    }),
  ];
}

/** The binding's Job and Secret as the cluster names them. */
export const jobUsersObjects = (instanceId: string, bindingId: string) => ({
  job: { apiVersion: 'batch/v1', kind: 'Job', namespace: NS.target, name: `jobdb-create-user-${bindingShortId(instanceId, bindingId)}` },
  secret: { apiVersion: 'v1', kind: 'Secret', namespace: NS.target, name: `jobdb-user-${bindingShortId(instanceId, bindingId)}` },
});

/** What the Job controller writes once the Job has run. */
export function completeJob(cluster: MemoryCluster, instanceId: string, bindingId: string): void {
  const written = cluster.setStatus(jobUsersObjects(instanceId, bindingId).job, { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] });
  if (!written.ok) throw new Error(`the Job of binding ${bindingId} does not exist: ${written.error.message}`);
}
