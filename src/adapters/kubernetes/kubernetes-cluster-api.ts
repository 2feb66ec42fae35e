/**
 * The ClusterApi port on the typed CoreV1Api and AppsV1Api, for the six kinds
 * Mesitis creates. Each request goes to the object's own namespace; what the
 * broker may touch there is RBAC's to decide, and a refusal is Forbidden.
 *
 * Objects cross the port as plain JSON. client-node hands back model
 * instances (Date fields, undefined members); for these six kinds the model
 * property names are the wire names, so a JSON round trip gives the object
 * as the server sent it, bar timestamp precision.
 */
import { Observable, type CoreV1Api, type ObservableMiddleware, type V1ConfigMap, type V1Deployment, type V1Pod, type V1ReplicaSet, type V1Secret, type V1Service } from '@kubernetes/client-node';
import type { ClusterApi } from '../../application/ports/cluster-api.js';
import type { Logger } from '../../application/ports/logger.js';
import { domainError } from '../../domain/errors.js';
import { API_VERSION, describeRef, isSupportedKind, type KubeObject, type ObjectRef, type SupportedKind } from '../../domain/kube-object.js';
import { err, ok, type Result } from '../../domain/result.js';
import type { KubernetesApis } from './api-clients.js';
import { describeApiError, isNotFound, logFieldsOf, translateApiError, type ApiAction } from './api-errors.js';

interface KindOperations {
  create(namespace: string, body: KubeObject): Promise<unknown>;
  read(namespace: string, name: string): Promise<unknown>;
  delete(namespace: string, name: string, uid: string | undefined): Promise<unknown>;
  list(namespace: string, labelSelector: string | undefined): Promise<{ items: unknown[] }>;
}

const NOISY = new Set(['Unavailable', 'Forbidden', 'Infrastructure']);
const selector = (labelSelector: string | undefined) => (labelSelector === undefined ? {} : { labelSelector });
/**
 * A Deployment's or ReplicaSet's dependents go first: with foreground
 * propagation the owner stays (terminating) until its Pods are gone, so
 * "the object is gone" means "its Pods are gone" and a deprovision can wait
 * for exactly that. Other kinds own nothing and go at once. With a uid,
 * only that very object is deleted.
 */
const deleteOptions = (uid: string | undefined, propagationPolicy: 'Foreground' | 'Background') => ({
  propagationPolicy,
  ...(uid !== undefined ? { body: { preconditions: { uid } } } : {}),
});

/** Long enough for a loaded apiserver, short enough that a hung one fails the readiness probe. */
export const PING_TIMEOUT_MS = 3_000;

/** A deadline on one request, after the shared clients' own (which it replaces): call-time middleware runs last. */
const deadline = (ms: number): ObservableMiddleware => ({
  pre: (context) => {
    context.setSignal(AbortSignal.timeout(ms));
    return new Observable(Promise.resolve(context));
  },
  post: (context) => new Observable(Promise.resolve(context)),
});

function operationsByKind({ core, apps }: KubernetesApis): Readonly<Record<SupportedKind, KindOperations>> {
  return {
    Deployment: {
      create: (namespace, body) => apps.createNamespacedDeployment({ namespace, body: body as unknown as V1Deployment }),
      read: (namespace, name) => apps.readNamespacedDeployment({ namespace, name }),
      delete: (namespace, name, uid) => apps.deleteNamespacedDeployment({ namespace, name, ...deleteOptions(uid, 'Foreground') }),
      list: (namespace, labels) => apps.listNamespacedDeployment({ namespace, ...selector(labels) }),
    },
    ReplicaSet: {
      create: (namespace, body) => apps.createNamespacedReplicaSet({ namespace, body: body as unknown as V1ReplicaSet }),
      read: (namespace, name) => apps.readNamespacedReplicaSet({ namespace, name }),
      delete: (namespace, name, uid) => apps.deleteNamespacedReplicaSet({ namespace, name, ...deleteOptions(uid, 'Foreground') }),
      list: (namespace, labels) => apps.listNamespacedReplicaSet({ namespace, ...selector(labels) }),
    },
    Service: {
      create: (namespace, body) => core.createNamespacedService({ namespace, body: body as unknown as V1Service }),
      read: (namespace, name) => core.readNamespacedService({ namespace, name }),
      delete: (namespace, name, uid) => core.deleteNamespacedService({ namespace, name, ...deleteOptions(uid, 'Background') }),
      list: (namespace, labels) => core.listNamespacedService({ namespace, ...selector(labels) }),
    },
    Pod: {
      create: (namespace, body) => core.createNamespacedPod({ namespace, body: body as unknown as V1Pod }),
      read: (namespace, name) => core.readNamespacedPod({ namespace, name }),
      delete: (namespace, name, uid) => core.deleteNamespacedPod({ namespace, name, ...deleteOptions(uid, 'Background') }),
      list: (namespace, labels) => core.listNamespacedPod({ namespace, ...selector(labels) }),
    },
    ConfigMap: {
      create: (namespace, body) => core.createNamespacedConfigMap({ namespace, body: body as unknown as V1ConfigMap }),
      read: (namespace, name) => core.readNamespacedConfigMap({ namespace, name }),
      delete: (namespace, name, uid) => core.deleteNamespacedConfigMap({ namespace, name, ...deleteOptions(uid, 'Background') }),
      list: (namespace, labels) => core.listNamespacedConfigMap({ namespace, ...selector(labels) }),
    },
    Secret: {
      create: (namespace, body) => core.createNamespacedSecret({ namespace, body: body as unknown as V1Secret }),
      read: (namespace, name) => core.readNamespacedSecret({ namespace, name }),
      delete: (namespace, name, uid) => core.deleteNamespacedSecret({ namespace, name, ...deleteOptions(uid, 'Background') }),
      list: (namespace, labels) => core.listNamespacedSecret({ namespace, ...selector(labels) }),
    },
  };
}

/** The wire form of a model instance; list items lack kind and apiVersion, so they are set from the kind asked for. */
function plain(kind: SupportedKind, model: unknown): KubeObject {
  const object = JSON.parse(JSON.stringify(model)) as KubeObject;
  return { ...object, apiVersion: API_VERSION[kind], kind };
}

export class KubernetesClusterApi implements ClusterApi {
  private readonly operations: Readonly<Record<SupportedKind, KindOperations>>;
  private readonly core: CoreV1Api;

  constructor(apis: KubernetesApis, private readonly logger: Logger) {
    this.operations = operationsByKind(apis);
    this.core = apis.core;
  }

  async create(object: KubeObject): Promise<Result<KubeObject>> {
    // Only the six kinds, at the versions Mesitis creates them with: the same refusals as the fake cluster.
    if (!isSupportedKind(object.kind)) return err(domainError('ConfigInvalid', `kind "${object.kind}" is not one Mesitis creates`));
    if (object.apiVersion !== API_VERSION[object.kind]) {
      return err(domainError('ConfigInvalid', `${object.kind} must be created as ${API_VERSION[object.kind]}, not ${object.apiVersion}`));
    }
    const namespace = object.metadata.namespace ?? '';
    if (namespace === '') return err(domainError('ConfigInvalid', `${object.kind} "${object.metadata.name}" names no namespace`));
    const ref = { kind: object.kind, namespace, name: object.metadata.name };
    // The apiserver answers this one with a 500, which would read as an outage.
    if (object.metadata.resourceVersion !== undefined) return err(domainError('ConfigInvalid', `${describeRef(ref)}: resourceVersion should not be set on objects to be created`));
    return this.call({ verb: 'create', what: describeRef(ref), namespace }, async () =>
      plain(ref.kind, await this.operations[ref.kind].create(namespace, object)),
    );
  }

  async get(ref: ObjectRef): Promise<Result<KubeObject | undefined>> {
    return this.call({ verb: 'read', what: describeRef(ref) }, async () => {
      try {
        return plain(ref.kind, await this.operations[ref.kind].read(ref.namespace, ref.name));
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    });
  }

  async delete(ref: ObjectRef): Promise<Result<'deleted' | 'absent'>> {
    return this.call({ verb: 'delete', what: describeRef(ref) }, async () => {
      try {
        await this.operations[ref.kind].delete(ref.namespace, ref.name, ref.uid);
        return 'deleted' as const;
      } catch (error) {
        if (isNotFound(error)) return 'absent' as const;
        // A failed uid precondition: the object under that name is not the one we made.
        if (ref.uid !== undefined && describeApiError(error).status === 409) return 'absent' as const;
        throw error;
      }
    });
  }

  /** An empty selector lists every object of the kind; a malformed one is refused by the server (ConfigInvalid). */
  async list(kind: SupportedKind, namespace: string, labelSelector: string): Promise<Result<KubeObject[]>> {
    const trimmed = labelSelector.trim();
    const what = `${kind} objects in namespace "${namespace}"${trimmed === '' ? '' : ` matching "${trimmed}"`}`;
    return this.call({ verb: 'list', what }, async () => {
      const list = await this.operations[kind].list(namespace, trimmed === '' ? undefined : trimmed);
      return list.items.map((item) => plain(kind, item)).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
    });
  }

  /**
   * Discovery of the core group (GET /api/v1): any authenticated identity may
   * read it, and the apiserver answers it from memory, so it measures only
   * whether the server answers. Failures are debug lines: the probe repeats.
   */
  async ping(): Promise<Result<void>> {
    try {
      await this.core.getAPIResources({}, { middleware: [deadline(PING_TIMEOUT_MS)], middlewareMergeStrategy: 'append' });
      return ok(undefined);
    } catch (error) {
      const translated = translateApiError(error, { verb: 'read', what: 'the API discovery document' });
      this.logger.debug('kubernetes ping failed', { kind: translated.kind, ...logFieldsOf(error) });
      return err(translated);
    }
  }

  private async call<T>(action: ApiAction, request: () => Promise<T>): Promise<Result<T>> {
    try {
      return ok(await request());
    } catch (error) {
      const translated = translateApiError(error, action);
      // Refusals of the provider's objects are its configuration's business and reach it as errors; outages are ours.
      const log = NOISY.has(translated.kind) ? this.logger.warn : this.logger.debug;
      log.call(this.logger, 'kubernetes request failed', { verb: action.verb, object: action.what, kind: translated.kind, ...logFieldsOf(error) });
      return err(translated);
    }
  }
}
