/**
 * `mesitis validate`: the problems the broker would report for a set of
 * manifests, found offline so a providing team's CI can refuse them first.
 */
import type { CatalogEntry, ConfigProblem } from '../../domain/catalog-entry.js';
import { BUILT_IN_KINDS, isBuiltInGroup, scopeTable } from '../../domain/built-in-kinds.js';
import { assembleCatalog } from '../../domain/catalog.js';
import { planName } from '../../domain/catalog-entry.js';
import type { KubeObject } from '../../domain/kube-object.js';
import { ENABLED_LABEL, ORDER_LABEL } from '../../domain/resource-template.js';
import { CATALOG_ENTRY_KIND, isProviderConfigMap, KIND_LABEL, toConfigMapDocument, type ConfigMapDocument } from './config-map-document.js';
import { decodeProviderConfig } from './decode-provider-config.js';

export interface AcceptedEntry {
  /** The ConfigMap's name. */
  readonly source: string;
  /** The OSB plan it becomes: `<team>-<offering>-<version>`. */
  readonly plan: string;
}

export interface ValidationReport {
  readonly problems: readonly ConfigProblem[];
  /** ConfigMaps skipped on purpose or perhaps by mistake: worth a look, not a failure. */
  readonly notices: readonly ConfigProblem[];
  readonly accepted: readonly AcceptedEntry[];
  /** The accepted entries themselves: what further offline checks (a Helm entry's chart) look at. */
  readonly entries: readonly CatalogEntry[];
  /** Resource ConfigMaps found, readable or not. */
  readonly templates: number;
}

/** A ConfigMap from a manifest may hold what the API would refuse: a mapping where a string belongs. */
function nonStringData(configMap: KubeObject): ConfigProblem[] {
  const data = (configMap['data'] ?? {}) as Record<string, unknown>;
  return Object.keys(data)
    .filter((key) => typeof data[key] !== 'string')
    .map((key) => ({ source: configMap.metadata.name, field: `data.${key}`, message: 'must be a string (write JSON or YAML as a `|` block)' }));
}

const labelField = (label: string): string => `metadata.labels.${label}`;

/** Edit distance, for kind labels that look like a misspelt catalog-entry. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    previous = current;
  }
  return previous[b.length]!;
}

/** `Catalog-Entry`, `catalog_entry`, `catalog-entries`, `catalogentry`: meant as an entry, read as a template. */
const looksLikeCatalogEntry = (kind: string): boolean => {
  const plain = kind.toLowerCase().replace(/[^a-z]/g, '');
  return plain.startsWith('catalog') || distance(plain, 'catalogentry') <= 3;
};

/** What the broker would skip without a word, and labels it would read other than meant. */
function labelFindings(configMap: KubeObject): { notices: ConfigProblem[]; problems: ConfigProblem[] } {
  const labels = configMap.metadata.labels ?? {};
  const source = configMap.metadata.name;
  const notices: ConfigProblem[] = [];
  const problems: ConfigProblem[] = [];
  const kind = labels[KIND_LABEL]!;
  const enabled = labels[ENABLED_LABEL];
  if (kind === CATALOG_ENTRY_KIND && enabled !== 'true') {
    notices.push({ source, field: labelField(ENABLED_LABEL), message: `is ${enabled === undefined ? 'missing' : `"${enabled}"`}, not "true": the entry is skipped` });
  }
  if (kind !== CATALOG_ENTRY_KIND && looksLikeCatalogEntry(kind)) {
    notices.push({ source, field: labelField(KIND_LABEL), message: `"${kind}" is not "${CATALOG_ENTRY_KIND}": read as a resource template, not as a catalog entry` });
  }
  const order = labels[ORDER_LABEL];
  if (kind !== CATALOG_ENTRY_KIND && order !== undefined && !/^-?\d+$/.test(order.trim())) {
    problems.push({ source, field: labelField(ORDER_LABEL), message: `"${order}" is not a whole number; the object would be created after every numbered one` });
  }
  return { notices, problems };
}

/** A ConfigMap with Mesitis labels but no mesitis/kind: the broker never looks at it. */
function unmarked(configMap: KubeObject): ConfigProblem[] {
  const labels = configMap.metadata.labels ?? {};
  const mesitis = Object.keys(labels).filter((label) => label.startsWith('mesitis/')).sort();
  if (mesitis.length === 0) return [];
  return [{ source: configMap.metadata.name, field: labelField(KIND_LABEL), message: `is missing (the ConfigMap has ${mesitis.join(', ')}): skipped` }];
}

/**
 * With `brokerNamespace`, Mesitis ConfigMaps elsewhere are reported: the
 * broker would never see them. Without it every namespace counts.
 */
export function validateConfig(objects: readonly KubeObject[], brokerNamespace?: string): ValidationReport {
  const problems: ConfigProblem[] = [];
  const notices: ConfigProblem[] = [];
  const documents: ConfigMapDocument[] = [];
  for (const object of objects) {
    if (object.kind !== 'ConfigMap') continue;
    if (!isProviderConfigMap(object.metadata.labels)) {
      notices.push(...unmarked(object));
      continue;
    }
    const namespace = object.metadata.namespace;
    if (brokerNamespace !== undefined && namespace !== brokerNamespace) {
      problems.push({ source: object.metadata.name, field: 'metadata.namespace', message: `is "${namespace ?? ''}"; the broker reads only "${brokerNamespace}"` });
      continue;
    }
    const findings = labelFindings(object);
    notices.push(...findings.notices);
    problems.push(...findings.problems, ...nonStringData(object));
    documents.push(toConfigMapDocument(object));
  }
  const config = decodeProviderConfig(documents);
  // Offline, discovery is the built-in kinds: a custom resource's group is assumed served (its CRD lives in the cluster).
  const builtIn = scopeTable(BUILT_IN_KINDS);
  const catalog = assembleCatalog(config, (apiVersion, kind) => (isBuiltInGroup(apiVersion) ? builtIn(apiVersion, kind) : 'namespaced'));
  const accepted = catalog.offerings.flatMap((offering) => offering.plans.map((plan) => ({ source: plan.source, plan: planName(plan) })));
  const entries = catalog.offerings.flatMap((offering) => offering.plans);
  return { problems: [...problems, ...catalog.problems], notices, accepted, entries, templates: config.templates.length };
}
