/** Builders for domain values used across the unit tests: sensible defaults, override what matters. */
import type { CatalogEntry } from '../../src/domain/catalog-entry.js';
import type { KubeObject } from '../../src/domain/kube-object.js';
import { RECORD_SCHEMA, type BindingRecord, type InstanceRecord } from '../../src/domain/records.js';
import { ENABLED_LABEL, ORDER_LABEL, type ResourceTemplate } from '../../src/domain/resource-template.js';
import type { Result } from '../../src/domain/result.js';
import type { InstanceFacts } from '../../src/domain/template-variables.js';

export const PROVIDER_NS = 'provider-ns';
export const CLIENT_NS = 'client-ns';
export const OTHER_NS = 'other-ns';
export const SERVICE_ID = '11111111-1111-4111-8111-111111111111';
export const URL_PLAN_ID = '22222222-2222-4222-8222-222222222222';
export const DEDICATED_PLAN_ID = '33333333-3333-4333-8333-333333333333';

/** A shared-service entry: a URL outside the cluster, credentials in the catalog. */
export function urlEntry(overrides: Partial<CatalogEntry> = {}): CatalogEntry {
  return {
    source: 'entry-db-v1',
    team: 'data',
    offering: 'postgres',
    description: 'A shared PostgreSQL',
    version: 'v1',
    planId: URL_PLAN_ID,
    serviceId: SERVICE_ID,
    whitelist: [CLIENT_NS],
    provisioner: { kind: 'NonClusterURL', url: 'postgres://db.example.com:5432/app' },
    credentials: { kind: 'FromCatalog', values: { username: 'app', password: 's3cr3t-pa55' } },
    ...overrides,
  };
}

/** A dedicated entry: objects rendered from templates selected by `mesitis/offering=api`. */
export function dedicatedEntry(overrides: Partial<CatalogEntry> = {}): CatalogEntry {
  return {
    source: 'entry-api-v1',
    team: 'web',
    offering: 'api',
    description: 'A dedicated API server',
    version: 'v1',
    planId: DEDICATED_PLAN_ID,
    serviceId: '44444444-4444-4444-8444-444444444444',
    whitelist: [CLIENT_NS],
    provisioner: { kind: 'NewClusterObjects', namespace: PROVIDER_NS, name: 'api-{{ instance.shortId }}', labelSelector: 'mesitis/offering=api' },
    credentials: { kind: 'NoCredential' },
    ...overrides,
  };
}

export function template(source: string, object: KubeObject, labels: Record<string, string> = {}): ResourceTemplate {
  return { source, labels: { [ENABLED_LABEL]: 'true', 'mesitis/offering': 'api', ...labels }, object };
}

export const ordered = (order: string, extra: Record<string, string> = {}): Record<string, string> => ({ [ORDER_LABEL]: order, ...extra });

export function configMap(name: string, data: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data };
}

export function deployment(name: string, replicas = 1): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: 'nginx:1.27' }] } },
    },
  };
}

export function service(name: string, port = 8080): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port }] } };
}

export function secret(name: string, data: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: data };
}

/** The three templates of the dedicated entry, created in this order: ConfigMap, Deployment, Service. */
export function apiTemplates(): ResourceTemplate[] {
  return [
    template('tpl-service', service('api-{{ instance.shortId }}'), ordered('30')),
    template('tpl-config', configMap('api-config-{{ instance.shortId }}', { owner: '{{ consumer.namespace }}' }), ordered('10')),
    template('tpl-deployment', deployment('api-{{ instance.shortId }}'), ordered('20')),
  ];
}

/**
 * Templates for the dedicated entry without any kind that takes time to become
 * ready, created in this order: ConfigMap, Secret, Service. A plan made of
 * them is finished as soon as its objects exist, so it provisions synchronously.
 */
export function quickApiTemplates(): ResourceTemplate[] {
  return [
    template('tpl-service', service('api-{{ instance.shortId }}'), ordered('30')),
    template('tpl-config', configMap('api-config-{{ instance.shortId }}', { owner: '{{ consumer.namespace }}' }), ordered('10')),
    template('tpl-secret', secret('api-secret-{{ instance.shortId }}', { token: 'not-a-credential' }), ordered('20')),
  ];
}

export function facts(overrides: Partial<InstanceFacts> = {}): InstanceFacts {
  return {
    instanceId: 'instance-1',
    instanceName: 'my-api',
    consumerNamespace: CLIENT_NS,
    team: 'web',
    offering: 'api',
    version: 'v1',
    parameters: {},
    ...overrides,
  };
}

export function instanceRecord(overrides: Partial<InstanceRecord> = {}): InstanceRecord {
  return {
    schema: RECORD_SCHEMA,
    id: 'instance-1',
    serviceId: SERVICE_ID,
    planId: URL_PLAN_ID,
    entrySource: 'entry-db-v1',
    consumerNamespace: CLIENT_NS,
    context: { platform: 'kubernetes', namespace: CLIENT_NS },
    parameters: { size: 'small' },
    objects: [],
    status: 'ready',
    operation: { id: 'op-1', type: 'provision', state: 'succeeded', startedAt: '2024-01-01T00:00:00.000Z' },
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
    ...overrides,
  };
}

export function bindingRecord(overrides: Partial<BindingRecord> = {}): BindingRecord {
  return {
    schema: RECORD_SCHEMA,
    id: 'binding-1',
    instanceId: 'instance-1',
    serviceId: SERVICE_ID,
    planId: URL_PLAN_ID,
    consumerNamespace: CLIENT_NS,
    context: { platform: 'kubernetes', namespace: CLIENT_NS },
    parameters: {},
    createdAt: '2024-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** The value of an ok Result, or a test failure naming the error. */
export function valueOf<T, E>(result: Result<T, E>): T {
  if (!result.ok) throw new Error(`expected ok, got error ${JSON.stringify(result.error)}`);
  return result.value;
}

/** The error of a failed Result, or a test failure showing the value. */
export function errorOf<T, E>(result: Result<T, E>): E {
  if (result.ok) throw new Error(`expected an error, got ok ${JSON.stringify(result.value)}`);
  return result.error;
}
