/**
 * Helm releases as the domain sees them: where a chart comes from, which
 * release (namespace + name) an instance owns, and the states Helm records
 * for it. The names follow Helm's own rules, checked here so that a bad one
 * is refused before any helm command runs (and can never pass for a flag).
 */
import { isDnsLabel } from './kubernetes-names.js';

/**
 * Where a chart comes from: a packaged chart (the bytes of a `.tgz`, e.g. a
 * ConfigMap's binaryData), a chart repository over HTTP(S) with the chart's
 * name and version, or an OCI reference (`oci://registry/path/chart`, the
 * version in `version` or as the reference's tag).
 */
export type ChartSource =
  | { readonly kind: 'packaged'; readonly archive: Uint8Array }
  | { readonly kind: 'repository'; readonly url: string; readonly chart: string; readonly version: string }
  | { readonly kind: 'oci'; readonly reference: string; readonly version?: string };

/** One release: Helm keys releases by namespace and name. */
export interface ReleaseRef {
  readonly namespace: string;
  readonly name: string;
}

/** What to install or upgrade to. Values may hold generated secrets: they never leave the adapter except into the chart. */
export interface ReleaseSpec extends ReleaseRef {
  readonly chart: ChartSource;
  readonly values: Readonly<Record<string, unknown>>;
}

/** Helm's release states, plus 'absent' for a release with no revision at all. */
export const RELEASE_STATES = [
  'deployed',
  'failed',
  'pending-install',
  'pending-upgrade',
  'pending-rollback',
  'uninstalling',
  'superseded',
  'uninstalled',
  'unknown',
] as const;
export type ReleaseState = (typeof RELEASE_STATES)[number];

export type ReleaseStatus =
  | { readonly state: 'absent' }
  | {
      readonly state: ReleaseState;
      /** The latest revision (1 after the first install; every upgrade or rollback adds one). */
      readonly revision: number;
      /** The newest revision that is deployed, i.e. serving; absent when none is. */
      readonly deployedRevision?: number;
      /** `<chart name>-<chart version>`, as `helm list` shows it. */
      readonly chart: string;
    };

/** A release as `helm list` shows it. */
export interface ReleaseSummary extends ReleaseRef {
  readonly revision: number;
  readonly state: ReleaseState;
  readonly chart: string;
}

export const isPending = (state: ReleaseState | 'absent'): boolean => state.startsWith('pending-');

export const releaseStateOf = (text: string): ReleaseState =>
  (RELEASE_STATES as readonly string[]).includes(text) ? (text as ReleaseState) : 'unknown';

/** Helm's limit: release names end up in label values and object names with suffixes. */
const MAX_RELEASE_NAME = 53;
const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The problem with a release ref, or undefined when Helm will accept it. */
export function releaseRefProblem(ref: ReleaseRef): string | undefined {
  if (!isDnsLabel(ref.namespace)) return `namespace "${ref.namespace}" is not a valid namespace name`;
  if (ref.name.length > MAX_RELEASE_NAME || !RELEASE_NAME.test(ref.name)) {
    return `release name "${ref.name}" is not valid (lower-case letters, digits, "-" and ".", at most ${MAX_RELEASE_NAME} characters)`;
  }
  return undefined;
}

const CHART_NAME = /^[A-Za-z0-9][-A-Za-z0-9_.]*$/;
const CHART_VERSION = /^v?[0-9A-Za-z][-+.0-9A-Za-z]*$/;
/** A chart reference Helm can pull: registry host, path and optional tag; no whitespace, no quotes. */
const OCI_REFERENCE = /^oci:\/\/[A-Za-z0-9.-]+(:[0-9]+)?(\/[-_.a-z0-9]+)+(:[-_.+A-Za-z0-9]+)?$/;

/** The problem with a chart source, or undefined when it names a chart the way Helm takes it. */
export function chartSourceProblem(source: ChartSource): string | undefined {
  switch (source.kind) {
    case 'packaged':
      return source.archive.byteLength === 0 ? 'the packaged chart is empty' : undefined;
    case 'repository':
      // No user info (`user:password@`): credentials do not belong in a URL that messages name.
      if (!/^https?:\/\/[^\s"'@]+$/.test(source.url)) return 'the chart repository is not an http(s) URL without credentials';
      if (!CHART_NAME.test(source.chart)) return `chart name "${source.chart}" is not valid`;
      return CHART_VERSION.test(source.version) ? undefined : `chart version "${source.version}" is not valid`;
    case 'oci':
      if (!OCI_REFERENCE.test(source.reference)) return `"${source.reference}" is not an OCI chart reference (oci://registry/path/chart)`;
      return source.version === undefined || CHART_VERSION.test(source.version) ? undefined : `chart version "${source.version}" is not valid`;
  }
}

/** How a chart source is named in messages: never the archive's bytes. */
export function describeChart(source: ChartSource): string {
  switch (source.kind) {
    case 'packaged':
      return `a packaged chart (${source.archive.byteLength} bytes)`;
    case 'repository':
      return `chart "${source.chart}" ${source.version} from ${source.url}`;
    case 'oci':
      return `chart ${source.reference}${source.version !== undefined ? ` ${source.version}` : ''}`;
  }
}
