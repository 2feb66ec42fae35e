/**
 * What the fake cluster serves, as an apiserver's discovery would report it:
 * the built-in kinds, plus the kinds of the CustomResourceDefinitions applied
 * to it (`mesitis dev` reads them from the manifests directory).
 */
import { BUILT_IN_KINDS, groupOf, type KindInfo, type KindScope } from '../../domain/built-in-kinds.js';
import type { KubeObject } from '../../domain/kube-object.js';
import { Revisions } from '../support/revisions.js';

type Fields = Record<string, unknown>;
const fields = (value: unknown): Fields => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Fields) : {});

/** The kinds one CRD serves, or why it is refused (the checks the apiserver makes that a manifest can trip). */
export function kindsOfCrd(crd: KubeObject): { kinds: KindInfo[] } | { problem: string } {
  const spec = fields(crd['spec']);
  const group = spec['group'];
  const kind = fields(spec['names'])['kind'];
  const plural = fields(spec['names'])['plural'];
  if (typeof group !== 'string' || !group.includes('.')) return { problem: 'spec.group: must be a DNS subdomain with at least one dot' };
  if (typeof kind !== 'string' || kind === '' || typeof plural !== 'string') return { problem: 'spec.names.kind and spec.names.plural are required' };
  if (crd.metadata.name !== `${plural}.${group}`) return { problem: `metadata.name: must be spec.names.plural+"."+spec.group ("${plural}.${group}")` };
  if (spec['scope'] !== 'Namespaced' && spec['scope'] !== 'Cluster') return { problem: 'spec.scope: must be Namespaced or Cluster' };
  const versions = Array.isArray(spec['versions']) ? spec['versions'].map(fields) : [];
  const served = versions.filter((v) => v['served'] === true && typeof v['name'] === 'string');
  if (served.length === 0) return { problem: 'spec.versions: at least one version must be served' };
  return { kinds: served.map((v) => ({ apiVersion: `${group}/${String(v['name'])}`, kind, namespaced: spec['scope'] === 'Namespaced', resource: plural })) };
}

const keyOf = (apiVersion: string, kind: string) => `${apiVersion}\n${kind}`;

export class ServedKinds {
  private readonly builtIn = new Map(BUILT_IN_KINDS.map((k) => [keyOf(k.apiVersion, k.kind), k] as const));
  /** By CRD name. */
  private readonly custom = new Map<string, readonly KindInfo[]>();
  private readonly changes = new Revisions();

  scopeOf(apiVersion: string, kind: string): KindScope {
    const found = this.find(apiVersion, kind);
    return found === undefined ? 'unknown' : found.namespaced ? 'namespaced' : 'cluster';
  }

  /** The resource RBAC names the kind by; undefined when not served. */
  resourceOf(apiVersion: string, kind: string): string | undefined {
    return this.find(apiVersion, kind)?.resource;
  }

  private find(apiVersion: string, kind: string): KindInfo | undefined {
    return this.builtIn.get(keyOf(apiVersion, kind))
      ?? [...this.custom.values()].flat().find((k) => k.apiVersion === apiVersion && k.kind === kind);
  }

  /** The group a kind named without an apiVersion belongs to: the built-in one of that name, else the core group. */
  defaultGroup(kind: string): string {
    const builtIn = BUILT_IN_KINDS.find((k) => k.kind === kind);
    return builtIn === undefined ? '' : groupOf(builtIn.apiVersion);
  }

  /** Serves (or changes) the kinds of a CRD; a problem when the CRD would be refused. */
  define(crd: KubeObject): string | undefined {
    const outcome = kindsOfCrd(crd);
    if ('problem' in outcome) return outcome.problem;
    this.custom.set(crd.metadata.name, outcome.kinds);
    this.changed();
    return undefined;
  }

  /** Stops serving a CRD's kinds; false when it was not defined. */
  undefine(name: string): boolean {
    if (!this.custom.delete(name)) return false;
    this.changed();
    return true;
  }

  revision(): number {
    return this.changes.current;
  }

  onChange(listener: () => void): () => void {
    return this.changes.onChange(listener);
  }

  private changed(): void {
    this.changes.bump();
  }
}
