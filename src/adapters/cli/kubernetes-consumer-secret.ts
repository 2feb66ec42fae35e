/**
 * ConsumerSecretStore over @kubernetes/client-node with the consumer's own
 * kubeconfig. Replace and delete carry the resourceVersion (and uid) they
 * checked, so a Secret changed in between is never overwritten or removed
 * by mistake. API errors become one line (see reason()).
 */
import { ApiException, type CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { kubernetesApis } from '../kubernetes/api-clients.js';
import { err, ok, type Result } from '../../domain/result.js';
import {
  absentForHandOver, belongsTo, credentialStrings, describeTarget, ownerOf, secretLabels, type ConsumerSecretStore, type SecretTarget,
} from './consumer-secret.js';

const statusOf = (error: unknown): number | undefined => (error instanceof ApiException ? (error.code as number) : undefined);

/** client-node 1.x hands the Status over as text; older paths give an object. */
function statusBody(error: ApiException<unknown>): { message?: unknown; reason?: unknown; details?: { causes?: unknown } } {
  try {
    const body = typeof error.body === 'string' ? (JSON.parse(error.body) as unknown) : error.body;
    return body !== null && typeof body === 'object' ? body : {};
  } catch {
    return {};
  }
}

/**
 * One line on why the apiserver refused. Refusals of identity (401, 403)
 * quote the apiserver, whose message names user, verb and namespace: what
 * the consumer needs to ask for the right Role. Anything else gives only
 * status, reason and field paths, because the apiserver echoes field values
 * back in its messages, and here those values are credentials.
 */
function reason(error: unknown, server: string | undefined): string {
  if (!(error instanceof ApiException)) return `cannot reach the Kubernetes API${server ? ` at ${server}` : ''}: ${(error as Error).message}`;
  const body = statusBody(error);
  const status = `${error.code}${typeof body.reason === 'string' ? ` ${body.reason}` : ''}`;
  if ((error.code === 401 || error.code === 403) && typeof body.message === 'string') return `${status}: ${body.message}`;
  const causes = Array.isArray(body.details?.causes) ? (body.details.causes as { field?: unknown; reason?: unknown }[]) : [];
  const fields = causes.map((cause) => `${typeof cause.field === 'string' ? cause.field : '(object)'} ${typeof cause.reason === 'string' ? cause.reason : ''}`.trim());
  return fields.length > 0 ? `${status} (${fields.join('; ')})` : status;
}

export class KubernetesConsumerSecretStore implements ConsumerSecretStore {
  private readonly core: CoreV1Api;
  private readonly server: string | undefined;

  /** The config must have a current cluster. Requests get the shared deadline, so a silent apiserver cannot hang the CLI. */
  constructor(config: KubeConfig) {
    this.core = kubernetesApis(config).core;
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

  async handOver(target: SecretTarget, successorBindingId: string, credentials: Readonly<Record<string, unknown>>): Promise<Result<'replaced', string>> {
    const existing = await this.read(target);
    if (!existing.ok) return existing;
    if (existing.value === undefined) return err(absentForHandOver(target));
    if (!belongsTo(existing.value.metadata?.labels, target)) return this.refuse(target, existing.value);
    const successor = { ...target, bindingId: successorBindingId };
    // A replace of the object read (its resourceVersion included): same uid, so
    // mounted volumes update in place, and a Secret changed meanwhile is not overwritten.
    const { stringData: _never, metadata: { managedFields: _managed, ...metadata } = {}, ...secret } = existing.value;
    const body: V1Secret = {
      ...secret,
      metadata: { ...metadata, labels: { ...metadata.labels, ...secretLabels(successor) } },
      data: this.manifest(successor, credentials).data ?? {},
    };
    try {
      await this.core.replaceNamespacedSecret({ name: target.name, namespace: target.namespace, body });
      return ok('replaced');
    } catch (error) {
      return this.failure('replace', target, error);
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
