/**
 * Where the Kubernetes state store keeps a record: object names and labels.
 *
 * Ids are arbitrary strings (OSB allows any), so they never appear in a name
 * or label: each name is a SHA-224 of the JSON of [installation, ids...],
 * which is unambiguous ("a","b/c" and "a/b","c" differ) and fits every
 * naming rule (56 hex digits). The real ids stay inside the record, and a
 * read checks them, so a hash collision or a hand-edited object shows up
 * as a corrupt record rather than as someone else's data.
 *
 * No record carries `mesitis/kind` (the catalog informer's selector) or
 * `mesitis/instance` (the deprovision sweep's selector in target
 * namespaces), so neither can ever mistake a record for its own.
 */
import { createHash } from 'node:crypto';
import { isLabelValue } from '../../domain/kubernetes-names.js';

/** `instance` or `binding`: what a record ConfigMap holds. */
export const RECORD_LABEL = 'mesitis/record';
/** Which broker installation the record or lock belongs to (default: the broker namespace). */
export const INSTALLATION_LABEL = 'mesitis/installation';
/** On a binding record: the hash of its instance, for listBindings. */
export const RECORD_INSTANCE_LABEL = 'mesitis/record-instance';
/** The ConfigMap key holding the encoded record. */
export const RECORD_KEY = 'record';
/** On a lock Lease: the instance id in clear, for people reading `kubectl get lease -o yaml`. */
export const LOCKED_INSTANCE_ANNOTATION = 'mesitis/instance-id';
/** On a lock Lease: the TTL in milliseconds (leaseDurationSeconds only has whole seconds). */
export const TTL_ANNOTATION = 'mesitis/ttl-ms';

export type RecordKind = 'instance' | 'binding';

const digest = (parts: readonly string[]): string => createHash('sha224').update(JSON.stringify(parts)).digest('hex');

export class StateNames {
  constructor(readonly installation: string) {
    if (!isLabelValue(installation) || installation === '') {
      throw new Error(`bug: the state store installation "${installation}" is not a label value`);
    }
  }

  /** The hash that names an instance's record and lock and labels its bindings. */
  instanceHash(instanceId: string): string {
    return digest([this.installation, instanceId]);
  }

  instance(instanceId: string): string {
    return `mesitis-instance-${this.instanceHash(instanceId)}`;
  }

  binding(instanceId: string, bindingId: string): string {
    return `mesitis-binding-${digest([this.installation, instanceId, bindingId])}`;
  }

  lock(instanceId: string): string {
    return `mesitis-lock-${this.instanceHash(instanceId)}`;
  }

  recordLabels(kind: RecordKind, instanceId: string): Record<string, string> {
    return {
      [RECORD_LABEL]: kind,
      [INSTALLATION_LABEL]: this.installation,
      ...(kind === 'binding' ? { [RECORD_INSTANCE_LABEL]: this.instanceHash(instanceId) } : {}),
    };
  }

  /** Selects this installation's instance records, or the binding records of one instance. */
  selector(kind: 'instance'): string;
  selector(kind: 'binding', instanceId: string): string;
  selector(kind: RecordKind, instanceId?: string): string {
    const base = `${RECORD_LABEL}=${kind},${INSTALLATION_LABEL}=${this.installation}`;
    return instanceId === undefined ? base : `${base},${RECORD_INSTANCE_LABEL}=${this.instanceHash(instanceId)}`;
  }
}
