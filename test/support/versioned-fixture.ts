/**
 * The provider fixture with a version 2 of the dedicated API (updatable from
 * 1: another image, no Service), an entry whose bindings expire, and a way
 * to edit version 1's templates as a provider would: what the upgrade,
 * status and inventory tests of the CLI and the admin API share.
 */
import type { KubeObject } from '../../src/domain/kube-object.js';
import type { MemoryBroker } from './memory-broker.js';
import { NS, providerFixture } from './provider-fixture.js';

export const VERSIONED = {
  v1Plan: 'api-api-service-1',
  v1PlanId: 'plan-dedicated-1',
  v2Plan: 'api-api-service-2',
  v2PlanId: 'plan-dedicated-2',
  service: 'api-api-service',
  expiringPlan: 'web-leased-api-1',
} as const;

const configMap = (name: string, labels: Record<string, string>, resource: unknown): KubeObject => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS.provider, labels }, data: { 'wrapped-resource': JSON.stringify(resource) },
});
const entryLabels = { 'mesitis/kind': 'catalog-entry', 'mesitis/enabled': 'true' };

const deployment = (image: string) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api-{{ instance.shortId }}' },
  spec: { replicas: 1, selector: { matchLabels: { app: 'api-{{ instance.shortId }}' } },
    template: { metadata: { labels: { app: 'api-{{ instance.shortId }}' } }, spec: { containers: [{ name: 'app', image }] } } },
});

export function versionedFixture(): KubeObject[] {
  return [
    ...providerFixture(),
    configMap('entry-dedicated-v2', entryLabels, {
      team: 'api', offering: 'api-service', description: 'A dedicated API per consumer, v2', uuid: VERSIONED.v2PlanId, version: '2', whitelist: [NS.client],
      updatableFrom: ['1'], provisionkind: 'ProvisionNewClusterObjects',
      provisiondata: { namespace: NS.target, name: 'api-{{ instance.shortId }}', labelSelector: 'mesitis/offering=api-service-v2' },
      credentialkind: 'CredentialNoCredential',
    }),
    configMap('api-v2-deployment', { 'mesitis/kind': 'wrapped-service', 'mesitis/enabled': 'true', 'mesitis/offering': 'api-service-v2', 'mesitis/order': '1' },
      deployment('example/app:2')),
    configMap('entry-leased', entryLabels, {
      team: 'web', offering: 'leased-api', description: 'Credentials that expire', uuid: 'plan-leased-1', version: '1', whitelist: [NS.client],
      bindinglifetime: '720h', renewbefore: '24h',
      provisionkind: 'ProvisionNonClusterURL', provisiondata: { url: 'https://leased.example.com' },
      credentialkind: 'CredentialFromCatalog', credentialdata: { username: 'leased-user', password: 'leased-secret-password' },
    }),
  ];
}

/** A provider's edit of version 1's Deployment template under the same version: a new maintenance level of plan 1. */
export function editVersion1(broker: MemoryBroker, image = 'example/app:1.1'): void {
  const template = broker.cluster.get({ kind: 'ConfigMap', namespace: NS.provider, name: 'api-service-deployment' });
  if (template === undefined) throw new Error('the fixture has no api-service-deployment template');
  const { resourceVersion: _stale, ...metadata } = template.metadata;
  const replaced = broker.cluster.replace({ ...template, metadata, data: { 'wrapped-resource': JSON.stringify(deployment(image)) } });
  if (!replaced.ok) throw new Error(replaced.error.message);
}

/** The image of the instance's Deployment in the target namespace (the fixture makes one per instance). */
export function deployedImages(broker: MemoryBroker): string[] {
  return broker.cluster.list('Deployment', NS.target).map((object) =>
    (object['spec'] as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image);
}
