/**
 * Which generated values an entry's plan asks for, so that the application
 * can derive exactly those (and read the generation key only when a plan
 * uses one) before the plan is rendered.
 */
import type { CatalogEntry } from './catalog-entry.js';
import type { DomainError } from './errors.js';
import { helmGeneratedSpecs, type HelmEntry } from './helm-plan.js';
import { parseLabelSelector } from './label-selector.js';
import { isProblem, selectTemplates, type ResourceTemplate } from './resource-template.js';
import { ok, type Result } from './result.js';
import { generatedIn, type GeneratedSpec } from './template-variables.js';

/** The generated values the templates `entry` selects use, one per NAME; none for other provisioners. */
export function generatedSpecs(
  entry: CatalogEntry, templates: readonly ResourceTemplate[], of: 'instance' | 'binding' = 'instance',
): Result<GeneratedSpec[], DomainError> {
  if (entry.provisioner.kind === 'HelmChart') return of === 'instance' ? helmGeneratedSpecs(entry as HelmEntry) : ok([]);
  if (entry.provisioner.kind !== 'NewClusterObjects') return ok([]);
  const selectorText = of === 'instance' ? entry.provisioner.labelSelector : entry.provisioner.bindingLabelSelector;
  if (selectorText === undefined) return ok([]);
  const selector = parseLabelSelector(selectorText);
  // A selector that does not parse is planResources' problem to report.
  if (!selector.ok) return ok([]);
  const found = new Map<string, GeneratedSpec>();
  for (const template of selectTemplates(templates, selector.value)) {
    if (isProblem(template.object)) continue;
    const scanned = generatedIn(template.object, found);
    if (!scanned.ok) return scanned;
  }
  return ok([...found.values()]);
}
