/** What `mesitis dev` tells a person who just started it. */
import { isAbsolute, relative } from 'node:path';
import { authEnabled, type AuthSettings } from '../adapters/http/auth.js';
import type { Catalog } from '../domain/catalog.js';
import { counted } from './counted.js';

export interface CatalogCounts {
  /** Plans served: one per accepted entry. */
  readonly served: number;
  /** Catalog-entry ConfigMaps left out of the catalog for a problem. */
  readonly refused: number;
}

/** Problems name their ConfigMap; those that are not resource templates are refused entries. */
export function catalogCounts(catalog: Catalog): CatalogCounts {
  const templates = new Set(catalog.templates.map((template) => template.source));
  const refused = new Set(catalog.problems.map((problem) => problem.source).filter((source) => !templates.has(source)));
  return { served: catalog.offerings.reduce((n, offering) => n + offering.plans.length, 0), refused: refused.size };
}

export interface BannerFacts {
  readonly url: string;
  readonly auth: AuthSettings;
  readonly namespace: string;
  readonly manifests: readonly string[];
  readonly counts: CatalogCounts;
}

/** A path under the working directory as the person would type it; anything else as it is. */
const shown = (path: string): string => {
  const under = relative(process.cwd(), path);
  return under === '' ? '.' : under.startsWith('..') || isAbsolute(under) ? path : under;
};

export function devBanner({ url, auth, namespace, manifests, counts }: BannerFacts): string {
  const credentials = auth.bearerToken !== undefined
    ? `-H 'Authorization: Bearer ${'*'.repeat(8)}' `
    : authEnabled(auth) ? `-u ${auth.username}:${'*'.repeat(8)} ` : '';
  const refused = counts.refused === 0
    ? 'none refused'
    : `${counted(counts.refused, 'entry', 'entries')} REFUSED: curl -s ${credentials}${url}/admin/catalog/problems says why`;
  return [
    '',
    `Mesitis dev broker listening on ${url}`,
    `  fake cluster loaded from ${manifests.map(shown).join(', ')} (broker namespace ${namespace})`,
    `  catalog: ${counted(counts.served, 'entry', 'entries')} served, ${refused}`,
    `  state: in memory; auth: ${authEnabled(auth) ? (auth.bearerToken !== undefined ? 'bearer token' : `basic (user ${auth.username})`) : 'NONE (open: dev mode only; pass --username/--password to require it)'}`,
    '',
    'Try:',
    `  curl -s ${credentials}-H 'X-Broker-API-Version: 2.17' ${url}/v2/catalog`,
    '',
  ].join('\n');
}
