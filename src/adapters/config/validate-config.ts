/**
 * `mesitis validate`: the problems the broker would report for a set of
 * manifests, found offline so a providing team's CI can refuse them first.
 */
import type { ConfigProblem } from '../../domain/catalog-entry.js';
import { assembleCatalog } from '../../domain/catalog.js';
import { planName } from '../../domain/catalog-entry.js';
import type { KubeObject } from '../../domain/kube-object.js';
import { isProviderConfigMap, toConfigMapDocument, type ConfigMapDocument } from './config-map-document.js';
import { decodeProviderConfig } from './decode-provider-config.js';

export interface AcceptedEntry {
  /** The ConfigMap's name. */
  readonly source: string;
  /** The OSB plan it becomes: `<team>-<offering>-<version>`. */
  readonly plan: string;
}

export interface ValidationReport {
  readonly problems: readonly ConfigProblem[];
  readonly accepted: readonly AcceptedEntry[];
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

/**
 * With `brokerNamespace`, Mesitis ConfigMaps elsewhere are reported: the
 * broker would never see them. Without it every namespace counts.
 */
export function validateConfig(objects: readonly KubeObject[], brokerNamespace?: string): ValidationReport {
  const problems: ConfigProblem[] = [];
  const documents: ConfigMapDocument[] = [];
  for (const object of objects) {
    if (object.kind !== 'ConfigMap' || !isProviderConfigMap(object.metadata.labels)) continue;
    const namespace = object.metadata.namespace;
    if (brokerNamespace !== undefined && namespace !== brokerNamespace) {
      problems.push({ source: object.metadata.name, field: 'metadata.namespace', message: `is "${namespace ?? ''}"; the broker reads only "${brokerNamespace}"` });
      continue;
    }
    problems.push(...nonStringData(object));
    documents.push(toConfigMapDocument(object));
  }
  const config = decodeProviderConfig(documents);
  const catalog = assembleCatalog(config);
  const accepted = catalog.offerings.flatMap((offering) => offering.plans.map((plan) => ({ source: plan.source, plan: planName(plan) })));
  return { problems: [...problems, ...catalog.problems], accepted, templates: config.templates.length };
}
