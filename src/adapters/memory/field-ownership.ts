/**
 * Server-side apply, as far as the fake cluster needs it to behave like a
 * real apiserver: who set which field. An apply (forced, as the broker's
 * always is) sets the fields it names, takes over those another writer set
 * to other values, leaves every other field alone, and removes the fields
 * it applied before and names no more, unless another writer set them too.
 *
 * Simplifications, each one towards keeping a field rather than losing one
 * a real server keeps: one applier (the broker's field manager); fields are
 * paths down maps, and a list is one field (a real server merges some lists
 * by key, containers by name); a create or replace owns every field it sent.
 * Server-owned metadata and status are nobody's here.
 */
import type { KubeObject } from '../../domain/kube-object.js';

type Fields = Record<string, unknown>;
type Path = readonly string[];

export interface FieldOwnership {
  /** The fields the last apply named, as JSON-encoded paths. */
  readonly applied: ReadonlySet<string>;
  /** The fields creates and replaces wrote. */
  readonly others: ReadonlySet<string>;
}

const isMap = (value: unknown): value is Fields => value !== null && typeof value === 'object' && !Array.isArray(value);
const encode = (path: Path): string => JSON.stringify(path);
const decode = (key: string): Path => JSON.parse(key) as string[];
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Every field a writer sets with this object: its leaves, a list or an empty map counting as one. */
export function fieldsOf(object: KubeObject): Set<string> {
  const paths = new Set<string>();
  const walk = (value: unknown, path: Path): void => {
    if (isMap(value) && Object.keys(value).length > 0) {
      for (const [key, child] of Object.entries(value)) walk(child, [...path, key]);
    } else {
      paths.add(encode(path));
    }
  };
  const { apiVersion: _version, kind: _kind, status: _status, metadata, ...content } = object;
  for (const [key, value] of Object.entries(content)) walk(value, [key]);
  for (const key of ['labels', 'annotations'] as const) {
    if (metadata[key] !== undefined) walk(metadata[key], ['metadata', key]);
  }
  return paths;
}

function read(object: unknown, path: Path): unknown {
  let at = object;
  for (const key of path) at = isMap(at) ? at[key] : undefined;
  return at;
}

function write(object: Fields, path: Path, value: unknown): void {
  let at = object;
  for (const key of path.slice(0, -1)) {
    if (!isMap(at[key])) at[key] = {};
    at = at[key] as Fields;
  }
  at[path[path.length - 1]!] = structuredClone(value);
}

/** Removes the field, and the maps it leaves empty. */
function remove(object: Fields, path: Path): void {
  const parents: Fields[] = [object];
  for (const key of path.slice(0, -1)) {
    const next = parents[parents.length - 1]![key];
    if (!isMap(next)) return;
    parents.push(next);
  }
  delete parents[parents.length - 1]![path[path.length - 1]!];
  for (let i = parents.length - 1; i > 0 && Object.keys(parents[i]!).length === 0; i--) delete parents[i - 1]![path[i - 1]!];
}

const within = (key: string, prefix: string): boolean => key === prefix || key.startsWith(prefix.slice(0, -1) + ',');

/** The object after a forced apply of `configuration` over `stored`, and who owns what then. */
export function applied(stored: KubeObject, ownership: FieldOwnership, configuration: KubeObject): { object: KubeObject; ownership: FieldOwnership } {
  const named = fieldsOf(configuration);
  const result = structuredClone(stored) as Fields;
  result['apiVersion'] = configuration.apiVersion;
  const taken = [...named].filter((key) => !same(read(stored, decode(key)), read(configuration, decode(key))));
  const others = new Set([...ownership.others].filter((key) => !taken.some((t) => within(key, t))));
  for (const key of named) write(result, decode(key), read(configuration, decode(key)));
  for (const key of ownership.applied) {
    if (!named.has(key) && !others.has(key)) remove(result, decode(key));
  }
  return { object: result as KubeObject, ownership: { applied: named, others } };
}

/** Ownership after a create or replace of `object`: its writer owns what it sent; an apply keeps what it still agrees with. */
export function written(object: KubeObject, before?: { readonly object: KubeObject; readonly ownership: FieldOwnership }): FieldOwnership {
  const sent = fieldsOf(object);
  if (before === undefined) return { applied: new Set(), others: sent };
  const kept = [...before.ownership.applied].filter((key) => same(read(before.object, decode(key)), read(object, decode(key))));
  return { applied: new Set(kept), others: new Set([...before.ownership.others, ...sent]) };
}
