/** What `mesitis dev` tells a person who just started it. */
import { authEnabled, type AuthSettings } from '../adapters/http/auth.js';

export function devBanner(url: string, auth: AuthSettings, namespace: string, manifests: readonly string[], entries: number): string {
  const credentials = auth.bearerToken !== undefined
    ? `-H 'Authorization: Bearer ${'*'.repeat(8)}' `
    : authEnabled(auth) ? `-u ${auth.username}:${'*'.repeat(8)} ` : '';
  return [
    '',
    `Mesitis dev broker listening on ${url}`,
    `  fake cluster loaded from ${manifests.join(', ')} (broker namespace ${namespace}), ${entries} catalog entries`,
    `  state: in memory; auth: ${authEnabled(auth) ? (auth.bearerToken !== undefined ? 'bearer token' : `basic (user ${auth.username})`) : 'NONE (open: dev mode only; pass --username/--password to require it)'}`,
    '',
    'Try:',
    `  curl -s ${credentials}-H 'X-Broker-API-Version: 2.17' ${url}/v2/catalog`,
    '',
  ].join('\n');
}
