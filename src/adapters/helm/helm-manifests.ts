/**
 * What `helm template` and `helm get manifest` print, read back as objects:
 * a multi-document YAML stream in Helm's install order. An object without a
 * namespace goes into the release namespace, as helm puts it there (unless
 * its kind is cluster-scoped). Hooks are told apart by their annotation.
 */
import { parseAllDocuments } from 'yaml';
import { BUILT_IN_KINDS, scopeTable } from '../../domain/built-in-kinds.js';
import { domainError, type DomainError } from '../../domain/errors.js';
import { refOf, type KubeObject, type ObjectRef } from '../../domain/kube-object.js';
import { err, ok, type Result } from '../../domain/result.js';

const scopeOf = scopeTable(BUILT_IN_KINDS);
const HOOK_ANNOTATION = 'helm.sh/hook';

type Fields = Record<string, unknown>;
const asFields = (value: unknown): Fields | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Fields) : undefined;

function asObject(value: unknown): KubeObject | undefined {
  const fields = asFields(value);
  const metadata = asFields(fields?.['metadata']);
  if (typeof fields?.['apiVersion'] !== 'string' || typeof fields['kind'] !== 'string') return undefined;
  if (typeof metadata?.['name'] !== 'string' || metadata['name'] === '') return undefined;
  return value as KubeObject;
}

function inNamespace(object: KubeObject, namespace: string): KubeObject {
  if (object.metadata.namespace || scopeOf(object.apiVersion, object.kind) === 'cluster') return object;
  return { ...object, metadata: { ...object.metadata, namespace } };
}

/** The objects of a manifest stream; ConfigInvalid (naming the document, not its content) when one is not an object. */
export function parseManifest(text: string, namespace: string): Result<KubeObject[], DomainError> {
  const objects: KubeObject[] = [];
  const documents = parseAllDocuments(text, { prettyErrors: false });
  for (const [index, document] of (Array.isArray(documents) ? documents : []).entries()) {
    if (document.errors.length > 0) return err(domainError('ConfigInvalid', `the rendered chart's document ${index} is not valid YAML`));
    const value: unknown = document.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    const object = asObject(value);
    if (object === undefined) return err(domainError('ConfigInvalid', `the rendered chart's document ${index} is not a Kubernetes object with a name`));
    objects.push(inNamespace(object, namespace));
  }
  return ok(objects);
}

export const isHook = (object: KubeObject): boolean => object.metadata.annotations?.[HOOK_ANNOTATION] !== undefined;

export const refsOf = (objects: readonly KubeObject[]): ObjectRef[] => objects.map(refOf);
