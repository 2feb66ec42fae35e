/**
 * A dedicated entry's templates rendered with stand-in facts while the
 * catalog is assembled (and offline by `mesitis validate`), so that a broken
 * template is the provider's configuration problem, named with its
 * ConfigMap, before any consumer provisions or binds: the instance's plan,
 * and for an entry with binding templates one binding's plan too. Stand-ins:
 * fixed ids, placeholder parameters and generated values of the right shape.
 */
import type { KindScope } from './built-in-kinds.js';
import { bindingTemplates, planBindingResources } from './binding-plan.js';
import type { CatalogEntry, ConfigProblem } from './catalog-entry.js';
import type { DomainError } from './errors.js';
import { generatedSpecs } from './generated-values.js';
import { checkHelmEntry, isHelmEntry } from './helm-plan.js';
import { matchesSelector, parseLabelSelector } from './label-selector.js';
import { planResources } from './resource-plan.js';
import { normaliseTemplate, selectTemplates, type ResourceTemplate } from './resource-template.js';
import type { InstanceFacts } from './template-variables.js';

/** What the cluster serves: discovery's answer for one apiVersion and kind. */
export type ScopeOf = (apiVersion: string, kind: string) => KindScope;

/** What the broker may not create: the resource RBAC names, to be granted (the chart's targetKinds). */
export interface CreateDenial {
  readonly group: string;
  readonly resource: string;
}

/** Whether the broker's identity may create a kind in a namespace, as last reviewed: a denial, or undefined (allowed, or not yet known). */
export type DeniedCreate = (namespace: string, apiVersion: string, kind: string) => CreateDenial | undefined;

/** What is asked about each selected template's kind; nothing offline, where only built-in kinds are known. */
export interface KindChecks {
  readonly scopeOf?: ScopeOf | undefined;
  readonly deniedCreate?: DeniedCreate | undefined;
}

const INSTANCE_FIELD = 'provisiondata';
const BINDING_FIELD = 'provisiondata.bindinglabelselector';
const STAND_IN = 'config-check';

type Dedicated = CatalogEntry & { readonly provisioner: Extract<CatalogEntry['provisioner'], { kind: 'NewClusterObjects' }> };

/** The facts an entry is checked with before any instance exists: fixed ids, no parameters (placeholders stand in). */
export const standInFacts = (entry: CatalogEntry): InstanceFacts => ({
  instanceId: STAND_IN, instanceName: STAND_IN, consumerNamespace: entry.whitelist[0] ?? 'consumer',
  team: entry.team, offering: entry.offering, version: entry.version, parameters: {},
});

/** The problems of a dedicated entry's instance plan and binding plan; none for other provisioners. */
export function checkPlans(entry: CatalogEntry, templates: readonly ResourceTemplate[], kinds: KindChecks = {}): ConfigProblem[] {
  const facts = standInFacts(entry);
  if (isHelmEntry(entry)) return checkHelmEntry(entry, facts);
  if (entry.provisioner.kind !== 'NewClusterObjects') return [];
  const dedicated = entry as Dedicated;
  return [...checkInstancePlan(dedicated, templates, facts, kinds), ...checkBindingPlan(dedicated, templates, facts, kinds)];
}

function checkInstancePlan(entry: Dedicated, templates: readonly ResourceTemplate[], facts: InstanceFacts, kinds: KindChecks): ConfigProblem[] {
  const problem = problemIn(entry, INSTANCE_FIELD);
  const plan = planResources(entry, templates, facts, 'placeholder');
  if (!plan.ok) return problem(plan.error);
  const generated = generatedSpecs(entry, templates, 'instance');
  if (!generated.ok) return problem(generated.error);
  const selector = parseLabelSelector(entry.provisioner.labelSelector);
  return selector.ok ? checkKinds(entry, selectTemplates(templates, selector.value), INSTANCE_FIELD, kinds) : [];
}

/**
 * Binding templates are selected like resource templates and rendered for
 * one stand-in binding: naming rules (every name must hold the binding's
 * hash), variables, namespace and kinds, as at each bind.
 */
function checkBindingPlan(entry: Dedicated, templates: readonly ResourceTemplate[], facts: InstanceFacts, kinds: KindChecks): ConfigProblem[] {
  const text = entry.provisioner.bindingLabelSelector;
  if (text === undefined) return [];
  const problem = problemIn(entry, BINDING_FIELD);
  const selector = parseLabelSelector(text);
  if (!selector.ok) return problem(`bindingLabelSelector "${text}": ${selector.error}`);
  const selected = bindingTemplates(entry, templates);
  if (selected.length === 0) return problem(`bindingLabelSelector "${text}" selects no enabled resource ConfigMap`);
  const instanceSelector = parseLabelSelector(entry.provisioner.labelSelector);
  const shared = instanceSelector.ok ? selected.find((template) => matchesSelector(template.labels, instanceSelector.value)) : undefined;
  if (shared) {
    return problem(`resource ConfigMap ${shared.source} is selected by labelSelector too: an object is made either once for the instance or once for each binding`);
  }
  const plan = planBindingResources(entry, templates, { ...facts, binding: { id: STAND_IN } }, 'placeholder');
  if (!plan.ok) return problem(plan.error);
  const generated = generatedSpecs(entry, templates, 'binding');
  if (!generated.ok) return problem(generated.error);
  return checkKinds(entry, selected, BINDING_FIELD, kinds);
}

const problemIn = (entry: CatalogEntry, field: string) => (error: DomainError | string): ConfigProblem[] =>
  [{ source: entry.source, field, message: typeof error === 'string' ? error : error.message }];

/**
 * Each selected template's kind must be one the cluster serves, in a
 * namespace (the broker creates nothing cluster-wide), and one the broker
 * may create in the provisioner's namespace: a provision or bind would
 * otherwise fail on a refusal no consumer can do anything about.
 */
function checkKinds(entry: Dedicated, selected: readonly ResourceTemplate[], field: string, { scopeOf, deniedCreate }: KindChecks): ConfigProblem[] {
  if (scopeOf === undefined) return [];
  const problem = problemIn(entry, field);
  for (const template of selected) {
    const object = normaliseTemplate(template);
    if (!object.ok) continue;
    const { apiVersion, kind } = object.value;
    const scope = scopeOf(apiVersion, kind);
    if (scope === 'namespaced') {
      const { namespace } = entry.provisioner;
      const denial = deniedCreate?.(namespace, apiVersion, kind);
      if (denial === undefined) continue;
      const grant = `{apiGroup: "${denial.group}", resources: [${denial.resource}]}`;
      return problem(`resource ConfigMap ${template.source}: the broker may not create ${kind} (${apiVersion}) in namespace ${namespace}: add ${grant} to the chart's targetKinds`);
    }
    return problem(scope === 'cluster'
      ? `resource ConfigMap ${template.source}: ${kind} (${apiVersion}) is cluster-scoped; only namespaced kinds can be created per instance`
      : `resource ConfigMap ${template.source}: the cluster serves no kind ${kind} in ${apiVersion} (a missing CRD, or a wrong apiVersion)`);
  }
  return [];
}
