/** The SecretSource port over the in-memory cluster: base64 `data` decoded, like the real API serves it. */
import type { SecretSource } from '../../application/ports/secret-source.js';
import { domainError } from '../../domain/errors.js';
import { err, ok, type Result } from '../../domain/result.js';
import type { MemoryCluster } from './memory-cluster.js';

export class MemorySecretSource implements SecretSource {
  constructor(
    private readonly cluster: MemoryCluster,
    private readonly namespace: string,
  ) {}

  async read(name: string): Promise<Result<Record<string, string>>> {
    return this.readIn(this.namespace, name);
  }

  async readIn(namespace: string, name: string): Promise<Result<Record<string, string>>> {
    const secret = this.cluster.get({ kind: 'Secret', namespace, name });
    if (secret === undefined) return err(domainError('NotFound', `Secret "${name}" not found in namespace "${namespace}"`));
    // The cluster keeps `data` base64 like the real API (stringData is folded in on write).
    const data = (secret['data'] ?? {}) as Record<string, string>;
    return ok(Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')])));
  }
}
