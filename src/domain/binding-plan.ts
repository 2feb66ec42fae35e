/**
 * What one binding of an entry gets of its own: the binding templates
 * (`bindingLabelSelector`) rendered for that binding, labelled as the
 * instance's objects plus `mesitis/binding`, and the name of its own
 * credential Secret. Every binding template must name its object after the
 * binding, so two bindings can never render the same object (the second
 * would otherwise adopt the first's, and unbinding one would remove both).
 */
import { hasBindingObjects, type CatalogEntry } from './catalog-entry.js';
import { domainError, type DomainError } from './errors.js';
import type { KubeObject } from './kube-object.js';
import { parseLabelSelector } from './label-selector.js';
import { takesTime } from './readiness.js';
import type { CredentialRef } from './records.js';
import { BINDING_LABEL, bindingLabelValue, planSelected } from './resource-plan.js';
import { isProblem, selectTemplates, type ResourceTemplate } from './resource-template.js';
import { err, ok, type Result } from './result.js';
import { substitute, variablesIn, type InstanceFacts, type MissingParameter } from './template-variables.js';

const BINDING_VARIABLES = ['binding.id', 'binding.shortId'];

/** The templates the entry's bindingLabelSelector picks (none without one or when it does not parse). */
export function bindingTemplates(entry: CatalogEntry, templates: readonly ResourceTemplate[]): ResourceTemplate[] {
  if (entry.provisioner.kind !== 'NewClusterObjects' || entry.provisioner.bindingLabelSelector === undefined) return [];
  const selector = parseLabelSelector(entry.provisioner.bindingLabelSelector);
  return selector.ok ? selectTemplates(templates, selector.value) : [];
}

/** The objects of one binding; `facts.binding` names it. None for entries without binding templates. */
export function planBindingResources(
  entry: CatalogEntry, templates: readonly ResourceTemplate[], facts: InstanceFacts, missing: MissingParameter = 'refuse',
): Result<KubeObject[], DomainError> {
  const provisioner = entry.provisioner;
  if (provisioner.kind !== 'NewClusterObjects' || provisioner.bindingLabelSelector === undefined) return ok([]);
  if (facts.binding === undefined) throw new Error('bug: binding templates rendered without a binding');
  for (const template of bindingTemplates(entry, templates)) {
    if (isProblem(template.object)) continue; // planSelected reports it
    const name = template.object.metadata?.name;
    if (typeof name !== 'string' || !variablesIn(name).some((v) => BINDING_VARIABLES.includes(v))) {
      return err(domainError('ConfigInvalid', `resource ConfigMap ${template.source}: a binding template's metadata.name must use {{ binding.shortId }}, so that each binding gets its own object`));
    }
  }
  const label = { [BINDING_LABEL]: bindingLabelValue(facts.instanceId, facts.binding.id) };
  const selector = provisioner.bindingLabelSelector;
  return planSelected(selector, provisioner.namespace, templates, facts, missing, label);
}

const BINDING_TOKEN = /\{\{\s*binding\.(?:id|shortId)\s*\}\}/g;

/** Substitutes the instance's variables in a Secret name and keeps the binding's for each bind to fill in. */
export function substituteAllButBinding(text: string, facts: InstanceFacts): Result<string, DomainError> {
  const kept: string[] = [];
  const masked = text.replace(BINDING_TOKEN, (token) => `\u0000${kept.push(token) - 1}\u0000`);
  const done = substitute(masked, facts);
  return done.ok ? ok(done.value.replace(/\u0000(\d+)\u0000/g, (_m, i: string) => kept[Number(i)]!)) : done;
}

/** The binding's own Secret, its name resolved for this binding; other references are the instance's and stay as they are. */
export function bindingCredentialRef(ref: CredentialRef, facts: InstanceFacts): Result<CredentialRef | undefined, DomainError> {
  if (ref.kind !== 'FromBindingSecret') return ok(undefined);
  const name = substitute(ref.secretName, facts);
  if (!name.ok) return name;
  return ok({ kind: 'FromInstanceSecret', namespace: ref.namespace, secretName: name.value, ...(ref.keys !== undefined ? { keys: ref.keys } : {}) });
}

/**
 * What a new binding must wait for before its credentials can be handed
 * out, or undefined when a synchronous bind finishes it: an object whose
 * kind needs time to become ready, or a credential Secret that the
 * binding's own objects do not include (an operator writes it for a user
 * resource, say). `credentials` is the binding's own reference, if any.
 */
export function bindingWaitsFor(plan: readonly KubeObject[], credentials: CredentialRef | undefined): string | undefined {
  const slow = plan.find((object) => takesTime(object));
  if (slow) return `a ${slow.kind}, which needs time to become ready`;
  if (credentials?.kind !== 'FromInstanceSecret') return undefined;
  const made = plan.some((object) => object.apiVersion === 'v1' && object.kind === 'Secret'
    && object.metadata.namespace === credentials.namespace && object.metadata.name === credentials.secretName);
  return made ? undefined : `its credential Secret ${credentials.namespace}/${credentials.secretName}, which something else writes`;
}

export { hasBindingObjects };
