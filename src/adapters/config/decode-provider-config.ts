/**
 * The provider's ConfigMaps, decoded into entries, templates and problems.
 * Pure; it runs on every ConfigMap change, so each document is decoded on
 * its own (decodeDocument) and a caller may cache those per document.
 */
import type { CatalogEntry, ConfigProblem } from '../../domain/catalog-entry.js';
import type { ProviderConfig } from '../../domain/catalog.js';
import { ENABLED_LABEL, isProblem, type ResourceTemplate } from '../../domain/resource-template.js';
import { decodeCatalogEntry } from './catalog-entry-codec.js';
import { CATALOG_ENTRY_KIND, KIND_LABEL, type ConfigMapDocument } from './config-map-document.js';
import { decodeResourceTemplate } from './resource-template-codec.js';

export type DecodedDocument =
  | { readonly role: 'entry'; readonly entry: CatalogEntry; readonly createdAt?: string }
  | { readonly role: 'template'; readonly template: ResourceTemplate }
  | { readonly role: 'broken'; readonly problems: readonly ConfigProblem[] }
  /** Not Mesitis configuration, or a disabled entry: absent, and no problem. */
  | { readonly role: 'ignored' };

const IGNORED: DecodedDocument = { role: 'ignored' };

export function decodeDocument(doc: ConfigMapDocument): DecodedDocument {
  const kind = doc.labels[KIND_LABEL];
  if (kind === undefined) return IGNORED;
  if (kind !== CATALOG_ENTRY_KIND) return { role: 'template', template: decodeResourceTemplate(doc) };
  if (doc.labels[ENABLED_LABEL] !== 'true') return IGNORED;
  const entry = decodeCatalogEntry(doc);
  if (!entry.ok) return { role: 'broken', problems: entry.error };
  return { role: 'entry', entry: entry.value, ...(doc.createdAt !== undefined ? { createdAt: doc.createdAt } : {}) };
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
  for (const item of decoded) {
    if (item.role === 'entry') entries.push(item.entry);
    if (item.role === 'entry' && item.createdAt !== undefined) created.set(item.entry.source, item.createdAt);
    if (item.role === 'broken') problems.push(...item.problems);
    if (item.role === 'template') {
      templates.push(item.template);
      if (isProblem(item.template.object) && item.template.labels[ENABLED_LABEL] === 'true') problems.push(item.template.object);
    }
  }
  return { entries, templates, problems, ...(created.size > 0 ? { created } : {}) };
}

const byName = (a: ConfigMapDocument, b: ConfigMapDocument): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Documents are taken in name order, so the result does not depend on the order they arrived in. */
export function decodeProviderConfig(docs: readonly ConfigMapDocument[]): ProviderConfig {
  return combineDecoded([...docs].sort(byName).map(decodeDocument));
}
