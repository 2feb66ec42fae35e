/**
 * The ordered set of objects a dedicated instance gets: templates rendered for
 * one instance, labelled as Mesitis's, and confined to one namespace.
 */
import type { CatalogEntry, Provisioner } from './catalog-entry.js';
import { domainError, type DomainError } from './errors.js';
import { sha1Hex } from './hash.js';
import { isLabelValue, parseLabelSelector } from './label-selector.js';
import type { KubeObject } from './kube-object.js';
import { normaliseTemplate, selectTemplates, type ResourceTemplate } from './resource-template.js';
import { err, ok, type Result } from './result.js';
import { substituteDeep, type InstanceFacts, type MissingParameter } from './template-variables.js';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const INSTANCE_LABEL = 'mesitis/instance';
export const OFFERING_LABEL = 'mesitis/offering';
export const CONSUMER_LABEL = 'mesitis/consumer-namespace';

/** The instance label value: the id itself when it is a valid label value, else a hash of it. */
export const instanceLabelValue = (instanceId: string): string =>
  isLabelValue(instanceId) ? instanceId : `h-${sha1Hex(instanceId)}`;

/** The selector that finds everything made for one instance (the deprovision sweep). */
export const instanceSelector = (instanceId: string): string =>
  `${MANAGED_BY_LABEL}=mesitis,${INSTANCE_LABEL}=${instanceLabelValue(instanceId)}`;

export const ownedBy = (object: KubeObject, instanceId: string): boolean =>
  object.metadata.labels?.[INSTANCE_LABEL] === instanceLabelValue(instanceId) &&
  object.metadata.labels?.[MANAGED_BY_LABEL] === 'mesitis';

type DedicatedProvisioner = Extract<Provisioner, { kind: 'NewClusterObjects' }>;

function render(template: ResourceTemplate, target: string, facts: InstanceFacts, missing: MissingParameter): Result<KubeObject, DomainError> {
  const normalised = normaliseTemplate(template);
  if (!normalised.ok) return normalised;
  const rendered = substituteDeep(normalised.value, facts, missing);
  if (!rendered.ok) return rendered;
  const object = rendered.value as KubeObject;
  const named = object.metadata.namespace;
  if (named !== undefined && named !== target) {
    return err(domainError('ConfigInvalid', `resource ConfigMap ${template.source}: namespace "${named}" is not the provisioner's namespace "${target}"`));
  }
  const badName = checkName(template, normalised.value, object);
  if (badName) return err(badName);
  const labels = {
    ...object.metadata.labels,
    [MANAGED_BY_LABEL]: 'mesitis',
    [INSTANCE_LABEL]: instanceLabelValue(facts.instanceId),
    [OFFERING_LABEL]: facts.offering,
    [CONSUMER_LABEL]: facts.consumerNamespace,
  };
  return ok({ ...object, metadata: { ...object.metadata, namespace: target, labels } });
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * A rendered name the API server would refuse. When the template's name uses
 * a parameter, the caller's value is at fault (400); otherwise the template
 * is (the configuration check finds it before any consumer does).
 */
function checkName(template: ResourceTemplate, raw: KubeObject, rendered: KubeObject): DomainError | undefined {
  const name = rendered.metadata.name;
  if (name.length <= 253 && DNS_SUBDOMAIN.test(name)) return undefined;
  return /\{\{\s*parameters\./.test(raw.metadata.name)
    ? domainError('InvalidRequest', `the parameters give ${rendered.kind} the name "${name}", which is not a valid Kubernetes name (lower-case letters, digits, "-" and ".")`)
    : domainError('ConfigInvalid', `resource ConfigMap ${template.source}: ${rendered.kind} name "${name}" is not a valid Kubernetes name`);
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
  const selector = parseLabelSelector(provisioner.labelSelector);
  if (!selector.ok) return err(domainError('ConfigInvalid', `labelSelector: ${selector.error}`));
  const selected = selectTemplates(templates, selector.value);
  if (selected.length === 0) {
    return err(domainError('ConfigInvalid', `labelSelector "${provisioner.labelSelector}" selects no enabled resource ConfigMap`));
  }
  const objects: KubeObject[] = [];
  for (const template of selected) {
    const object = render(template, provisioner.namespace, facts, missing);
    if (!object.ok) return object;
    const clash = objects.find((o) => o.kind === object.value.kind && o.metadata.name === object.value.metadata.name);
    if (clash) return err(domainError('ConfigInvalid', `resource ConfigMap ${template.source}: ${clash.kind} "${clash.metadata.name}" is planned twice`));
    objects.push(object.value);
  }
  return ok(objects);
}
