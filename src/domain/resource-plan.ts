/**
 * The ordered set of objects a dedicated instance gets: templates rendered for
 * one instance, labelled as Mesitis's, and confined to one namespace.
 */
import type { CatalogEntry, Provisioner } from './catalog-entry.js';
import { domainError, type DomainError } from './errors.js';
import { sha1Hex } from './hash.js';
import { parseLabelSelector } from './label-selector.js';
import { refOf, sameRef, type KubeObject } from './kube-object.js';
import { namingProblems } from './kubernetes-names.js';
import { normaliseTemplate, selectTemplates, type ResourceTemplate } from './resource-template.js';
import { err, ok, type Result } from './result.js';
import { substituteDeep, type InstanceFacts, type MissingParameter } from './template-variables.js';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const INSTANCE_LABEL = 'mesitis/instance';
export const OFFERING_LABEL = 'mesitis/offering';
export const CONSUMER_LABEL = 'mesitis/consumer-namespace';

/**
 * The instance label value: always a hash of the id, never the id itself, so
 * that no id a caller chooses can equal another id's label (an id spelled
 * like a hash is hashed too). Labels only find what a crash left unrecorded;
 * ownership itself is the uid recorded at create.
 */
export const instanceLabelValue = (instanceId: string): string => `i-${sha1Hex(instanceId)}`;

/** The selector that finds everything made for one instance (the deprovision sweep). */
export const instanceSelector = (instanceId: string): string =>
  `${MANAGED_BY_LABEL}=mesitis,${INSTANCE_LABEL}=${instanceLabelValue(instanceId)}`;

/** Objects made for one binding carry this besides the instance labels, hashed like them. */
export const BINDING_LABEL = 'mesitis/binding';
export const bindingLabelValue = (instanceId: string, bindingId: string): string =>
  `b-${sha1Hex(`${instanceId.length}:${instanceId}\n${bindingId}`)}`;

export const ownedBy = (object: KubeObject, instanceId: string): boolean =>
  object.metadata.labels?.[INSTANCE_LABEL] === instanceLabelValue(instanceId) &&
  object.metadata.labels?.[MANAGED_BY_LABEL] === 'mesitis';

type DedicatedProvisioner = Extract<Provisioner, { kind: 'NewClusterObjects' }>;

function render(
  template: ResourceTemplate, target: string, facts: InstanceFacts, missing: MissingParameter, extraLabels: Readonly<Record<string, string>>,
): Result<KubeObject, DomainError> {
  const normalised = normaliseTemplate(template);
  if (!normalised.ok) return normalised;
  const rendered = substituteDeep(normalised.value, facts, missing);
  if (!rendered.ok) {
    // The provider's mistake names its ConfigMap; the caller's (a missing parameter) names only the caller's input.
    const { kind, message } = rendered.error;
    return err(kind === 'ConfigInvalid' ? domainError(kind, `resource ConfigMap ${template.source}: ${message}`) : rendered.error);
  }
  const object = rendered.value as KubeObject;
  const named = object.metadata.namespace;
  if (named !== undefined && named !== target) {
    return err(domainError('ConfigInvalid', `resource ConfigMap ${template.source}: namespace "${named}" is not the provisioner's namespace "${target}"`));
  }
  const labels = {
    ...object.metadata.labels,
    [MANAGED_BY_LABEL]: 'mesitis',
    [INSTANCE_LABEL]: instanceLabelValue(facts.instanceId),
    [OFFERING_LABEL]: facts.offering,
    [CONSUMER_LABEL]: facts.consumerNamespace,
    ...extraLabels,
  };
  const labelled: KubeObject = { ...object, metadata: { ...object.metadata, namespace: target, labels } };
  const badName = checkNaming(template, normalised.value, labelled);
  return badName ? err(badName) : ok(labelled);
}

/** Template variables whose values the caller chooses: a rule they break is the caller's 400. */
const CALLER_VARIABLES: readonly [RegExp, (match: RegExpExecArray) => string][] = [
  [/\{\{\s*parameters\.([A-Za-z0-9_.-]+)\s*\}\}/, (m) => `parameter "${m[1]}"`],
  [/\{\{\s*instance\.name\s*\}\}/, () => 'context.instance_name'],
  [/\{\{\s*instance\.id\s*\}\}/, () => 'the instance id'],
];

function valueAt(document: unknown, path: readonly string[]): unknown {
  let value = document;
  for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

/** The caller-chosen input behind a templated text, if any. */
function callerInputIn(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  for (const [pattern, describe] of CALLER_VARIABLES) {
    const match = pattern.exec(raw);
    if (match) return describe(match);
  }
  return undefined;
}

/**
 * A rendered name or label the API server would refuse. When the template
 * field uses a value the caller chose, the caller is at fault (400, naming
 * the input); otherwise the template is (the catalog check finds it first).
 */
function checkNaming(template: ResourceTemplate, raw: KubeObject, rendered: KubeObject): DomainError | undefined {
  const problem = namingProblems(rendered)[0];
  if (!problem) return undefined;
  const field = problem.path.join('.');
  // Keys are never substituted, so only a value can carry the caller's input.
  const input = callerInputIn(valueAt(raw, problem.path));
  return input !== undefined
    ? domainError('InvalidRequest', `${input} makes ${field} of the ${rendered.kind} "${problem.value}", which Kubernetes refuses: ${problem.rule}`)
    : domainError('ConfigInvalid', `resource ConfigMap ${template.source}: ${rendered.kind} ${field} "${problem.value}" is invalid: ${problem.rule}`);
}

/**
 * Renders the plan of a dedicated entry for one instance. With
 * `missing: 'placeholder'` it checks configuration before any request exists.
 */
export function planResources(
  entry: CatalogEntry,
  templates: readonly ResourceTemplate[],
  facts: InstanceFacts,
  missing: MissingParameter = 'refuse',
): Result<KubeObject[], DomainError> {
  const provisioner = entry.provisioner as DedicatedProvisioner;
  if (provisioner.kind !== 'NewClusterObjects') return ok([]);
  return planSelected(provisioner.labelSelector, provisioner.namespace, templates, facts, missing);
}

/** Renders the templates `labelSelector` picks into `namespace`, labelled as the instance's plus `extraLabels`. */
export function planSelected(
  labelSelector: string,
  namespace: string,
  templates: readonly ResourceTemplate[],
  facts: InstanceFacts,
  missing: MissingParameter = 'refuse',
  extraLabels: Readonly<Record<string, string>> = {},
): Result<KubeObject[], DomainError> {
  const selector = parseLabelSelector(labelSelector);
  if (!selector.ok) return err(domainError('ConfigInvalid', `labelSelector: ${selector.error}`));
  const selected = selectTemplates(templates, selector.value);
  if (selected.length === 0) {
    return err(domainError('ConfigInvalid', `labelSelector "${labelSelector}" selects no enabled resource ConfigMap`));
  }
  const objects: KubeObject[] = [];
  for (const template of selected) {
    const object = render(template, namespace, facts, missing, extraLabels);
    if (!object.ok) return object;
    const clash = objects.find((o) => sameRef(refOf(o), refOf(object.value)));
    if (clash) return err(domainError('ConfigInvalid', `resource ConfigMap ${template.source}: ${clash.kind} "${clash.metadata.name}" is planned twice`));
    objects.push(object.value);
  }
  return ok(objects);
}
