/**
 * Reads the object a provider ConfigMap carries under `wrapped-resource` (or
 * the older `embedded-resource`), written as JSON or YAML.
 */
import { parseAllDocuments, type YAMLError } from 'yaml';
import type { ConfigProblem } from '../../domain/catalog-entry.js';
import { err, ok, type Result } from '../../domain/result.js';
import { PAYLOAD_KEYS, type ConfigMapDocument } from './config-map-document.js';

export interface Payload {
  /** The data key it was found under, for problem reports. */
  readonly key: string;
  readonly value: unknown;
}

/**
 * JSON is YAML, but JSON.parse is an order of magnitude faster and this runs
 * for every ConfigMap on every change; YAML is the fallback, not the default.
 */
function parseText(text: string): Result<unknown, string> {
  try {
    return ok(JSON.parse(text));
  } catch {
    // not JSON: try YAML below
  }
  const documents = parseAllDocuments(text, { prettyErrors: false });
  if (!Array.isArray(documents) || documents.length === 0) return err('is empty');
  if (documents.length > 1) return err(`holds ${documents.length} YAML documents; put one object per ConfigMap`);
  const [document] = documents as [(typeof documents)[number]];
  const firstError = document.errors[0];
  if (firstError) return err(`is neither JSON nor valid YAML: ${describeYamlError(text, firstError)}`);
  try {
    return ok(document.toJS({ maxAliasCount: 100 }));
  } catch (error) {
    return err(`cannot be read as YAML: ${(error as Error).message}`);
  }
}

/** Only the message and line: yaml's pretty errors quote the source line, which may hold a password. */
export const describeYamlError = (text: string, error: YAMLError): string =>
  `${error.message} (line ${text.slice(0, error.pos[0]).split('\n').length})`;

export function readPayload(doc: ConfigMapDocument): Result<Payload, ConfigProblem> {
  const problem = (field: string, message: string) => err({ source: doc.name, field, message });
  const present = PAYLOAD_KEYS.filter((key) => doc.data[key] !== undefined);
  const [key] = present;
  if (key === undefined) return problem('', `has no data key ${PAYLOAD_KEYS.map((k) => `"${k}"`).join(' or ')}`);
  if (present.length > 1) return problem(key, `both ${present.join(' and ')} are set; keep one`);
  const text = doc.data[key] ?? '';
  if (text.trim() === '') return problem(key, 'is empty');
  const parsed = parseText(text);
  if (!parsed.ok) return problem(key, parsed.error);
  if (parsed.value === null || parsed.value === undefined) return problem(key, 'is empty');
  return ok({ key, value: parsed.value });
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
