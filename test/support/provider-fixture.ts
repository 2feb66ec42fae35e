/**
 * A small provider setup built in code, so HTTP tests do not depend on the
 * examples/ a person may edit. Ids are fixed for readable assertions.
 */
import type { KubeObject } from '../../src/domain/kube-object.js';

export const NS = { provider: 'provider-ns', client: 'client-ns', other: 'other-ns', target: 'api-ns' } as const;
export const KNOWN_PASSWORD = 'hunter2-known-password';
export const SECRET_PASSWORD = 'from-secret-password-42';

export const PLAN = { url: 'plan-url-1', shared: 'plan-shared-1', dedicated: 'plan-dedicated-1', fixed: 'plan-fixed-1' } as const;

const namespace = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

function entry(name: string, resource: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name, namespace: NS.provider, labels: { 'mesitis/kind': 'catalog-entry', 'mesitis/enabled': 'true' } },
    data: { 'wrapped-resource': JSON.stringify(resource) },
  };
}

function template(name: string, offering: string, order: number, object: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name, namespace: NS.provider, labels: { 'mesitis/kind': 'wrapped-service', 'mesitis/enabled': 'true', 'mesitis/offering': offering, 'mesitis/order': String(order) } },
    data: { 'wrapped-resource': JSON.stringify(object) },
  };
}

const deployment = (name: string) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
  spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'example/app:1' }] } } },
});

const service = (name: string) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name },
  spec: { selector: { app: name }, ports: [{ protocol: 'TCP', port: 80, targetPort: 9000 }] },
});

export function providerFixture(): KubeObject[] {
  return [
    namespace(NS.provider), namespace(NS.client), namespace(NS.other), namespace(NS.target),
    entry('entry-url', {
      team: 'web', offering: 'time-api', description: 'The time, over HTTPS', uuid: PLAN.url, version: '1', whitelist: [NS.client, NS.other],
      provisionkind: 'ProvisionNonClusterURL', provisiondata: { url: 'https://time.example.com:8443/v1' },
      credentialkind: 'CredentialFromCatalog', credentialdata: { username: 'time-user', password: KNOWN_PASSWORD },
    }),
    entry('entry-shared', {
      team: 'data', offering: 'postgres', description: 'A shared Postgres', uuid: PLAN.shared, version: '14', whitelist: [NS.client],
      provisionkind: 'ProvisionExistingClusterService', provisiondata: { namespace: 'data-ns', name: 'postgres', port: 5432 },
      credentialkind: 'CredentialFromClusterSecret', credentialdata: { secretname: 'postgres-credentials' },
    }),
    entry('entry-dedicated', {
      team: 'api', offering: 'api-service', description: 'A dedicated API per consumer', uuid: PLAN.dedicated, version: '1', whitelist: [NS.client, NS.other],
      provisionkind: 'ProvisionNewClusterObjects',
      provisiondata: { namespace: NS.target, name: 'api-{{ instance.shortId }}', labelSelector: 'mesitis/offering=api-service' },
      credentialkind: 'CredentialNoCredential',
    }),
    template('api-service-deployment', 'api-service', 1, deployment('api-{{ instance.shortId }}')),
    template('api-service-service', 'api-service', 2, service('api-{{ instance.shortId }}')),
    entry('entry-fixed', {
      team: 'api', offering: 'fixed-service', description: 'One fixed-name service', uuid: PLAN.fixed, version: '1', whitelist: [NS.client, NS.other],
      provisionkind: 'ProvisionNewClusterObjects',
      provisiondata: { namespace: NS.target, name: 'fixed', labelSelector: 'mesitis/offering=fixed-service' },
      credentialkind: 'CredentialNoCredential',
    }),
    template('fixed-service-service', 'fixed-service', 1, service('fixed')),
    {
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 'postgres-credentials', namespace: NS.provider },
      data: { username: Buffer.from('pg-user').toString('base64'), password: Buffer.from(SECRET_PASSWORD).toString('base64') },
    },
  ];
}

export const GENERATED_PLAN = 'plan-generated-1';

/**
 * A dedicated offering whose password is generated into a Secret of the
 * instance and handed out from it (issue 13). Separate from
 * providerFixture, whose catalog other tests count.
 */
export function generatedOffering(): KubeObject[] {
  return [
    entry('entry-generated', {
      team: 'data', offering: 'own-db', description: 'A database user of your own', uuid: GENERATED_PLAN, version: '1', whitelist: [NS.client],
      provisionkind: 'ProvisionNewClusterObjects',
      provisiondata: { namespace: NS.target, name: 'db-{{ instance.shortId }}', labelSelector: 'mesitis/offering=own-db' },
      credentialkind: 'CredentialFromInstanceSecret', credentialdata: { secretname: 'db-{{ instance.shortId }}', keys: ['username', 'password'] },
    }),
    template('own-db-secret', 'own-db', 1, {
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-{{ instance.shortId }}' },
      stringData: { username: 'app', password: '{{ generated.password length=32 }}' },
    }),
    template('own-db-config', 'own-db', 2, {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'db-config-{{ instance.shortId }}' },
      data: { 'init.sql': "CREATE USER app PASSWORD '{{ generated.password length=32 }}';" },
    }),
  ];
}

/** The OSB context a Kubernetes platform sends for a consumer namespace. */
export const kubernetesContext = (namespace: string, instanceName = 'my-instance') => ({
  platform: 'kubernetes', namespace, clusterid: 'cluster-1', instance_name: instanceName,
});

/**
 * organization_guid and space_guid, REQUIRED in every provision body (OSB
 * spec): Service Catalog sends the cluster id and the namespace's UID.
 */
export const platformGuids = (namespace: string) => ({ organization_guid: 'cluster-1', space_guid: `uid-of-${namespace}` });

export const PER_BINDING_PLAN = { long: 'plan-per-binding-1', short: 'plan-per-binding-short' } as const;

/**
 * A dedicated offering whose instance password is generated and whose
 * bindings each get a user of their own (issue 13): binding templates make a
 * Secret with a password generated for the binding and a ConfigMap that asks
 * the service to accept that user. Two versions: bindings living 30 days,
 * and bindings living one second, for a test to see one expire.
 */
export function perBindingOffering(): KubeObject[] {
  const version = (name: string, uuid: string, bindingLifetime: string, renewBefore?: string) => entry(`entry-per-binding-${name}`, {
    team: 'data', offering: 'own-users', description: 'A database with a user for each binding', uuid, version: name, whitelist: [NS.client],
    provisionkind: 'ProvisionNewClusterObjects',
    provisiondata: { namespace: NS.target, name: 'users-{{ instance.shortId }}', labelSelector: 'mesitis/offering=own-users', bindingLabelSelector: 'mesitis/binding-of=own-users' },
    credentialkind: 'CredentialFromInstanceSecret',
    credentialdata: { secretname: 'users-{{ instance.shortId }}-{{ binding.shortId }}', keys: ['username', 'password'] },
    bindingLifetime, ...(renewBefore !== undefined ? { renewBefore } : {}),
  });
  const bindingTemplate = (name: string, order: number, object: Record<string, unknown>): KubeObject => {
    const made = template(name, 'own-users', order, object);
    const { 'mesitis/offering': _offering, ...labels } = made.metadata.labels!;
    return { ...made, metadata: { ...made.metadata, labels: { ...labels, 'mesitis/binding-of': 'own-users' } } };
  };
  return [
    version('1', PER_BINDING_PLAN.long, '720h', '168h'),
    version('short', PER_BINDING_PLAN.short, '1s'),
    template('own-users-owner', 'own-users', 1, {
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 'users-{{ instance.shortId }}-owner' },
      stringData: { username: 'owner', password: '{{ generated.password length=32 }}' },
    }),
    template('own-users-service', 'own-users', 2, service('users-{{ instance.shortId }}')),
    bindingTemplate('own-users-user', 1, {
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 'users-{{ instance.shortId }}-{{ binding.shortId }}' },
      stringData: { username: 'u{{ binding.shortId }}', password: '{{ generated.password length=32 }}' },
    }),
    bindingTemplate('own-users-role', 2, {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'users-{{ instance.shortId }}-role-{{ binding.shortId }}' },
      data: { role: 'u{{ binding.shortId }}', passwordSecret: 'users-{{ instance.shortId }}-{{ binding.shortId }}' },
    }),
  ];
}
