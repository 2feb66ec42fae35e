/**
 * The SecretSource port on the Kubernetes API: one GET per read, in the broker
 * namespace, or in a target namespace for an instance's own Secret (the
 * chart grants get there only where entries need it). Not watched: a watch would need list/watch on every Secret
 * of the namespace, where a read needs only get, and binds are rare enough
 * that a rotated credential should be picked up on the next one.
 */
import type { CoreV1Api } from '@kubernetes/client-node';
import type { Logger } from '../../application/ports/logger.js';
import type { SecretSource } from '../../application/ports/secret-source.js';
import { domainError } from '../../domain/errors.js';
import { err, ok, type Result } from '../../domain/result.js';
import { logFieldsOf, translateApiError } from './api-errors.js';

export class KubernetesSecretSource implements SecretSource {
  constructor(
    private readonly core: CoreV1Api,
    private readonly namespace: string,
    private readonly logger: Logger,
  ) {}

  async read(name: string): Promise<Result<Record<string, string>>> {
    return this.readIn(this.namespace, name);
  }

  async readIn(namespace: string, name: string): Promise<Result<Record<string, string>>> {
    const what = `Secret "${namespace}/${name}"`;
    let data: Record<string, string> | undefined;
    try {
      data = (await this.core.readNamespacedSecret({ namespace, name })).data;
    } catch (error) {
      const translated = translateApiError(error, { verb: 'read', what });
      if (translated.kind !== 'NotFound') this.logger.warn('kubernetes request failed', { verb: 'read', object: what, kind: translated.kind, ...logFieldsOf(error) });
      return err(translated.kind === 'NotFound' ? domainError('NotFound', `Secret "${name}" not found in namespace "${namespace}"`) : translated);
    }
    // The API serves `data` base64-encoded (stringData is folded into it on write).
    return ok(Object.fromEntries(Object.entries(data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')])));
  }
}
