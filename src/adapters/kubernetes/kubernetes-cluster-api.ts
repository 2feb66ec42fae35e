/**
 * The ClusterApi port on client-node's generic KubernetesObjectApi: any
 * namespaced kind the cluster serves, its resource path found through
 * discovery (cached per group version). Each request goes to the object's
 * own namespace; what the broker may touch there is RBAC's to decide, and a
 * refusal is Forbidden. A kind the cluster does not serve, or serves
 * cluster-wide, is the provider's configuration error, found before any
 * write.
 *
 * Objects cross the port as plain JSON, and go to the apiserver and come
 * back as that JSON, never through client-node's typed models (which drop
 * fields they do not know; see object-api.ts). Only the top-level metadata
 * is parsed by a model (its timestamps become Dates), so a JSON round trip
 * gives the object as the server sent it, bar timestamp precision.
 */
import { Observable, type CoreV1Api, type KubernetesObject, type ObservableMiddleware } from '@kubernetes/client-node';
import type { ClusterApi, DeleteOutcome } from '../../application/ports/cluster-api.js';
import type { Logger } from '../../application/ports/logger.js';
import { groupOf } from '../../domain/built-in-kinds.js';
import { domainError } from '../../domain/errors.js';
import { describeRef, refOf, type KubeObject, type ObjectRef, type ObjectType } from '../../domain/kube-object.js';
import { err, ok, type Result } from '../../domain/result.js';
import type { KubernetesApis } from './api-clients.js';
import { describeApiError, isNotFound, logFieldsOf, translateApiError, type ApiAction } from './api-errors.js';
import type { DiscoveringObjectApi } from './object-api.js';

/** Server-side apply's field manager: the fields the broker set are its own, and a later apply may remove them. */
export const FIELD_MANAGER = 'mesitis';

const NOISY = new Set(['Unavailable', 'Forbidden', 'Infrastructure']);

/**
 * The owners of Pods go with their dependents first: with foreground
 * propagation the owner stays (terminating) until its Pods are gone, so
 * "the object is gone" means "its Pods are gone" and a deprovision can wait
 * for exactly that. Other kinds own no Pods and go at once (their
 * dependents, if any, in the background).
 */
const POD_OWNERS = new Set(['apps/Deployment', 'apps/ReplicaSet', 'apps/StatefulSet', 'apps/DaemonSet', 'batch/Job', '/ReplicationController']);
const propagationOf = ({ apiVersion, kind }: ObjectType): 'Foreground' | 'Background' =>
  POD_OWNERS.has(`${groupOf(apiVersion)}/${kind}`) ? 'Foreground' : 'Background';

/** The object api wants a header with a name; the name only selects the path. */
const header = (ref: ObjectRef) => ({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } });

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

/** Plain JSON (no Dates); list items lack kind and apiVersion, so they are set from the type asked for. */
function plain(type: ObjectType, model: unknown): KubeObject {
  const object = JSON.parse(JSON.stringify(model)) as KubeObject;
  return { ...object, apiVersion: type.apiVersion, kind: type.kind };
}

export class KubernetesClusterApi implements ClusterApi {
  private readonly objects: DiscoveringObjectApi;
  private readonly core: CoreV1Api;

  constructor(apis: KubernetesApis, private readonly logger: Logger) {
    this.objects = apis.objects;
    this.core = apis.core;
  }

  async create(object: KubeObject): Promise<Result<KubeObject>> {
    const namespace = object.metadata.namespace ?? '';
    if (namespace === '') return err(domainError('ConfigInvalid', `${object.kind} "${object.metadata.name}" names no namespace`));
    const ref = refOf(object);
    // The apiserver answers this one with a 500, which would read as an outage.
    if (object.metadata.resourceVersion !== undefined) return err(domainError('ConfigInvalid', `${describeRef(ref)}: resourceVersion should not be set on objects to be created`));
    const action: ApiAction = { verb: 'create', what: describeRef(ref), namespace };
    return this.call(action, async () => {
      const scope = await this.objects.scopeOf(object.apiVersion, object.kind);
      if (scope !== 'namespaced') return err(domainError('ConfigInvalid', unservable(ref, scope)));
      return ok(plain(ref, await this.objects.createJson(object as KubernetesObject)));
    }).then(flatten);
  }

  async apply(object: KubeObject): Promise<Result<KubeObject>> {
    const namespace = object.metadata.namespace ?? '';
    if (namespace === '') return err(domainError('ConfigInvalid', `${object.kind} "${object.metadata.name}" names no namespace`));
    const ref = refOf(object);
    const { resourceVersion: _stale, ...metadata } = object.metadata;
    return this.call({ verb: 'update', what: describeRef(ref), namespace }, async () => {
      const scope = await this.objects.scopeOf(object.apiVersion, object.kind);
      if (scope !== 'namespaced') return err(domainError('ConfigInvalid', unservable(ref, scope)));
      return ok(plain(ref, await this.objects.applyJson({ ...object, metadata } as KubernetesObject, FIELD_MANAGER, true)));
    }).then(flatten);
  }

  async get(ref: ObjectRef): Promise<Result<KubeObject | undefined>> {
    return this.call({ verb: 'read', what: describeRef(ref) }, async () => {
      if ((await this.objects.scopeOf(ref.apiVersion, ref.kind)) !== 'namespaced') return undefined;
      try {
        return plain(ref, await this.objects.readJson(header(ref)));
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    });
  }

  async delete(ref: ObjectRef): Promise<Result<DeleteOutcome>> {
    return this.call({ verb: 'delete', what: describeRef(ref) }, async () => {
      // A kind no longer served has no objects left (removing a CRD removes its resources).
      if ((await this.objects.scopeOf(ref.apiVersion, ref.kind)) !== 'namespaced') return 'absent' as const;
      try {
        const preconditions = ref.uid !== undefined ? { preconditions: { uid: ref.uid } } : undefined;
        const answer = await this.objects.delete(header(ref), undefined, undefined, undefined, undefined, propagationOf(ref), preconditions);
        // The server answers a Status when the object is gone at once, and the object itself when it may still
        // be there (finalizers, graceful deletion, foreground propagation; some kinds, like Services, always
        // answer with the object): 'terminating' means "look again".
        return answer.kind === undefined || answer.kind === 'Status' ? ('deleted' as const) : ('terminating' as const);
      } catch (error) {
        if (isNotFound(error)) return 'absent' as const;
        // A failed uid precondition: the object under that name is not the one we made.
        if (ref.uid !== undefined && describeApiError(error).status === 409) return 'absent' as const;
        throw error;
      }
    });
  }

  /** An empty selector lists every object of the kind; a malformed one is refused by the server (ConfigInvalid). */
  async list(type: ObjectType, namespace: string, labelSelector: string): Promise<Result<KubeObject[]>> {
    const trimmed = labelSelector.trim();
    const what = `${type.kind} objects in namespace "${namespace}"${trimmed === '' ? '' : ` matching "${trimmed}"`}`;
    return this.call({ verb: 'list', what }, async () => {
      if ((await this.objects.scopeOf(type.apiVersion, type.kind)) !== 'namespaced') return [];
      const list = await this.objects.listJson(type.apiVersion, type.kind, namespace, trimmed === '' ? undefined : trimmed);
      return list.items.map((item) => plain(type, item)).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
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

const unservable = (ref: ObjectRef, scope: 'cluster' | 'unknown'): string =>
  scope === 'cluster'
    ? `${describeRef(ref)} cannot be created: ${ref.kind} (${ref.apiVersion}) is cluster-scoped`
    : `${describeRef(ref)} cannot be created: the cluster serves no kind ${ref.kind} in ${ref.apiVersion}`;

const flatten = <T>(result: Result<Result<T>>): Result<T> => (result.ok ? result.value : result);
