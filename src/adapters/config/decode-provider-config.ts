/**
 * The provider's ConfigMaps, decoded into entries, templates and problems.
 * Pure; it runs on every ConfigMap change, so each document is decoded on
 * its own (decodeDocument) and a caller may cache those per document.
 */
import { createHash } from 'node:crypto';
import type { CatalogEntry, ConfigProblem } from '../../domain/catalog-entry.js';
import type { ProviderConfig } from '../../domain/catalog.js';
import { ENABLED_LABEL, isProblem, type ResourceTemplate } from '../../domain/resource-template.js';
import { decodeCatalogEntry } from './catalog-entry-codec.js';
import { CATALOG_ENTRY_KIND, HELM_CHART_KIND, KIND_LABEL, type ConfigMapDocument } from './config-map-document.js';
import { decodeResourceTemplate } from './resource-template-codec.js';

export type DecodedDocument =
  | { readonly role: 'entry'; readonly entry: CatalogEntry; readonly createdAt?: string }
  | { readonly role: 'template'; readonly template: ResourceTemplate }
  /** Packaged Helm charts by binaryData key, with a digest of each. */
  | { readonly role: 'charts'; readonly name: string; readonly archives: ReadonlyMap<string, { readonly archive: Uint8Array; readonly digest: string }> }
  | { readonly role: 'broken'; readonly problems: readonly ConfigProblem[] }
  /** Not Mesitis configuration, or a disabled entry: absent, and no problem. */
  | { readonly role: 'ignored' };

const IGNORED: DecodedDocument = { role: 'ignored' };

export function decodeDocument(doc: ConfigMapDocument): DecodedDocument {
  const kind = doc.labels[KIND_LABEL];
  if (kind === undefined) return IGNORED;
  if (kind === HELM_CHART_KIND) return decodeCharts(doc);
  if (kind !== CATALOG_ENTRY_KIND) return { role: 'template', template: decodeResourceTemplate(doc) };
  if (doc.labels[ENABLED_LABEL] !== 'true') return IGNORED;
  const entry = decodeCatalogEntry(doc);
  if (!entry.ok) return { role: 'broken', problems: entry.error };
  return { role: 'entry', entry: entry.value, ...(doc.createdAt !== undefined ? { createdAt: doc.createdAt } : {}) };
}

function decodeCharts(doc: ConfigMapDocument): DecodedDocument {
  const binary = Object.entries(doc.binaryData ?? {});
  if (binary.length === 0) return { role: 'broken', problems: [{ source: doc.name, field: 'binaryData', message: 'holds no packaged chart (put the .tgz under binaryData)' }] };
  const archives = new Map(binary.map(([key, archive]) => [key, { archive, digest: createHash('sha256').update(archive).digest('hex').slice(0, 16) }]));
  return { role: 'charts', name: doc.name, archives };
}

type Charts = ReadonlyMap<string, DecodedDocument & { role: 'charts' }>;

/**
 * A Helm entry's chart ConfigMap resolved to its bytes. One that is
 * missing, or whose key is missing or ambiguous, stays unresolved: the
 * catalog check refuses that entry alone, naming the ConfigMap.
 */
function resolveChart(entry: CatalogEntry, charts: Charts): CatalogEntry {
  const { provisioner } = entry;
  if (provisioner.kind !== 'HelmChart' || provisioner.chart.kind !== 'configMap') return entry;
  const { configMap, key } = provisioner.chart;
  const archives = charts.get(configMap)?.archives;
  const chosen = key ?? (archives?.size === 1 ? [...archives.keys()][0] : undefined);
  const found = chosen === undefined ? undefined : archives?.get(chosen);
  if (chosen === undefined || found === undefined) return entry;
  return { ...entry, provisioner: { ...provisioner, chart: { kind: 'packaged', configMap, key: chosen, ...found } } };
}

/**
 * Puts decoded documents together. An enabled template that cannot be read is
 * a problem under its own name too, so it shows before an entry selects it;
 * disabled templates are left alone, like disabled entries.
 */
export function combineDecoded(decoded: Iterable<DecodedDocument>): ProviderConfig {
  const entries: CatalogEntry[] = [];
  const templates: ResourceTemplate[] = [];
  const problems: ConfigProblem[] = [];
  const created = new Map<string, string>();
  const charts = new Map<string, DecodedDocument & { role: 'charts' }>();
  for (const item of decoded) {
    if (item.role === 'charts') charts.set(item.name, item);
    if (item.role === 'entry') entries.push(item.entry);
    if (item.role === 'entry' && item.createdAt !== undefined) created.set(item.entry.source, item.createdAt);
    if (item.role === 'broken') problems.push(...item.problems);
    if (item.role === 'template') {
      templates.push(item.template);
      if (isProblem(item.template.object) && item.template.labels[ENABLED_LABEL] === 'true') problems.push(item.template.object);
    }
  }
  const resolved = charts.size > 0 || entries.some((e) => e.provisioner.kind === 'HelmChart') ? entries.map((e) => resolveChart(e, charts)) : entries;
  return { entries: resolved, templates, problems, ...(created.size > 0 ? { created } : {}) };
}

const byName = (a: ConfigMapDocument, b: ConfigMapDocument): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Documents are taken in name order, so the result does not depend on the order they arrived in. */
export function decodeProviderConfig(docs: readonly ConfigMapDocument[]): ProviderConfig {
  return combineDecoded([...docs].sort(byName).map(decodeDocument));
}
