/**
 * Catalog entries whose credentials come from Vault, for the HTTP and
 * real-Vault tests: a client certificate per binding (PKI, leased) and an
 * API key per consumer namespace (KV v2, static).
 */
import type { KubeObject } from '../../src/domain/kube-object.js';
import { deriveServiceId } from '../../src/domain/catalog-entry.js';

export const VAULT_NS = { provider: 'provider-ns', client: 'client-ns', other: 'other-ns' } as const;
export const VAULT_PLAN = { certificate: 'plan-vault-cert-1', apiKey: 'plan-vault-kv-1' } as const;
export const VAULT_SERVICE = { certificate: deriveServiceId('security', 'client-cert'), apiKey: deriveServiceId('security', 'api-key') } as const;

function entry(name: string, resource: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name, namespace: VAULT_NS.provider, labels: { 'mesitis/kind': 'catalog-entry', 'mesitis/enabled': 'true' } },
    data: { 'wrapped-resource': JSON.stringify(resource) },
  };
}

export interface VaultOfferingOptions {
  /** The PKI role's issue path. */
  readonly issuePath: string;
  /** The certificate's TTL asked for, e.g. `10m`. */
  readonly ttl: string;
  /** Where the KV v2 secret of each consumer namespace lives under `secret/`, `{{ consumer.namespace }}` in it. */
  readonly kvPath: string;
}

export function vaultOffering(options: VaultOfferingOptions): KubeObject[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: VAULT_NS.provider } },
    entry('entry-vault-cert', {
      team: 'security', offering: 'client-cert', description: 'A client certificate per binding', uuid: VAULT_PLAN.certificate, version: '1',
      whitelist: [VAULT_NS.client, VAULT_NS.other],
      provisionkind: 'ProvisionNonClusterURL', provisiondata: { url: 'https://mtls.example.com:8443' },
      credentialkind: 'CredentialFromVault',
      credentialdata: { path: options.issuePath, body: { common_name: '{{ binding.shortId }}.{{ consumer.namespace }}.example.com', ttl: options.ttl }, keys: ['certificate', 'private_key', 'issuing_ca'] },
    }),
    entry('entry-vault-kv', {
      team: 'security', offering: 'api-key', description: 'An API key per consumer namespace', uuid: VAULT_PLAN.apiKey, version: '1',
      whitelist: [VAULT_NS.client, VAULT_NS.other],
      provisionkind: 'ProvisionNonClusterURL', provisiondata: { url: 'https://api.example.com' },
      CredentialFromVault: { mount: 'secret', path: options.kvPath, keys: ['apikey'] },
    }),
  ];
}

/** An OSB body for a plan of the offering in `namespace`. */
export const vaultRequest = (plan: keyof typeof VAULT_PLAN, namespace: string = VAULT_NS.client) => ({
  service_id: VAULT_SERVICE[plan], plan_id: VAULT_PLAN[plan],
  organization_guid: 'cluster-1', space_guid: `uid-of-${namespace}`,
  context: { platform: 'kubernetes', namespace, clusterid: 'cluster-1', instance_name: 'vault-test' },
});
