/**
 * Reads Kubernetes manifests from files and directories the way
 * `kubectl apply -f` does: multi-document YAML (JSON is YAML), `List`
 * objects flattened, a default namespace for namespaced objects without one.
 * Problems name the file and the document's index in it (from 0).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../domain/kube-object.js';
import { describeYamlError, isRecord } from './payload.js';

export interface ManifestProblem {
  readonly file: string;
  /** The YAML document's index in the file; absent when the whole file is at fault. */
  readonly index?: number;
  readonly message: string;
}

export interface LoadedManifests {
  readonly objects: readonly KubeObject[];
  readonly problems: readonly ManifestProblem[];
}

export const describeManifestProblem = (p: ManifestProblem): string =>
  `${p.file}${p.index !== undefined ? ` [document ${p.index}]` : ''}: ${p.message}`;

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
/** The cluster-scoped kinds a provider setup may contain; every other kind is namespaced. */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume', 'StorageClass', 'PriorityClass']);

/** Files under `path`, recursively and sorted; a file named directly is read whatever its extension. */
async function manifestFiles(path: string): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  const nested = await Promise.all(
    entries
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .filter((entry) => entry.isDirectory() || MANIFEST_EXTENSIONS.has(extname(entry.name).toLowerCase()))
      .map((entry) => manifestFiles(join(path, entry.name))),
  );
  return nested.flat();
}

function objectProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'is not a mapping';
  if (typeof value['apiVersion'] !== 'string') return 'has no apiVersion';
  if (typeof value['kind'] !== 'string') return 'has no kind';
  const metadata = value['metadata'];
  if (!isRecord(metadata) || typeof metadata['name'] !== 'string' || metadata['name'] === '') return 'has no metadata.name';
  return undefined;
}

/** A `List` (or `ConfigMapList`, ...) stands for its items. */
const flatten = (value: unknown): unknown[] =>
  isRecord(value) && typeof value['kind'] === 'string' && value['kind'].endsWith('List') && Array.isArray(value['items'])
    ? value['items'].flatMap(flatten)
    : [value];

function withNamespace(object: KubeObject, defaultNamespace: string): KubeObject {
  if (CLUSTER_SCOPED.has(object.kind) || object.metadata.namespace) return object;
  return { ...object, metadata: { ...object.metadata, namespace: defaultNamespace } };
}

function parseFile(file: string, text: string, defaultNamespace: string): LoadedManifests {
  const objects: KubeObject[] = [];
  const problems: ManifestProblem[] = [];
  const documents = parseAllDocuments(text, { prettyErrors: false });
  (Array.isArray(documents) ? documents : []).forEach((document, index) => {
    const error = document.errors[0];
    if (error) return void problems.push({ file, index, message: describeYamlError(text, error) });
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: 100 });
    } catch (thrown) {
      return void problems.push({ file, index, message: (thrown as Error).message });
    }
    if (value === null || value === undefined) return; // an empty document, e.g. after a trailing `---`
    for (const item of flatten(value)) {
      const problem = objectProblem(item);
      if (problem !== undefined) problems.push({ file, index, message: `object ${problem}` });
      else objects.push(withNamespace(item as KubeObject, defaultNamespace));
    }
  });
  return { objects, problems };
}

const identity = (o: KubeObject): string => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export async function loadManifests(paths: readonly string[], defaultNamespace: string): Promise<LoadedManifests> {
  const objects: KubeObject[] = [];
  const problems: ManifestProblem[] = [];
  const seen = new Map<string, string>();
  for (const path of paths) {
    let files: string[];
    try {
      files = await manifestFiles(path);
    } catch (error) {
      problems.push({ file: path, message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` });
      continue;
    }
    for (const file of files) {
      const loaded = parseFile(file, await readFile(file, 'utf8'), defaultNamespace);
      problems.push(...loaded.problems);
      for (const object of loaded.objects) {
        // A second object of the same identity would silently overwrite the first when applied.
        const first = seen.get(identity(object));
        if (first !== undefined) {
          problems.push({ file, message: `${identity(object)} is also defined in ${first}` });
          continue;
        }
        seen.set(identity(object), file);
        objects.push(object);
      }
    }
  }
  return { objects, problems };
}
