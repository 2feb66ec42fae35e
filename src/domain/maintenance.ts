/**
 * Versions as a contract: which plans an instance may move between, and the
 * maintenance level of a plan. A provider who edits an entry's templates
 * without a new version changes no live instance; the plan's maintenance
 * version changes instead, platforms see "an upgrade is available", and a
 * PATCH with the new maintenance_info applies it.
 *
 * The maintenance version is the entry's `maintenanceVersion` when set;
 * otherwise `1.0.0+<12 hex digits>`, semver build metadata hashed from what
 * the plan renders from (the provisioner and its selected templates, as
 * normalised for creation, keys sorted), so the same configuration gives
 * the same version on every replica and after every restart, and any edit
 * that would change an instance's objects gives another.
 */
import type { CatalogEntry } from './catalog-entry.js';
import { sha1Hex } from './hash.js';
import { parseLabelSelector } from './label-selector.js';
import { normaliseTemplate, selectTemplates, type ResourceTemplate } from './resource-template.js';

export const DERIVED_MAINTENANCE_BASE = '1.0.0';

/** JSON with object keys sorted, so equal content always hashes alike. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function renderedFrom(entry: CatalogEntry, templates: readonly ResourceTemplate[]): unknown[] {
  const provisioner = entry.provisioner;
  if (provisioner.kind === 'HelmChart' && provisioner.chart.kind === 'packaged') {
    // The chart's bytes stand in by their digest: a new package of the chart is a new maintenance level.
    const { archive: _bytes, ...chart } = provisioner.chart;
    return [{ ...provisioner, chart }];
  }
  if (provisioner.kind !== 'NewClusterObjects') return [provisioner];
  const selector = parseLabelSelector(provisioner.labelSelector);
  const selected = selector.ok ? selectTemplates(templates, selector.value) : [];
  return [provisioner, ...selected.map((template) => {
    const object = normaliseTemplate(template);
    return object.ok ? object.value : template.source;
  })];
}

/**
 * Derived levels by the catalog's templates and entry objects: both are
 * immutable and made afresh by each catalog assembly, so a level is hashed
 * once per assembly, not at every catalog document, listing or update.
 */
const derived = new WeakMap<readonly ResourceTemplate[], WeakMap<CatalogEntry, string>>();

/** The plan's maintenance_info.version. */
export function maintenanceVersionOf(entry: CatalogEntry, templates: readonly ResourceTemplate[]): string {
  if (entry.maintenanceVersion !== undefined) return entry.maintenanceVersion;
  const byEntry = derived.get(templates) ?? new WeakMap<CatalogEntry, string>();
  derived.set(templates, byEntry);
  const level = byEntry.get(entry) ?? `${DERIVED_MAINTENANCE_BASE}+${sha1Hex(canonical(renderedFrom(entry, templates))).slice(0, 12)}`;
  byEntry.set(entry, level);
  return level;
}

/** An instance of `from` may become one of `to`: same offering, and either entry says so. */
export function mayMove(from: CatalogEntry, to: CatalogEntry): boolean {
  if (from.planId === to.planId || from.serviceId !== to.serviceId) return false;
  return (from.updatableTo ?? []).includes(to.version) || (to.updatableFrom ?? []).includes(from.version);
}

/** The plans of `plans` an instance of `from` may move to. */
export const updateTargets = (from: CatalogEntry, plans: readonly CatalogEntry[]): CatalogEntry[] =>
  plans.filter((to) => mayMove(from, to));

/** The catalog's plan_updateable: an instance of the plan can be moved to another plan (parameter updates are not plan changes). */
export const planUpdateable = (entry: CatalogEntry, plans: readonly CatalogEntry[]): boolean =>
  updateTargets(entry, plans).length > 0;
