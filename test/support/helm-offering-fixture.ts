/**
 * A Helm-chart offering as a providing team writes it: the fixture chart
 * (test/fixtures/charts/fixture-db) packaged into a ConfigMap's binaryData,
 * and two versions of a catalog entry installing it, the second updatable
 * from the first. Credentials come from the Secret the chart makes (with a
 * password the chart generates), coordinates from its Service.
 */
import type { KubeObject } from '../../src/domain/kube-object.js';
import { shortId } from '../../src/domain/template-variables.js';
import { NS } from './provider-fixture.js';

export const HELM_NS = 'db-ns';
export const HELM_PLAN = { v1: 'plan-helm-1', v2: 'plan-helm-2', broken: 'plan-helm-broken' } as const;
export const HELM_TEAM = 'data';
export const HELM_OFFERING = 'fixture-db';

/** The release (and Service) name of an instance: the default, `<offering>-<short id>`. */
export const releaseNameOf = (instanceId: string): string => `${HELM_OFFERING}-${shortId(instanceId)}`;

function entry(name: string, fields: Record<string, unknown>, namespace: string): KubeObject {
  return {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name, namespace, labels: { 'mesitis/kind': 'catalog-entry', 'mesitis/enabled': 'true' } },
    data: { 'wrapped-resource': JSON.stringify(fields) },
  };
}

export interface HelmOfferingOptions {
  /** Where the ConfigMaps go (the broker's namespace); default the provider fixture's. */
  readonly provider?: string;
  /** The releases' namespace; default HELM_NS, with a Namespace object for it. */
  readonly target?: string;
  readonly consumer?: string;
  /** Merged into version 2's values. */
  readonly v2Values?: Record<string, unknown>;
  /** Adds version 3, updatable from 1 and 2, whose chart renders a Job the API server refuses: a failing install or upgrade. */
  readonly broken?: boolean;
}

export function helmOffering(chart: Uint8Array, options: HelmOfferingOptions = {}): KubeObject[] {
  const providerNamespace = options.provider ?? NS.provider;
  const common = {
    team: HELM_TEAM, offering: HELM_OFFERING, description: 'A database per consumer, from a Helm chart', whitelist: [options.consumer ?? NS.client],
    credentialkind: 'CredentialFromInstanceSecret', credentialdata: { secretName: '{{ release.name }}-credentials', keys: ['username', 'password'] },
    parameters: { tag: { type: 'string', enum: ['1.0', '1.1'], default: '1.0', description: 'the image tag' } },
    parametersUpdatable: true,
  };
  const provisiondata = (values: Record<string, unknown>) => ({
    namespace: options.target ?? HELM_NS, chart: { configMap: 'fixture-db-chart' }, port: 5432,
    values: { image: 'registry.example/fixture-db:{{ parameters.tag }}', port: 5432, ...values },
  });
  return [
    ...(options.target === undefined ? [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: HELM_NS } }] : []),
    {
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: 'fixture-db-chart', namespace: providerNamespace, labels: { 'mesitis/kind': 'helm-chart' } },
      binaryData: { 'fixture-db-0.1.0.tgz': Buffer.from(chart).toString('base64') },
    },
    entry('entry-helm-v1', { ...common, uuid: HELM_PLAN.v1, version: '1', updatableTo: ['2'], provisionkind: 'ProvisionHelmChart', provisiondata: provisiondata({}) }, providerNamespace),
    entry('entry-helm-v2', { ...common, uuid: HELM_PLAN.v2, version: '2', ProvisionHelmChart: provisiondata({ replicas: 1, ...options.v2Values }) }, providerNamespace),
    ...(options.broken === true
      ? [entry('entry-helm-broken', { ...common, uuid: HELM_PLAN.broken, version: '3', updatableFrom: ['1', '2'], provisionkind: 'ProvisionHelmChart', provisiondata: provisiondata({ brokenJob: true }) }, providerNamespace)]
      : []),
  ];
}
