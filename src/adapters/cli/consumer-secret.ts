/**
 * The consumer-side copy of a binding's credentials: a Secret in the consumer
 * namespace, written with the consumer's own kube credentials (the broker
 * never needs rights there). A Secret is this binding's only when its labels
 * say so; anything else of that name is left alone.
 */
import type { Result } from '../../domain/result.js';
import { sha1Hex } from '../../domain/hash.js';
import { isLabelValue } from '../../domain/kubernetes-names.js';
import { INSTANCE_LABEL, MANAGED_BY_LABEL } from '../../domain/resource-plan.js';

export const BINDING_LABEL = 'mesitis/binding';

export interface SecretTarget {
  readonly namespace: string;
  readonly name: string;
  readonly instanceId: string;
  readonly bindingId: string;
}

/** Port of the bind/unbind --secret verbs; messages in errors are ready for the terminal. */
export interface ConsumerSecretStore {
  /** Whether the Secret may be written for this binding: 'absent' or 'ours'; any other Secret of that name is an error. */
  check(target: SecretTarget): Promise<Result<'absent' | 'ours', string>>;
  /** Creates the Secret, or replaces it when it is this binding's; refuses any other Secret of that name. */
  write(target: SecretTarget, credentials: Readonly<Record<string, unknown>>): Promise<Result<'created' | 'replaced', string>>;
  /** Deletes the Secret when it is this binding's; 'absent' when there is none; refuses any other Secret. */
  delete(target: SecretTarget): Promise<Result<'deleted' | 'absent', string>>;
  /**
   * Hands the Secret of `target`'s binding over to its successor, in place:
   * same object (uid), the successor's credentials and labels, other labels
   * and annotations kept. Refuses an absent Secret or any other binding's.
   */
  handOver(target: SecretTarget, successorBindingId: string, credentials: Readonly<Record<string, unknown>>): Promise<Result<'replaced', string>>;
}

/**
 * Label values are limited to 63 safe characters; longer or odd ids are
 * hashed. Readable ids stay readable here: the Secret lives in the consumer's
 * own namespace, written with its own credentials, so no other tenant's id
 * can be aimed at it (the broker's own objects always hash the id).
 */
const labelValueOf = (id: string): string => (isLabelValue(id) ? id : `h-${sha1Hex(id)}`);

export const secretLabels = (target: SecretTarget): Record<string, string> => ({
  [MANAGED_BY_LABEL]: 'mesitis',
  [BINDING_LABEL]: labelValueOf(target.bindingId),
  [INSTANCE_LABEL]: labelValueOf(target.instanceId),
});

export function belongsTo(labels: Readonly<Record<string, string>> | undefined, target: SecretTarget): boolean {
  const wanted = secretLabels(target);
  return Object.entries(wanted).every(([key, value]) => labels?.[key] === value);
}

/** Why an existing Secret is not ours, for the refusal message. */
export function ownerOf(labels: Readonly<Record<string, string>> | undefined): string {
  if (labels?.[MANAGED_BY_LABEL] !== 'mesitis') return 'it is not managed by mesitis';
  return `it holds binding ${labels[BINDING_LABEL] ?? '?'} of instance ${labels[INSTANCE_LABEL] ?? '?'}`;
}

/** Secret data holds strings: numbers and booleans as text, objects as JSON, null as empty. */
export function credentialStrings(credentials: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(credentials).map(([key, value]) => [
      key,
      typeof value === 'string' ? value : value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value),
    ]),
  );
}

export const describeTarget = (target: SecretTarget): string => `Secret ${target.namespace}/${target.name}`;

/** Why a hand-over cannot start: there is no Secret to hand over. */
export const absentForHandOver = (target: SecretTarget): string =>
  `${describeTarget(target)} does not exist: there is nothing to rotate in place (bind with --secret to create it)`;
