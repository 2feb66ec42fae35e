/**
 * A catalog entry: one version of one offering of one providing team, as the
 * team wrote it in a ConfigMap. How it is provisioned and where its
 * credentials come from are closed sets of kinds.
 */
import { uuidV5 } from './hash.js';
import type { ChartSource } from './helm-release.js';
import { isDnsLabel, isDnsSubdomain } from './kubernetes-names.js';
import { schemaProblems, type ParameterSchema } from './parameter-schema.js';
import { PROVIDER_VARIABLES, variablesIn } from './template-variables.js';
import type { VaultLeaseSource, VaultSecretSource } from './vault-values.js';

/**
 * A Helm entry's chart. A packaged chart in a ConfigMap's binaryData is
 * named by the entry (`configMap`, `key`) and resolved into its bytes once
 * every ConfigMap is read (`packaged`, with a digest of the bytes that
 * stands for them in the maintenance version); the other sources are used
 * as written.
 */
export type EntryChart =
  | { readonly kind: 'configMap'; readonly configMap: string; readonly key?: string }
  | (Extract<ChartSource, { kind: 'packaged' }> & { readonly configMap: string; readonly key: string; readonly digest: string })
  | Exclude<ChartSource, { kind: 'packaged' }>;

export type Provisioner =
  | { readonly kind: 'NonClusterURL'; readonly url: string }
  | { readonly kind: 'ExistingClusterService'; readonly namespace: string; readonly name: string; readonly port?: number }
  | {
      readonly kind: 'NewClusterObjects';
      readonly namespace: string;
      /** The Service name consumers connect to; may use template variables. */
      readonly name: string;
      readonly labelSelector: string;
      readonly port?: number;
      /** Selects the templates made for each binding (at bind, removed at unbind); absent: bindings get no objects. */
      readonly bindingLabelSelector?: string;
    }
  | {
      /** One Helm release per instance, in `namespace`. */
      readonly kind: 'HelmChart';
      readonly namespace: string;
      readonly chart: EntryChart;
      /** The release's values; strings may use template variables (generated values included). */
      readonly values: Readonly<Record<string, unknown>>;
      /** Template of the release name (provider variables only); absent: derived from the offering and the instance's short id. */
      readonly releaseName?: string;
      /** The Service name consumers connect to; may use template variables and `{{ release.name }}`; absent: the release name. */
      readonly name?: string;
      readonly port?: number;
    };

export type CredentialSource =
  | { readonly kind: 'FromCatalog'; readonly values: Readonly<Record<string, string>> }
  | { readonly kind: 'FromClusterSecret'; readonly secretName: string }
  | {
      /** A Secret made for the instance (by its plan, a Helm release or an operator), read at every bind. */
      readonly kind: 'FromInstanceSecret';
      /** May use the template variables the provider controls (PROVIDER_VARIABLES). */
      readonly secretName: string;
      /** The keys handed out; absent: all of them. */
      readonly keys?: readonly string[];
      /** Absent: the provisioner's namespace. */
      readonly namespace?: string;
    }
  | { readonly kind: 'NoCredential' }
  /** Keys of a KV v2 secret in Vault, read at every bind and fetch. */
  | VaultSecretSource
  | VaultLeaseSource;

export interface CatalogEntry {
  /** Name of the ConfigMap the entry came from: every problem report names it. */
  readonly source: string;
  readonly team: string;
  readonly offering: string;
  readonly description: string;
  readonly version: string;
  /** The entry's `uuid`: the OSB plan id. */
  readonly planId: string;
  /** The entry's `serviceuuid`, else derived from team and offering. */
  readonly serviceId: string;
  readonly whitelist: readonly string[];
  readonly provisioner: Provisioner;
  readonly credentials: CredentialSource;
  /** How long a binding lives before the broker revokes it; absent: until unbound. */
  readonly bindingLifetime?: BindingLifetime;
  /** Versions of the same offering an instance of this entry may be moved to (`updatableTo`). */
  readonly updatableTo?: readonly string[];
  /** Versions of the same offering whose instances may be moved to this entry (`updatableFrom`). */
  readonly updatableFrom?: readonly string[];
  /** The plan's maintenance_info.version (semver); absent: derived from the templates (see maintenance.ts). */
  readonly maintenanceVersion?: string;
  /** Whether a PATCH may change an instance's parameters (its objects are rendered again). */
  readonly parametersUpdatable?: boolean;
  /** The provision parameters a consumer may set (the plan's OSB schema); absent: not declared. */
  readonly parameters?: ParameterSchema;
}

export interface BindingLifetime {
  readonly lifetimeMs: number;
  /** How long before expiry a consumer should rotate (OSB renew_before); absent: not said. */
  readonly renewBeforeMs?: number;
}

/** Whether each binding of the entry gets objects (and so credentials) of its own: what makes it rotatable. */
export const hasBindingObjects = (entry: Pick<CatalogEntry, 'provisioner'>): boolean =>
  entry.provisioner.kind === 'NewClusterObjects' && entry.provisioner.bindingLabelSelector !== undefined;

/** Whether the entry's credentials come from Vault (a static secret or a lease). */
export const usesVault = (entry: Pick<CatalogEntry, 'credentials'>): boolean => entry.credentials.kind === 'FromVault' || entry.credentials.kind === 'FromVaultLease';

/** Whether each binding takes a Vault lease of its own. */
export const hasBindingLease = (entry: Pick<CatalogEntry, 'credentials'>): boolean => entry.credentials.kind === 'FromVaultLease';

/** Whether each binding gets credentials of its own (objects or a lease): what makes a plan binding_rotatable. */
export const hasOwnCredentials = (entry: Pick<CatalogEntry, 'provisioner' | 'credentials'>): boolean => hasBindingObjects(entry) || hasBindingLease(entry);

export interface ConfigProblem {
  /** The ConfigMap at fault. */
  readonly source: string;
  /** The field at fault, as a path (`provisiondata.url`), or '' for the whole ConfigMap. */
  readonly field: string;
  readonly message: string;
}

export const describeProblem = (p: ConfigProblem): string =>
  `${p.source}${p.field ? ` (${p.field})` : ''}: ${p.message}`;

/** Fixed namespace for derived service ids, so they are stable across restarts and installations. */
const SERVICE_ID_NAMESPACE = '5a1e7d3c-6f0b-4c1e-9a55-6d2b7e0f4a91';

export const deriveServiceId = (team: string, offering: string): string =>
  uuidV5(`${team}/${offering}`, SERVICE_ID_NAMESPACE);

export const serviceName = (entry: Pick<CatalogEntry, 'team' | 'offering'>): string =>
  `${entry.team}-${entry.offering}`;

export const planName = (entry: Pick<CatalogEntry, 'team' | 'offering' | 'version'>): string =>
  `${entry.team}-${entry.offering}-${entry.version}`;

/** The whitelist policy: a consumer namespace may use an entry only when listed. */
export const mayUse = (entry: Pick<CatalogEntry, 'whitelist'>, namespace: string): boolean =>
  entry.whitelist.includes(namespace);

const CLI_NAME = /^[A-Za-z0-9][A-Za-z0-9.-]*$/;

/** semver.org 2.0.0, build metadata included. */
export const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/** Invariants a decoded entry must still satisfy; each broken one is a problem. */
export function checkEntry(entry: CatalogEntry): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const problem = (field: string, message: string) => problems.push({ source: entry.source, field, message });
  for (const field of ['team', 'offering', 'version'] as const) {
    if (!CLI_NAME.test(entry[field])) problem(field, `"${entry[field]}" must be letters, digits, "." and "-"`);
  }
  if (entry.planId.trim() === '') problem('uuid', 'must not be empty');
  if (entry.serviceId.trim() === '') problem('serviceuuid', 'must not be empty');
  entry.whitelist.forEach((namespace, i) => {
    if (!isDnsLabel(namespace)) problem(`whitelist[${i}]`, `"${namespace}" is not a namespace name`);
  });
  const provisioner = entry.provisioner;
  if (provisioner.kind === 'NonClusterURL' && !/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(provisioner.url)) {
    problem('provisiondata.url', `"${provisioner.url}" is not an absolute URL`);
  }
  if (provisioner.kind !== 'NonClusterURL' && !isDnsLabel(provisioner.namespace)) {
    problem('provisiondata.namespace', `"${provisioner.namespace}" is not a namespace name`);
  }
  if (entry.maintenanceVersion !== undefined && !SEMVER.test(entry.maintenanceVersion)) {
    problem('maintenanceversion', `"${entry.maintenanceVersion}" is not a semantic version (like 1.2.0)`);
  }
  for (const field of ['updatableTo', 'updatableFrom'] as const) {
    entry[field]?.forEach((version, i) => {
      if (!CLI_NAME.test(version)) problem(`${field.toLowerCase()}[${i}]`, `"${version}" is not a version name`);
    });
  }
  problems.push(...checkInstanceSecret(entry), ...checkVault(entry));
  if (entry.parameters !== undefined) {
    problems.push(...schemaProblems(entry.parameters).map(({ field, message }) => ({ source: entry.source, field, message })));
  }
  const lifetime = entry.bindingLifetime;
  if (lifetime?.renewBeforeMs !== undefined && lifetime.renewBeforeMs >= lifetime.lifetimeMs) {
    problem('renewbefore', 'must be shorter than bindinglifetime');
  }
  return problems;
}

/**
 * An instance Secret is read in a namespace shared by every instance of the
 * entry, so its name may use only variables the caller cannot choose: an id
 * or a parameter picked to name another instance's Secret would hand out
 * that instance's credentials. `instance.shortId` is a hash of the id.
 */
function checkInstanceSecret(entry: CatalogEntry): ConfigProblem[] {
  const credentials = entry.credentials;
  if (credentials.kind !== 'FromInstanceSecret') return [];
  const problem = (message: string): ConfigProblem[] => [{ source: entry.source, field: 'credentialdata.secretname', message }];
  const { kind } = entry.provisioner;
  if (kind !== 'NewClusterObjects' && kind !== 'HelmChart') return problem('needs a provisioner that makes objects for each instance (ProvisionNewClusterObjects, ProvisionHelmChart)');
  // binding.shortId hashes instance and binding id: only per-binding objects can have made a Secret so named.
  // release.name is rendered from provider variables only (see helm-plan.ts).
  const allowed = hasBindingObjects(entry) ? [...PROVIDER_VARIABLES, 'binding.shortId'] : kind === 'HelmChart' ? [...PROVIDER_VARIABLES, 'release.name'] : PROVIDER_VARIABLES;
  const refused = variablesIn(credentials.secretName).filter((name) => !allowed.includes(name));
  if (refused.length > 0) {
    return problem(`may use only ${allowed.map((v) => `{{ ${v} }}`).join(', ')}, not {{ ${refused[0]} }}: a caller could choose it to name another instance's Secret`);
  }
  if (!isDnsSubdomain(credentials.secretName.replace(/\{\{[^}]*\}\}/g, 'x'))) return problem(`"${credentials.secretName}" is not a valid Secret name`);
  if (credentials.namespace !== undefined && !isDnsLabel(credentials.namespace)) {
    return [{ source: entry.source, field: 'credentialdata.namespace', message: `"${credentials.namespace}" is not a namespace name` }];
  }
  return [];
}

/**
 * A Vault path is shared by every instance of the entry: like an instance
 * Secret's name, it may use only variables the caller cannot choose. A
 * lease's body may also name the binding (its hash), e.g. a certificate's
 * common name.
 */
function checkVault(entry: CatalogEntry): ConfigProblem[] {
  const credentials = entry.credentials;
  if (credentials.kind !== 'FromVault' && credentials.kind !== 'FromVaultLease') return [];
  const problems: ConfigProblem[] = [];
  const problem = (field: string, message: string) => problems.push({ source: entry.source, field: `credentialdata.${field}`, message });
  const refusedIn = (text: string, allowed: readonly string[]) => variablesIn(text).filter((name) => !allowed.includes(name));
  const [refused] = refusedIn(credentials.path, PROVIDER_VARIABLES);
  if (refused !== undefined) problem('path', `may use only ${PROVIDER_VARIABLES.map((v) => `{{ ${v} }}`).join(', ')}, not {{ ${refused} }}: a caller could choose it to read another team's secret`);
  if (credentials.path.split('/').some((segment) => segment === '.' || segment === '..')) problem('path', 'must not have a . or .. segment');
  if (credentials.keys !== undefined && credentials.keys.length === 0) problem('keys', 'must list at least one key (leave it out to hand out every key)');
  if (credentials.kind === 'FromVault') {
    if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(credentials.mount)) problem('mount', `"${credentials.mount}" is not a Vault mount path`);
    if (credentials.version !== undefined && !(Number.isInteger(credentials.version) && credentials.version >= 1)) problem('version', 'must be a whole number from 1');
    return problems;
  }
  const allowed = [...PROVIDER_VARIABLES, 'binding.shortId'];
  const [inBody] = JSON.stringify(credentials.body ?? {}).match(/\{\{[^}]*\}\}/g)?.flatMap((text) => refusedIn(text, allowed)) ?? [];
  if (inBody !== undefined) problem('body', `may use only ${allowed.map((v) => `{{ ${v} }}`).join(', ')}, not {{ ${inBody} }}`);
  if (hasBindingObjects(entry)) problem('path', 'a lease for each binding and binding objects (bindingLabelSelector) cannot be combined yet');
  return problems;
}
