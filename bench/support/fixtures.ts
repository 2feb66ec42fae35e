/**
 * Provider configuration built in code, in the shapes providing teams write
 * (see test/support/provider-fixture.ts): N catalog entries, and dedicated
 * offerings whose plans make N objects. The same object bodies are used for
 * the direct client-node baseline, so both sides send the same objects.
 */
import type { KubeObject } from '../../src/domain/kube-object.js';

type SupportedKind = 'Deployment' | 'ReplicaSet' | 'Service' | 'Pod' | 'ConfigMap' | 'Secret';

export const CONSUMER_NAMESPACE = 'client-ns';
const PROVIDER_LABELS = { 'mesitis/enabled': 'true' } as const;

/** A fixed, valid UUID per (kind of id, index): stable across runs, so results compare. */
export function benchUuid(group: number, index: number): string {
  return `00000000-0000-4000-8${String(group).padStart(3, '0')}-${index.toString(16).padStart(12, '0')}`;
}

export const namespace = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

function entryConfigMap(brokerNamespace: string, name: string, resource: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name, namespace: brokerNamespace, labels: { 'mesitis/kind': 'catalog-entry', ...PROVIDER_LABELS } },
    data: { 'wrapped-resource': JSON.stringify(resource) },
  };
}

/**
 * `count` catalog entries: offerings of four versions each, URL provisioners
 * with credentials from the catalog, two consumer namespaces whitelisted.
 */
export function catalogEntries(brokerNamespace: string, count: number): KubeObject[] {
  return Array.from({ length: count }, (_, i) => {
    const offering = `service-${String(Math.floor(i / 4)).padStart(4, '0')}`;
    const version = String((i % 4) + 1);
    return entryConfigMap(brokerNamespace, `entry-${String(i).padStart(5, '0')}`, {
      team: `team-${String(i % 17).padStart(2, '0')}`, offering, version, uuid: benchUuid(1, i),
      description: `${offering} version ${version}: a generated entry for the benchmark`,
      whitelist: [CONSUMER_NAMESPACE, 'other-ns'],
      provisionkind: 'ProvisionNonClusterURL', provisiondata: { url: `https://${offering}.example.com:8443/v${version}` },
      credentialkind: 'CredentialFromCatalog', credentialdata: { username: `${offering}-user`, password: `generated-password-${i}` },
    });
  });
}

/**
 * The kinds of a plan of n objects: one Service, one Secret, then ConfigMaps.
 * No workload by default: a plan with one must be provisioned asynchronously
 * and its time is the rollout's (the rollout scenario asks for a Deployment
 * first and measures that); the others measure the broker's own work,
 * synchronously.
 */
export function planKinds(n: number, workload = false): SupportedKind[] {
  const order: SupportedKind[] = workload ? ['Deployment', 'Service', 'Secret'] : ['Service', 'Secret'];
  return Array.from({ length: n }, (_, i) => order[i] ?? 'ConfigMap');
}

/** The object of plan position `index`, named `name`; `labels` are added (the broker adds its own on rendering). */
export function planObject(kind: SupportedKind, index: number, name: string, labels: Record<string, string> = {}): KubeObject {
  const metadata = { name, labels: { app: name, ...labels } };
  switch (kind) {
    case 'Deployment':
      return {
        apiVersion: 'apps/v1', kind, metadata,
        spec: {
          replicas: 1, selector: { matchLabels: { app: name } },
          template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'example/app:1', ports: [{ containerPort: 9000 }] }] } },
        },
      };
    case 'Service':
      return { apiVersion: 'v1', kind, metadata, spec: { selector: { app: name }, ports: [{ protocol: 'TCP', port: 80, targetPort: 9000 }] } };
    case 'Secret':
      return { apiVersion: 'v1', kind, metadata, stringData: { 'api-key': `generated-key-${index}` } };
    case 'ConfigMap':
      return { apiVersion: 'v1', kind, metadata, data: { 'settings.json': JSON.stringify({ index, level: 'info', features: ['a', 'b'] }) } };
    case 'Pod':
    case 'ReplicaSet':
      throw new Error(`bug: the bench plans use no ${kind}`);
  }
}

export interface DedicatedOffering {
  readonly offering: string;
  readonly planId: string;
  readonly objects: number;
  /** The entry and its templates, as ConfigMaps of the broker namespace. */
  readonly manifests: KubeObject[];
}

/** A ProvisionNewClusterObjects entry whose plan makes `objects` objects in `targetNamespace`. */
export function dedicatedOffering(brokerNamespace: string, targetNamespace: string, objects: number, group = 2, workload = false): DedicatedOffering {
  const offering = `dedicated-${objects}${workload ? '-workload' : ''}`;
  const planId = benchUuid(group, objects);
  const objectName = (i: number) => `${offering}-{{ instance.shortId }}-${i}`;
  const entry = entryConfigMap(brokerNamespace, `entry-${offering}`, {
    team: 'bench', offering, version: '1', uuid: planId, description: `A plan of ${objects} objects`,
    whitelist: [CONSUMER_NAMESPACE],
    provisionkind: 'ProvisionNewClusterObjects',
    provisiondata: { namespace: targetNamespace, name: objectName(0), labelSelector: `mesitis/offering=${offering}` },
    credentialkind: 'CredentialFromCatalog', credentialdata: { username: 'app', password: 'generated-password' },
  });
  const templates = planKinds(objects, workload).map((kind, i): KubeObject => ({
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: {
      name: `${offering}-template-${String(i).padStart(2, '0')}`, namespace: brokerNamespace,
      labels: { 'mesitis/kind': 'wrapped-service', 'mesitis/offering': offering, 'mesitis/order': String(i + 1), ...PROVIDER_LABELS },
    },
    data: { 'wrapped-resource': JSON.stringify(planObject(kind, i, objectName(i))) },
  }));
  return { offering, planId, objects, manifests: [entry, ...templates] };
}

/** The objects a plan of n makes, named with `suffix` and labelled as the broker labels them: for direct calls. */
export function directObjects(targetNamespace: string, n: number, suffix: string): KubeObject[] {
  const labels = {
    'app.kubernetes.io/managed-by': 'mesitis', 'mesitis/instance': `direct-${suffix}`,
    'mesitis/offering': `dedicated-${n}`, 'mesitis/consumer-namespace': CONSUMER_NAMESPACE,
  };
  return planKinds(n).map((kind, i) => {
    const object = planObject(kind, i, `dedicated-${n}-${suffix}-${i}`, labels);
    return { ...object, metadata: { ...object.metadata, namespace: targetNamespace } };
  });
}
