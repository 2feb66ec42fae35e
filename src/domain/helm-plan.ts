/**
 * A Helm entry rendered for one instance: the release (namespace, name,
 * chart, values) it gets. The release name may use only what the provider's
 * configuration or a hash decides, and must hold the instance's short id:
 * releases of one entry share a namespace, and a name a caller could choose
 * would let one instance take over another's release (helm leaves a
 * deployed release as it is, so the taker would be handed its objects).
 *
 * Values are substituted like resource templates, on parsed values only; a
 * string that is exactly one `{{ parameters.NAME }}` takes the parameter's
 * own type (`replicas: "{{ parameters.replicas }}"` gives a number), since
 * a chart's schema or templates may compare it as one.
 */
import type { CatalogEntry, ConfigProblem, EntryChart } from './catalog-entry.js';
import { domainError, type DomainError } from './errors.js';
import { chartSourceProblem, releaseRefProblem, type ChartSource, type ReleaseSpec } from './helm-release.js';
import { checkParameters, withDefaults } from './parameter-schema.js';
import type { KubeObject } from './kube-object.js';
import { err, ok, type Result } from './result.js';
import { generatedIn, PROVIDER_VARIABLES, mapStrings, substitute, substituteDeep, variablesIn, type GeneratedSpec, type InstanceFacts, type MissingParameter } from './template-variables.js';

export type HelmEntry = CatalogEntry & { readonly provisioner: Extract<CatalogEntry['provisioner'], { kind: 'HelmChart' }> };

export const isHelmEntry = (entry: CatalogEntry): entry is HelmEntry => entry.provisioner.kind === 'HelmChart';

/** Helm's limit on release names; the default leaves room for the short id. */
const MAX_RELEASE_NAME = 53;
const SHORT_ID_VARIABLE = 'instance.shortId';

/** `<offering>-<short id>`, the offering made a valid name and cut to fit. */
export function defaultReleaseName(offering: string): string {
  const slug = offering.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, MAX_RELEASE_NAME - 9).replace(/^-+|-+$/g, '');
  return `${slug === '' ? 'release' : slug}-{{ ${SHORT_ID_VARIABLE} }}`;
}

const releaseTemplate = (entry: HelmEntry): string => entry.provisioner.releaseName ?? defaultReleaseName(entry.offering);

/** The chart to install, or undefined while a ConfigMap chart is not resolved to its bytes. */
export function chartOf(chart: EntryChart): ChartSource | undefined {
  switch (chart.kind) {
    case 'configMap': return undefined;
    case 'packaged': return { kind: 'packaged', archive: chart.archive };
    default: return chart;
  }
}

/** The entry's parameters checked: the declared ones only; a Helm entry that declares none accepts none. */
export function checkEntryParameters(entry: CatalogEntry, parameters: Readonly<Record<string, unknown>>): Result<void, DomainError> {
  if (entry.parameters !== undefined) return checkParameters(entry.parameters, parameters);
  return isHelmEntry(entry) ? checkParameters({}, parameters) : ok(undefined);
}

/** The facts with the release's name: what values, the Service name and an instance Secret name may use. */
export function releaseFacts(entry: HelmEntry, facts: InstanceFacts): Result<InstanceFacts, DomainError> {
  const name = substitute(releaseTemplate(entry), facts);
  if (!name.ok) return name;
  const problem = releaseRefProblem({ namespace: entry.provisioner.namespace, name: name.value });
  return problem === undefined ? ok({ ...facts, release: { name: name.value } }) : err(domainError('ConfigInvalid', problem));
}

const WHOLE_PARAMETER = /^\{\{\s*parameters\.([A-Za-z0-9_.-]+)\s*\}\}$/;

/** Values substituted like template content, except that a value that is exactly one parameter keeps its type. */
function substituteValues(value: unknown, facts: InstanceFacts, missing: MissingParameter): Result<unknown, DomainError> {
  return mapStrings(value, (text) => {
    const whole = WHOLE_PARAMETER.exec(text);
    const given = whole ? facts.parameters[whole[1]!] : undefined;
    return typeof given === 'number' || typeof given === 'boolean' ? ok(given) : substituteDeep(text, facts, missing);
  });
}

export interface PlannedRelease {
  readonly spec: ReleaseSpec;
  /** The facts with the release name, for coordinates and credentials. */
  readonly facts: InstanceFacts;
}

/**
 * The release of one instance. `facts.parameters` are the caller's (the
 * entry's defaults are filled in here); their check is the caller's
 * (checkEntryParameters) before anything is written.
 */
export function planRelease(entry: HelmEntry, facts: InstanceFacts, missing: MissingParameter = 'refuse'): Result<PlannedRelease, DomainError> {
  const chart = chartOf(entry.provisioner.chart);
  if (chart === undefined) return err(domainError('ConfigInvalid', `the chart ConfigMap ${describeEntryChart(entry.provisioner.chart)} has not been read`));
  const withRelease = releaseFacts(entry, { ...facts, parameters: withDefaults(entry.parameters, facts.parameters) });
  if (!withRelease.ok) return withRelease;
  const values = substituteValues(entry.provisioner.values, withRelease.value, missing);
  if (!values.ok) return values;
  const { namespace } = entry.provisioner;
  const spec: ReleaseSpec = { namespace, name: withRelease.value.release!.name, chart, values: values.value as Record<string, unknown> };
  return ok({ spec, facts: withRelease.value });
}

/** The generated values a Helm entry's values use. */
export function helmGeneratedSpecs(entry: HelmEntry): Result<GeneratedSpec[], DomainError> {
  const found = generatedIn(entry.provisioner.values);
  return found.ok ? ok([...found.value.values()]) : found;
}

export function describeEntryChart(chart: EntryChart): string {
  switch (chart.kind) {
    case 'configMap':
    case 'packaged':
      return `${chart.configMap}${chart.key !== undefined ? ` (key ${chart.key})` : ''}`;
    case 'repository': return `"${chart.chart}" ${chart.version} from ${chart.url}`;
    case 'oci': return `${chart.reference}${chart.version !== undefined ? ` ${chart.version}` : ''}`;
  }
}

const FIELD = 'provisiondata';

/**
 * What a chart rendered offline (`helm template`) says about an entry: an
 * object in another namespace than the release's, or of a built-in
 * cluster-scoped kind (the broker's rights are namespaced), would fail the
 * install. `scopeOf` answers for built-in kinds; others count as namespaced.
 */
export function checkRenderedChart(entry: HelmEntry, objects: readonly KubeObject[], clusterScoped: (apiVersion: string, kind: string) => boolean): ConfigProblem[] {
  const { namespace } = entry.provisioner;
  const problem = (message: string): ConfigProblem[] => [{ source: entry.source, field: `${FIELD}.chart`, message }];
  for (const object of objects) {
    const what = `${object.kind} "${object.metadata.name}"`;
    if (clusterScoped(object.apiVersion, object.kind)) return problem(`the chart makes ${what}, which is cluster-scoped: the broker installs into namespace ${namespace} only`);
    if (object.metadata.namespace !== undefined && object.metadata.namespace !== namespace) {
      return problem(`the chart puts ${what} into namespace ${object.metadata.namespace}, not the release's namespace ${namespace}`);
    }
  }
  return [];
}

/**
 * A Helm entry's problems found without a cluster: the chart named the way
 * Helm takes it (and, from a ConfigMap, found), the release name, and the
 * values rendered with stand-in facts. Rendering the chart itself needs the
 * helm binary: `mesitis validate` and the install do that.
 */
export function checkHelmEntry(entry: HelmEntry, facts: InstanceFacts): ConfigProblem[] {
  const problem = (field: string, message: string): ConfigProblem[] => [{ source: entry.source, field: `${FIELD}.${field}`, message }];
  const { chart } = entry.provisioner;
  if (chart.kind === 'configMap') {
    return problem('chart.configmap', `no ConfigMap ${chart.configMap} labelled mesitis/kind: helm-chart${chart.key !== undefined ? ` with binaryData key ${chart.key}` : ''} holds the chart`);
  }
  const chartProblem = chartSourceProblem(chartOf(chart)!);
  if (chartProblem !== undefined) return problem('chart', chart.kind === 'packaged' ? `ConfigMap ${chart.configMap}: ${chartProblem}` : chartProblem);
  const template = releaseTemplate(entry);
  const refused = variablesIn(template).filter((name) => !PROVIDER_VARIABLES.includes(name));
  if (refused.length > 0) {
    return problem('releasename', `may use only ${PROVIDER_VARIABLES.map((v) => `{{ ${v} }}`).join(', ')}, not {{ ${refused[0]} }}: a caller could choose it to name another instance's release`);
  }
  if (!variablesIn(template).includes(SHORT_ID_VARIABLE)) return problem('releasename', `must use {{ ${SHORT_ID_VARIABLE} }}: each instance has a release of its own`);
  const planned = planRelease(entry, facts, 'placeholder');
  if (!planned.ok) return problem(planned.error.message.startsWith('release name') ? 'releasename' : 'values', planned.error.message);
  const generated = helmGeneratedSpecs(entry);
  if (!generated.ok) return problem('values', generated.error.message);
  const service = substitute(entry.provisioner.name ?? '{{ release.name }}', planned.value.facts, 'placeholder');
  if (!service.ok) return problem('name', service.error.message);
  return [];
}
