/**
 * An in-memory ConsumerSecretStore that keeps the port's contract (the same
 * contract suite runs against it and the client-node store), so verb tests
 * can check what --secret wrote without a cluster.
 */
import { err, ok, type Result } from '../../src/domain/result.js';
import {
  absentForHandOver, belongsTo, credentialStrings, describeTarget, ownerOf, secretLabels, type ConsumerSecretStore, type SecretTarget,
} from '../../src/adapters/cli/consumer-secret.js';

export interface FakeSecret {
  readonly labels: Record<string, string>;
  readonly data: Record<string, string>;
}

export class FakeConsumerSecretStore implements ConsumerSecretStore {
  readonly secrets = new Map<string, FakeSecret>();
  /** When set, write fails with this message (as an apiserver refusal would). */
  failWrites: string | undefined;

  private key = (target: { namespace: string; name: string }): string => `${target.namespace}/${target.name}`;

  async check(target: SecretTarget): Promise<Result<'absent' | 'ours', string>> {
    const existing = this.secrets.get(this.key(target));
    if (!existing) return ok('absent');
    return belongsTo(existing.labels, target) ? ok('ours') : this.refuse(target, existing);
  }

  async write(target: SecretTarget, credentials: Readonly<Record<string, unknown>>): Promise<Result<'created' | 'replaced', string>> {
    if (this.failWrites !== undefined) return err(this.failWrites);
    const existing = this.secrets.get(this.key(target));
    if (existing && !belongsTo(existing.labels, target)) return this.refuse(target, existing);
    this.secrets.set(this.key(target), { labels: secretLabels(target), data: credentialStrings(credentials) });
    return ok(existing ? 'replaced' : 'created');
  }

  async delete(target: SecretTarget): Promise<Result<'deleted' | 'absent', string>> {
    const existing = this.secrets.get(this.key(target));
    if (!existing) return ok('absent');
    if (!belongsTo(existing.labels, target)) return this.refuse(target, existing);
    this.secrets.delete(this.key(target));
    return ok('deleted');
  }

  async handOver(target: SecretTarget, successorBindingId: string, credentials: Readonly<Record<string, unknown>>): Promise<Result<'replaced', string>> {
    if (this.failWrites !== undefined) return err(this.failWrites);
    const existing = this.secrets.get(this.key(target));
    if (!existing) return err(absentForHandOver(target));
    if (!belongsTo(existing.labels, target)) return this.refuse(target, existing);
    const labels = { ...existing.labels, ...secretLabels({ ...target, bindingId: successorBindingId }) };
    this.secrets.set(this.key(target), { labels, data: credentialStrings(credentials) });
    return ok('replaced');
  }

  /** A Secret someone else made. */
  plant(namespace: string, name: string, labels: Record<string, string> = {}): void {
    this.secrets.set(`${namespace}/${name}`, { labels, data: { mine: 'not yours' } });
  }

  private refuse(target: SecretTarget, existing: FakeSecret): Result<never, string> {
    return err(`${describeTarget(target)} exists and is not this binding's (${ownerOf(existing.labels)}); choose another --secret name`);
  }
}
