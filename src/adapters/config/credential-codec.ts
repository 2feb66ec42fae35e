/** Decodes an entry's credential source, in either spelling, into the domain's CredentialSource. */
import * as t from 'io-ts';
import type { ConfigProblem, CredentialSource } from '../../domain/catalog-entry.js';
import { err, ok, type Result } from '../../domain/result.js';
import { decodeFields, lowerCaseKeys, scalarString } from './codec-support.js';
import { chooseKind, type KindFamily } from './kind-choice.js';
import { isDnsSubdomain } from '../../domain/kubernetes-names.js';
import { parseDuration } from './binding-lifetime-codec.js';

export const CREDENTIALS: KindFamily = {
  prefix: 'credential',
  label: 'credential',
  kinds: ['CredentialFromCatalog', 'CredentialFromClusterSecret', 'CredentialFromInstanceSecret', 'CredentialNoCredential', 'CredentialFromVault'],
  supported: ['CredentialFromCatalog', 'CredentialFromClusterSecret', 'CredentialFromInstanceSecret', 'CredentialNoCredential', 'CredentialFromVault'],
  aliases: { CredentialFromSecret: 'CredentialFromClusterSecret', CredentialFromOwnSecret: 'CredentialFromInstanceSecret' },
};


const CatalogValues = t.record(t.string, scalarString);
const SecretData = t.type({ secretname: t.string });
const InstanceSecretData = t.intersection([
  t.type({ secretname: t.string }),
  t.partial({ keys: t.array(t.string), namespace: t.string }),
]);

const VaultStatic = t.intersection([t.type({ mount: t.string, path: t.string }), t.partial({ version: t.number, keys: t.array(t.string) })]);
const VaultLease = t.intersection([
  t.type({ path: t.string }),
  t.partial({ body: t.record(t.string, t.unknown), keys: t.array(t.string), renewbefore: t.string }),
]);

/**
 * With a `mount`, keys of a KV v2 secret; without, a path that leases (one
 * lease per binding). Paths may hold template variables: checkEntry decides which.
 */
function decodeVault(data: unknown, source: string, field: string): Result<CredentialSource, ConfigProblem[]> {
  const lowered = lowerCaseKeys(data, source, field);
  if (!lowered.ok) return lowered;
  if (lowered.value['mount'] !== undefined) {
    const secret = decodeFields(VaultStatic, lowered.value, source, field);
    if (!secret.ok) return secret;
    const { mount, path, version, keys } = secret.value;
    return ok({ kind: 'FromVault', mount, path, ...(version !== undefined ? { version } : {}), ...(keys !== undefined ? { keys } : {}) });
  }
  const lease = decodeFields(VaultLease, lowered.value, source, field);
  if (!lease.ok) return lease;
  const { path, body, keys, renewbefore } = lease.value;
  const renewBeforeMs = renewbefore !== undefined ? parseDuration(renewbefore) : undefined;
  if (renewbefore !== undefined && renewBeforeMs === undefined) return err([{ source, field: `${field}.renewbefore`, message: 'must be a duration such as 10m or 1h' }]);
  return ok({
    kind: 'FromVaultLease', path, ...(body !== undefined ? { body } : {}), ...(keys !== undefined ? { keys } : {}),
    ...(renewBeforeMs !== undefined ? { renewBeforeMs } : {}),
  });
}

/** The name may hold template variables: catalog-entry's checkEntry decides which and checks the rendered shape. */
function decodeInstanceSecret(data: unknown, source: string, field: string): Result<CredentialSource, ConfigProblem[]> {
  const lowered = lowerCaseKeys(data, source, field);
  if (!lowered.ok) return lowered;
  const secret = decodeFields(InstanceSecretData, lowered.value, source, field);
  if (!secret.ok) return secret;
  const { secretname, keys, namespace } = secret.value;
  if (keys !== undefined && keys.length === 0) return err([{ source, field: `${field}.keys`, message: 'must list at least one key (leave it out to hand out every key)' }]);
  return ok({ kind: 'FromInstanceSecret', secretName: secretname, ...(keys !== undefined ? { keys } : {}), ...(namespace !== undefined ? { namespace } : {}) });
}

function decodeData(kind: string, data: unknown, source: string, field: string): Result<CredentialSource, ConfigProblem[]> {
  const missing = (): Result<never, ConfigProblem[]> => err([{ source, field, message: 'is required' }]);
  switch (kind) {
    case 'CredentialNoCredential':
      // Whatever data it carries is meaningless; refusing it would help nobody.
      return ok({ kind: 'NoCredential' });
    case 'CredentialFromCatalog': {
      if (data === undefined) return missing();
      // Keys are kept as written: they are the consumer's keys (`username`, `apiKey`), not ours.
      const values = decodeFields(CatalogValues, data, source, field);
      return values.ok ? ok({ kind: 'FromCatalog', values: values.value }) : values;
    }
    case 'CredentialFromInstanceSecret':
      return data === undefined ? missing() : decodeInstanceSecret(data, source, field);
    case 'CredentialFromVault':
      return data === undefined ? missing() : decodeVault(data, source, field);
    default: {
      // CredentialFromClusterSecret (its older name CredentialFromSecret arrives resolved).
      if (data === undefined) return missing();
      const lowered = lowerCaseKeys(data, source, field);
      if (!lowered.ok) return lowered;
      const secret = decodeFields(SecretData, lowered.value, source, field);
      if (!secret.ok) return secret;
      if (!isDnsSubdomain(secret.value.secretname)) return err([{ source, field: `${field}.secretname`, message: 'is not a valid Secret name' }]);
      return ok({ kind: 'FromClusterSecret', secretName: secret.value.secretname });
    }
  }
}

/**
 * `fields` are the entry's top-level fields with lower-case keys. An entry
 * naming no credential kind at all gets NoCredential: services without
 * credentials are common, and the description shows no default to honour.
 */
export function decodeCredentials(fields: Readonly<Record<string, unknown>>, source: string): Result<CredentialSource, ConfigProblem[]> {
  const choice = chooseKind(fields, CREDENTIALS, source);
  if (!choice.ok) return choice;
  if (choice.value === undefined) return ok({ kind: 'NoCredential' });
  const { kind, data, dataField } = choice.value;
  return decodeData(kind, data, source, dataField);
}
