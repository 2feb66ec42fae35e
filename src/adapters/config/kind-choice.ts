/**
 * Finds which provisioner (or credential) kind an entry names. Two spellings
 * exist: `provisionkind` + `provisiondata` as the description wrote it, and
 * the kind as a key (`"ProvisionNonClusterURL": {...}`) as the first code
 * did. Exactly one kind in exactly one spelling is allowed.
 */
import type { ConfigProblem } from '../../domain/catalog-entry.js';
import { err, ok, type Result } from '../../domain/result.js';

export interface KindFamily {
  /** The key prefix: `provision` gives `provisionkind`, `provisiondata` and `provision<kind>` keys. */
  readonly prefix: string;
  /** What problems call it: `provisioner`, `credential`. */
  readonly label: string;
  /** The current name of every kind the family recognises, the not-yet-supported ones included. */
  readonly kinds: readonly string[];
  /** The kinds that work today; the others are refused with "not supported yet". */
  readonly supported: readonly string[];
  /** Older names still read (the first versions wrote them), each to the current name it stands for. */
  readonly aliases: Readonly<Record<string, string>>;
}

/** Every name an entry may write: current names and aliases. */
export const knownNames = (family: KindFamily): string[] => [...family.kinds, ...Object.keys(family.aliases)];

/** The names a problem lists as supported: supported kinds, then the aliases of supported kinds. */
const supportedNames = (family: KindFamily): string[] => [
  ...family.supported,
  ...Object.keys(family.aliases).filter((alias) => family.supported.includes(family.aliases[alias]!)),
];

export interface KindChoice {
  /** The kind's current name (an alias is resolved), as spelled in `family.kinds`. */
  readonly kind: string;
  readonly data: unknown;
  /** Where the data sits (`provisiondata` or the kind key), for problem paths. */
  readonly dataField: string;
  /** Where the kind is named, for problems about the kind itself. */
  readonly kindField: string;
}

function canonical(family: KindFamily, name: string): string | undefined {
  const known = knownNames(family).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  return known === undefined ? undefined : (family.aliases[known] ?? known);
}

export const unknownKindMessage = (family: KindFamily, name: string): string =>
  `unknown ${family.label} kind "${name}" (supported: ${supportedNames(family).join(', ')})`;

/** The supported names, for "is required (one of ...)". */
export const supportedList = (family: KindFamily): string => supportedNames(family).join(', ');

/**
 * Reads the kind from an entry whose keys are already lower case. Ok(undefined)
 * when the entry names no kind of this family in either spelling.
 */
export function chooseKind(fields: Readonly<Record<string, unknown>>, family: KindFamily, source: string): Result<KindChoice | undefined, ConfigProblem[]> {
  const kindKey = `${family.prefix}kind`;
  const dataKey = `${family.prefix}data`;
  const fail = (field: string, message: string) => err([{ source, field, message }]);
  const keys = Object.keys(fields).filter((key) => key.startsWith(family.prefix) && key !== kindKey && key !== dataKey);
  const asKeys = keys.filter((key) => canonical(family, key) !== undefined);
  const explicit = Object.hasOwn(fields, kindKey) || Object.hasOwn(fields, dataKey);

  if (explicit && asKeys.length > 0) return fail(asKeys[0]!, `is given as well as ${kindKey}/${dataKey}; use one spelling`);
  if (asKeys.length > 1) return fail(asKeys[1]!, `is a second ${family.label} (${asKeys.join(', ')}); an entry has exactly one`);
  const [asKey] = asKeys;
  if (asKey !== undefined) return ok({ kind: canonical(family, asKey)!, data: fields[asKey], dataField: asKey, kindField: asKey });
  if (explicit) {
    const named = fields[kindKey];
    if (named === undefined) return fail(kindKey, `is required when ${dataKey} is given`);
    if (typeof named !== 'string') return fail(kindKey, 'must be a string');
    const kind = canonical(family, named.trim());
    if (kind === undefined) return fail(kindKey, unknownKindMessage(family, named));
    return ok({ kind, data: fields[dataKey], dataField: dataKey, kindField: kindKey });
  }
  // A key like `provisionfoo` is a kind-as-key with a kind nobody knows, not an extra field to ignore.
  const [stray] = keys;
  if (stray !== undefined) return fail(stray, unknownKindMessage(family, stray));
  return ok(undefined);
}
