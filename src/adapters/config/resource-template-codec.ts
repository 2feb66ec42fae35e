/**
 * Decodes a resource ConfigMap (any `mesitis/kind` other than catalog-entry)
 * into a ResourceTemplate. Kubernetes keys are case-sensitive, so nothing is
 * lower-cased here. Whether the object's kind is one Mesitis may create is the
 * domain's call (normaliseTemplate), made when an entry selects it.
 */
import type { ConfigProblem } from '../../domain/catalog-entry.js';
import type { KubeObject } from '../../domain/kube-object.js';
import type { ResourceTemplate } from '../../domain/resource-template.js';
import type { ConfigMapDocument } from './config-map-document.js';
import { isRecord, readPayload } from './payload.js';

type Shape = { field: string; message: string } | undefined;

/** Label and annotation values must be strings to the API server; YAML turns `1` and `true` into other things. */
function stringMapProblem(value: unknown, field: string): Shape {
  if (value === undefined) return undefined;
  if (!isRecord(value)) return { field, message: 'must be a mapping' };
  const bad = Object.keys(value).find((key) => typeof value[key] !== 'string');
  return bad === undefined ? undefined : { field: `${field}.${bad}`, message: 'must be a string (quote it)' };
}

function shapeProblem(value: unknown): Shape {
  if (!isRecord(value)) return { field: '', message: 'must hold a Kubernetes object (a mapping)' };
  if (typeof value['apiVersion'] !== 'string' || value['apiVersion'] === '') return { field: 'apiVersion', message: 'is required and must be a string' };
  if (typeof value['kind'] !== 'string' || value['kind'] === '') return { field: 'kind', message: 'is required and must be a string' };
  const metadata = value['metadata'];
  if (!isRecord(metadata)) return { field: 'metadata', message: 'is required and must be a mapping' };
  if (typeof metadata['name'] !== 'string' || metadata['name'] === '') return { field: 'metadata.name', message: 'is required and must be a string' };
  if (metadata['namespace'] !== undefined && typeof metadata['namespace'] !== 'string') return { field: 'metadata.namespace', message: 'must be a string' };
  return stringMapProblem(metadata['labels'], 'metadata.labels') ?? stringMapProblem(metadata['annotations'], 'metadata.annotations');
}

export function decodeResourceTemplate(doc: ConfigMapDocument): ResourceTemplate {
  const labels = doc.labels;
  const payload = readPayload(doc);
  if (!payload.ok) return { source: doc.name, labels, object: payload.error };
  const problem = shapeProblem(payload.value.value);
  if (problem !== undefined) {
    const field = problem.field === '' ? payload.value.key : problem.field;
    const object: ConfigProblem = { source: doc.name, field, message: problem.message };
    return { source: doc.name, labels, object };
  }
  return { source: doc.name, labels, object: payload.value.value as KubeObject };
}
