/**
 * The naming rules of Kubernetes that a rendered object must meet: one copy
 * for the whole broker (the plan check, the fake cluster, the config codecs).
 * Checked before anything is created, so a bad value is refused with a
 * reason instead of coming back from the API server as a failure.
 */
import type { KubeObject } from './kube-object.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** RFC 1123 label: namespaces, container names. */
export const isDnsLabel = (name: string): boolean => name.length <= 63 && DNS_LABEL.test(name);

/** RFC 1035 label: Service names (they become DNS names and environment variables). */
export const isDns1035Label = (name: string): boolean => name.length <= 63 && DNS_1035_LABEL.test(name);

/** RFC 1123 subdomain: the names of most objects. */
export const isDnsSubdomain = (name: string): boolean =>
  name.length <= 253 && name.split('.').every((part) => DNS_LABEL.test(part));

export const isLabelValue = (value: string): boolean => value.length <= 63 && LABEL_VALUE.test(value);

/** `prefix/name`, as label and annotation keys are written. */
export function isQualifiedName(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = key.slice(slash + 1);
  return (prefix === undefined || isDnsSubdomain(prefix)) && name.length <= 63 && QUALIFIED_NAME.test(name);
}

/** Kinds whose names must be RFC 1035 labels rather than subdomains. */
const LABEL_NAMED_KINDS = ['Service'];

export function isValidObjectName(kind: string, name: string): boolean {
  return LABEL_NAMED_KINDS.includes(kind) ? isDns1035Label(name) : isDnsSubdomain(name);
}

export function nameRule(kind: string): string {
  return LABEL_NAMED_KINDS.includes(kind)
    ? 'lower-case letters, digits and "-", starting with a letter, at most 63 characters'
    : 'lower-case letters, digits, "-" and ".", at most 253 characters';
}

/** One field of an object that breaks a naming rule. */
export interface NamingProblem {
  /** Where, as keys from the object's root (e.g. ["metadata", "labels", "app"]). */
  readonly path: readonly string[];
  readonly value: string;
  readonly rule: string;
}

type Fields = Record<string, unknown>;
const asFields = (value: unknown): Fields | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Fields) : undefined;

function labelProblems(labels: unknown, path: readonly string[]): NamingProblem[] {
  const map = asFields(labels);
  if (!map) return [];
  return Object.entries(map).flatMap(([key, value]): NamingProblem[] => [
    ...(isQualifiedName(key) ? [] : [{ path: [...path], value: key, rule: 'a label key is an optional DNS prefix and "/" and a name of at most 63 letters, digits, "-", "_" or "."' }]),
    ...(typeof value === 'string' && isLabelValue(value) ? [] : [{ path: [...path, key], value: String(value), rule: 'a label value is at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit' }]),
  ]);
}

/** Every name, label key and label value of the object that the API server would refuse. */
export function namingProblems(object: KubeObject): NamingProblem[] {
  const spec = asFields(object['spec']);
  const template = asFields(spec?.['template']);
  return [
    ...(isValidObjectName(object.kind, object.metadata.name) ? [] : [{ path: ['metadata', 'name'], value: object.metadata.name, rule: nameRule(object.kind) }]),
    ...labelProblems(object.metadata.labels, ['metadata', 'labels']),
    ...labelProblems(asFields(spec?.['selector'])?.['matchLabels'], ['spec', 'selector', 'matchLabels']),
    ...labelProblems(asFields(template?.['metadata'])?.['labels'], ['spec', 'template', 'metadata', 'labels']),
  ];
}
