/**
 * A failed helm command becomes an error kind here and nowhere else. helm's
 * stderr is not safe to pass on: the API server echoes field values back
 * ("Invalid value: ..."), a chart's `fail` message may print a value, a
 * repository URL may carry a token. So the message is built from what the
 * broker asked for plus the few parts of stderr that are names the provider
 * wrote (kind, object name, field path, template file and line), each
 * matched against a narrow pattern; the rest of stderr is dropped, from the
 * log too.
 */
import { domainError, type DomainError } from '../../domain/errors.js';

/** How a helm process ended, when it did not end well. */
export interface HelmFailure {
  readonly exitCode?: number;
  readonly signal?: string;
  /** Killed by the broker's deadline. */
  readonly timedOut: boolean;
  /** The binary was not there to run (ENOENT, EACCES). */
  readonly notRunnable?: string;
  readonly stderr: string;
}

const OBJECT_NAME = String.raw`[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?`;
const KIND = String.raw`[A-Z][A-Za-z0-9]*(?:\.[a-z0-9.-]+)?`;
const FIELD_PATH = String.raw`[A-Za-z][\w.\[\]-]{0,200}`;
const FIELD_REASONS = ['Required value', 'Invalid value', 'Unsupported value', 'Forbidden', 'Duplicate value', 'Too long', 'Too many', 'Not found'];

const INVALID = new RegExp(String.raw`\b(${KIND}) "(${OBJECT_NAME})" is invalid: (.*)$`, 'm');
const FIELD = new RegExp(String.raw`(?:^|, |\[)(${FIELD_PATH}): (${FIELD_REASONS.join('|')})`, 'g');
const EXISTS = new RegExp(String.raw`\b(${KIND}) "(${OBJECT_NAME})" in namespace "(${OBJECT_NAME})" exists and cannot be imported`);
const FORBIDDEN = /\bis forbidden: User "[^"]*" cannot ([a-z]+) resource "([a-z0-9.-]+)"/;
const NAMESPACE_MISSING = new RegExp(String.raw`\bnamespaces "(${OBJECT_NAME})" not found`);
const TEMPLATE_AT = /\b([A-Za-z0-9][-\w.]*\/(?:charts\/[-\w.]+\/)*templates\/[-\w./]+?)(?::(\d+))?(?::(\d+))?[):\s]/;
const SCHEMA_PATH = /\bat '(\/[^'\s]{0,200})'/g;
const CLUSTER_UNREACHABLE = /Kubernetes cluster unreachable|dial tcp|connection refused|no such host|i\/o timeout|TLS handshake timeout|context deadline exceeded|connection reset by peer|server is currently unable|the server was unable to return a response/;

/** What the broker was doing: `upgrade release "ns/name"`. */
export interface HelmAction {
  readonly verb: string;
  readonly what: string;
  /** The chart, in the broker's words (domain describeChart), for fetch failures. */
  readonly chart?: string;
}

/** The line(s) helm reports its error on; its `level=...` log lines before them are ignored. */
const errorText = (stderr: string): string =>
  stderr
    .split('\n')
    .filter((line) => !/^level=/.test(line))
    .join('\n')
    .trim();

function invalidObject(text: string): string | undefined {
  const match = INVALID.exec(text);
  if (match === null) return undefined;
  const fields = [...(match[3] ?? '').matchAll(FIELD)].map((m) => `${m[1]}: ${m[2]!.toLowerCase()}`);
  return `${match[1]} "${match[2]}" was refused by the cluster as invalid${fields.length > 0 ? ` (${[...new Set(fields)].join('; ')})` : ''}`;
}

function renderFailure(text: string): string | undefined {
  if (/values don't meet the specifications of the schema/.test(text)) {
    const paths = [...text.matchAll(SCHEMA_PATH)].map((m) => m[1]!);
    return `the values do not match the chart's values.schema.json${paths.length > 0 ? ` (at ${[...new Set(paths)].join(', ')})` : ''}`;
  }
  if (!/\b(?:execution error|parse error|YAML parse error|template: |error calling|nil pointer|render error|executing ")/.test(text) && !TEMPLATE_AT.test(`${text}\n`)) {
    return undefined;
  }
  const at = TEMPLATE_AT.exec(`${text}\n`);
  const where = at === null ? '' : ` (at ${at[1]}${at[2] !== undefined ? `:${at[2]}` : ''})`;
  return `the chart could not be rendered${where}`;
}

function fetchFailure(text: string, chart: string): DomainError | undefined {
  if (/is not a valid chart repository or cannot be reached|failed to fetch|failed to perform "FetchReference"|failed to download|FetchReference/.test(text)) {
    return CLUSTER_UNREACHABLE.test(text)
      ? domainError('Unavailable', `the repository of ${chart} could not be reached`)
      : domainError('ConfigInvalid', `${chart} could not be fetched (repository, name or version not found)`);
  }
  if (/\bchart "[^"]*"(?: version "[^"]*")? not found|: not found$|\bnot found in .* repository/m.test(text)) {
    return domainError('ConfigInvalid', `${chart} was not found (name or version)`);
  }
  if (/does not appear to be a gzipped archive|Chart\.yaml file is missing|cannot load Chart\.yaml|validation: chart\.metadata|chart metadata .* missing|unable to load chart|failed to load/.test(text)) {
    return domainError('ConfigInvalid', 'the packaged chart could not be read (not a chart archive, or a broken Chart.yaml)');
  }
  return undefined;
}

/** The domain's view of a failed helm command; the message is safe to show a caller and to log. */
export function translateHelmFailure(failure: HelmFailure, action: HelmAction): DomainError {
  const doing = `${action.verb} ${action.what}`;
  if (failure.notRunnable !== undefined) return domainError('Infrastructure', `${doing}: ${failure.notRunnable}`);
  if (failure.timedOut) return domainError('Unavailable', `${doing} did not finish in time`);
  const text = errorText(failure.stderr);

  if (/\brelease: not found\b/.test(text)) return domainError('NotFound', `${action.what} not found`);
  const exists = EXISTS.exec(text);
  if (exists !== null) return domainError('ObjectsExist', `${doing}: ${exists[1]} ${exists[3]}/${exists[2]} already exists and belongs to no release of this name`);
  if (/another operation \(install\/upgrade\/rollback\) is in progress/.test(text)) return domainError('ConcurrencyError', `${doing}: another helm operation on it is in progress`);
  const missingNamespace = NAMESPACE_MISSING.exec(text);
  if (missingNamespace !== null) return domainError('ConfigInvalid', `${doing}: namespace "${missingNamespace[1]}" does not exist`);
  const forbidden = FORBIDDEN.exec(text);
  if (forbidden !== null) return domainError('Forbidden', `${doing}: the broker is not allowed to ${forbidden[1]} ${forbidden[2]}`);
  if (/\bUnauthorized\b|provide credentials/.test(text)) return domainError('Forbidden', `${doing}: the cluster did not accept the broker's credentials`);
  const invalid = invalidObject(text);
  if (invalid !== undefined) return domainError('ConfigInvalid', `${doing}: ${invalid}`);
  const rendering = renderFailure(text);
  if (rendering !== undefined) return domainError('ConfigInvalid', `${doing}: ${rendering}`);
  const fetching = fetchFailure(text, action.chart ?? 'the chart');
  if (fetching !== undefined) return domainError(fetching.kind, `${doing}: ${fetching.message}`);
  if (CLUSTER_UNREACHABLE.test(text)) return domainError('Unavailable', `${doing}: the cluster could not be reached`);
  return domainError('Infrastructure', `${doing} failed (${failure.signal ?? `exit ${failure.exitCode ?? '?'}`})`);
}
