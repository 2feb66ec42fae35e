/**
 * ConsumerSecretStore over @kubernetes/client-node with the consumer's own
 * kubeconfig. Replace and delete carry the resourceVersion (and uid) they
 * checked, so a Secret changed in between is never overwritten or removed
 * by mistake. API errors become one line with the apiserver's own reason
 * (the consumer is talking to their own cluster, so the reason is theirs).
 */
import { ApiException, CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { err, ok, type Result } from '../../domain/result.js';
import { belongsTo, credentialStrings, describeTarget, ownerOf, secretLabels, type ConsumerSecretStore, type SecretTarget } from './consumer-secret.js';

const statusOf = (error: unknown): number | undefined => (error instanceof ApiException ? (error.code as number) : undefined);

function reason(error: unknown, server: string | undefined): string {
  if (!(error instanceof ApiException)) return `cannot reach the Kubernetes API${server ? ` at ${server}` : ''}: ${(error as Error).message}`;
  const body = error.body as unknown;
  try {
    const status = (typeof body === 'string' ? JSON.parse(body) : body) as { message?: unknown };
    if (typeof status.message === 'string') return `${error.code}: ${status.message}`;
  } catch {
    // not a Status object: the code alone has to do
  }
  return `the Kubernetes API answered ${error.code}`;
}

export class KubernetesConsumerSecretStore implements ConsumerSecretStore {
  private readonly core: CoreV1Api;
  private readonly server: string | undefined;

  constructor(config: KubeConfig) {
    this.core = config.makeApiClient(CoreV1Api);
    this.server = config.getCurrentCluster()?.server;
  }

  async check(target: SecretTarget): Promise<Result<'absent' | 'ours', string>> {
    const existing = await this.read(target);
    if (!existing.ok) return existing;
    if (existing.value === undefined) return ok('absent');
    return belongsTo(existing.value.metadata?.labels, target) ? ok('ours') : this.refuse(target, existing.value);
  }

  async write(target: SecretTarget, credentials: Readonly<Record<string, unknown>>): Promise<Result<'created' | 'replaced', string>> {
    const body = this.manifest(target, credentials);
    try {
      await this.core.createNamespacedSecret({ namespace: target.namespace, body });
      return ok('created');
    } catch (error) {
      if (statusOf(error) !== 409) return this.failure('create', target, error);
    }
    const existing = await this.read(target);
    if (!existing.ok) return existing;
    if (existing.value === undefined) return err(`${describeTarget(target)} vanished while it was being replaced; run the command again`);
    if (!belongsTo(existing.value.metadata?.labels, target)) return this.refuse(target, existing.value);
    try {
      const resourceVersion = existing.value.metadata?.resourceVersion;
      const replacement = { ...body, metadata: { ...body.metadata, ...(resourceVersion !== undefined ? { resourceVersion } : {}) } };
      await this.core.replaceNamespacedSecret({ name: target.name, namespace: target.namespace, body: replacement });
      return ok('replaced');
    } catch (error) {
      return this.failure('replace', target, error);
    }
  }

  async delete(target: SecretTarget): Promise<Result<'deleted' | 'absent', string>> {
    const existing = await this.read(target);
    if (!existing.ok) return existing;
    if (existing.value === undefined) return ok('absent');
    if (!belongsTo(existing.value.metadata?.labels, target)) return this.refuse(target, existing.value);
    const { uid, resourceVersion } = existing.value.metadata ?? {};
    try {
      await this.core.deleteNamespacedSecret({
        name: target.name, namespace: target.namespace,
        body: { preconditions: { ...(uid !== undefined ? { uid } : {}), ...(resourceVersion !== undefined ? { resourceVersion } : {}) } },
      });
      return ok('deleted');
    } catch (error) {
      return statusOf(error) === 404 ? ok('absent') : this.failure('delete', target, error);
    }
  }

  private manifest(target: SecretTarget, credentials: Readonly<Record<string, unknown>>): V1Secret {
    const data = Object.fromEntries(
      Object.entries(credentialStrings(credentials)).map(([key, value]) => [key, Buffer.from(value, 'utf8').toString('base64')]),
    );
    return {
      apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
      metadata: { name: target.name, namespace: target.namespace, labels: secretLabels(target) },
      data,
    };
  }

  private async read(target: SecretTarget): Promise<Result<V1Secret | undefined, string>> {
    try {
      return ok(await this.core.readNamespacedSecret({ name: target.name, namespace: target.namespace }));
    } catch (error) {
      return statusOf(error) === 404 ? ok(undefined) : this.failure('read', target, error);
    }
  }

  private refuse(target: SecretTarget, existing: V1Secret): Result<never, string> {
    return err(`${describeTarget(target)} exists and is not this binding's (${ownerOf(existing.metadata?.labels)}); choose another --secret name`);
  }

  private failure(action: string, target: SecretTarget, error: unknown): Result<never, string> {
    return err(`cannot ${action} ${describeTarget(target)}: ${reason(error, this.server)}`);
  }
}
