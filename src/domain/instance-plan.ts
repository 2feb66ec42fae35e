/**
 * What an instance of an entry is made of, rendered for one instance: the
 * provisioner seam. A dedicated entry makes objects the broker creates one
 * by one; a Helm entry makes one release, whose objects Helm creates. Both
 * pin what bindings get. Provision, a resumed provision and an update all
 * render here, so they can never disagree on what an instance is.
 */
import type { CatalogEntry } from './catalog-entry.js';
import { coordinatesOf } from './coordinates.js';
import { pinBinding } from './credentials.js';
import type { DomainError } from './errors.js';
import { isHelmEntry, planRelease } from './helm-plan.js';
import type { ReleaseSpec } from './helm-release.js';
import type { KubeObject } from './kube-object.js';
import { takesTime } from './readiness.js';
import type { PinnedBinding, ReleaseRecord } from './records.js';
import { planResources } from './resource-plan.js';
import type { ResourceTemplate } from './resource-template.js';
import { ok, type Result } from './result.js';
import type { InstanceFacts } from './template-variables.js';

export type InstancePlan =
  | { readonly kind: 'objects'; readonly objects: readonly KubeObject[] }
  | { readonly kind: 'release'; readonly spec: ReleaseSpec };

export interface RenderedInstance {
  readonly plan: InstancePlan;
  readonly pinned: PinnedBinding;
}

export function planInstance(entry: CatalogEntry, templates: readonly ResourceTemplate[], facts: InstanceFacts): Result<RenderedInstance, DomainError> {
  if (isHelmEntry(entry)) {
    const release = planRelease(entry, facts);
    if (!release.ok) return release;
    const coordinates = coordinatesOf(entry, release.value.facts, []);
    if (!coordinates.ok) return coordinates;
    return ok({ plan: { kind: 'release', spec: release.value.spec }, pinned: pinBinding(entry, coordinates.value, release.value.facts) });
  }
  const objects = planResources(entry, templates, facts);
  if (!objects.ok) return objects;
  const coordinates = coordinatesOf(entry, facts, objects.value);
  if (!coordinates.ok) return coordinates;
  return ok({ plan: { kind: 'objects', objects: objects.value }, pinned: pinBinding(entry, coordinates.value, facts) });
}

/**
 * Why a synchronous request cannot promise a usable instance, if it cannot:
 * an object that takes time to become ready, or a release (whose chart may
 * hold any).
 */
export function whyAsync(plan: InstancePlan): string | undefined {
  if (plan.kind === 'release') return 'this plan installs a Helm release, whose objects need time to become ready';
  const slow = plan.objects.find((object) => takesTime(object));
  return slow === undefined ? undefined : `this plan creates a ${slow.kind}, which needs time to become ready`;
}

/** The release a plan names, as the record keeps it before it is installed. */
export const releaseOf = (plan: InstancePlan): ReleaseRecord | undefined =>
  plan.kind === 'release' ? { namespace: plan.spec.namespace, name: plan.spec.name } : undefined;

/** Nothing to create: the instance is ready at once. */
export const isEmptyPlan = (plan: InstancePlan): boolean => plan.kind === 'objects' && plan.objects.length === 0;
