/** Catalog-entry ConfigMap documents for the config adapter tests. */
import type { ConfigMapDocument } from '../../../../src/adapters/config/config-map-document.js';

export const ENTRY_LABELS = { 'mesitis/kind': 'catalog-entry', 'mesitis/enabled': 'true' };

/** The catalog entry of the original description, field for field. */
export const DESCRIPTION_ENTRY = {
  team: 'api',
  offering: 'api-service',
  description: 'An api service offered by the API team',
  uuid: '3',
  version: '1',
  whitelist: ['client-ns'],
  provisionkind: 'ProvisionConfigMapObjects',
  provisiondata: { namespace: 'api-ns', name: 'api-service', labelSelector: 'mesitis/offering=api-service' },
  credentialkind: 'CredentialFromCatalog',
  credentialdata: { username: 'iamtheuser', password: 'iamthepassword' },
};

/** A URL entry with catalog credentials; `fields` are merged over it (undefined removes a field). */
export function urlEntryFields(fields: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    team: 'weather', offering: 'forecast', description: 'Forecasts', uuid: 'plan-1', version: '1', whitelist: ['client-ns'],
    provisionkind: 'ProvisionNonClusterURL', provisiondata: { url: 'https://forecast.example.com' },
    credentialkind: 'CredentialFromCatalog', credentialdata: { username: 'example-user', password: 'example-password-1' },
  };
  const merged = { ...base, ...fields };
  return Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined));
}

export function jsonDoc(name: string, fields: Record<string, unknown>, key = 'wrapped-resource', labels: Record<string, string> = ENTRY_LABELS): ConfigMapDocument {
  return { name, labels, data: { [key]: JSON.stringify(fields, null, 2) } };
}

export function textDoc(name: string, text: string, key = 'wrapped-resource', labels: Record<string, string> = ENTRY_LABELS): ConfigMapDocument {
  return { name, labels, data: { [key]: text } };
}
