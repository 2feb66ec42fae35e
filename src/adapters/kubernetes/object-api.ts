/**
 * client-node's generic KubernetesObjectApi, which finds any kind's resource
 * path through discovery (cached per group version, asked again when a kind
 * is missing from it), plus what it lacks:
 *
 * - a kind's scope, and a group version's resource list (discovery answers
 *   it keeps to itself);
 * - objects sent and read as the JSON they are. Its own create, patch, read
 *   and list pass every built-in kind through client-node's typed models,
 *   which write only the fields a model knows, under the model's property
 *   names: a field newer than the models is dropped without a word, and so
 *   is one whose property name differs from its wire name (a NetworkPolicy
 *   ingress rule's `from` is the model's `_from`: the rule would be created
 *   open to every source). The broker's objects are the provider's JSON, so
 *   they go to the apiserver as that JSON and come back as the apiserver's.
 */
import { HttpMethod, KubernetesObjectApi, type KubernetesObject, type V1APIResourceList } from '@kubernetes/client-node';
import type { KindScope } from '../../application/ports/kind-resolver.js';
import { isNotFound } from './api-errors.js';

/** Server-side apply's content type; the apiserver reads JSON as the YAML it is a subset of. */
const APPLY_PATCH = 'application/apply-patch+yaml';

/**
 * client-node's response type that deserializes nothing below the top-level
 * metadata (a primitive to its serializer): the object as the apiserver sent it.
 */
const AS_SENT = 'any';

export interface ListedObjects {
  readonly items: KubernetesObject[];
}

export class DiscoveringObjectApi extends KubernetesObjectApi {
  /** From the cached discovery document of the group version; 'unknown' when the cluster does not serve it. */
  async scopeOf(apiVersion: string, kind: string): Promise<KindScope> {
    try {
      const resource = await this.resource(apiVersion, kind);
      return resource === undefined ? 'unknown' : resource.namespaced ? 'namespaced' : 'cluster';
    } catch (error) {
      if (isNotFound(error)) return 'unknown';
      throw error;
    }
  }

  /** GET /api/v1 or /apis/GROUP/VERSION, fresh; undefined when the group version is not served (any more). */
  async resourcesOf(groupVersion: string): Promise<V1APIResourceList | undefined> {
    const request = this.configuration.baseServer.makeRequestContext(this.apiVersionPath(groupVersion), HttpMethod.GET);
    request.setHeaderParam('Accept', 'application/json');
    try {
      const list = await this.requestPromise(request, 'V1APIResourceList') as unknown as V1APIResourceList;
      // What the object api resolves paths with, refreshed too.
      this.apiVersionResourceCache[groupVersion] = list;
      return list;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** POST the object as JSON, byte for byte what it holds. */
  async createJson(object: KubernetesObject): Promise<KubernetesObject> {
    return this.send(HttpMethod.POST, await this.specUriPath(structuredClone(object), 'create'), { body: object, contentType: 'application/json' });
  }

  /** Server-side apply of the object as JSON: PATCH with the apply content type. */
  async applyJson(object: KubernetesObject, fieldManager: string, force: boolean): Promise<KubernetesObject> {
    const path = await this.specUriPath(structuredClone(object), 'patch');
    return this.send(HttpMethod.PATCH, path, { body: object, contentType: APPLY_PATCH, query: { fieldManager, force: String(force) } });
  }

  /** GET one object as the apiserver sends it. */
  async readJson(header: KubernetesObject): Promise<KubernetesObject> {
    return this.send(HttpMethod.GET, await this.specUriPath(structuredClone(header), 'read'));
  }

  /** GET the objects of one kind in one namespace, optionally by label selector, as the apiserver sends them. */
  async listJson(apiVersion: string, kind: string, namespace: string, labelSelector: string | undefined): Promise<ListedObjects> {
    const path = await this.specUriPath({ apiVersion, kind, metadata: { namespace } }, 'list');
    return this.send(HttpMethod.GET, path, labelSelector === undefined ? {} : { query: { labelSelector } }) as unknown as Promise<ListedObjects>;
  }

  private async send(
    method: HttpMethod, path: string,
    { body, contentType, query = {} }: { body?: unknown; contentType?: string; query?: Record<string, string> } = {},
  ): Promise<KubernetesObject> {
    const request = this.configuration.baseServer.makeRequestContext(path, method);
    request.setHeaderParam('Accept', 'application/json');
    for (const [name, value] of Object.entries(query)) request.setQueryParam(name, value);
    if (body !== undefined) {
      request.setHeaderParam('Content-Type', contentType ?? 'application/json');
      request.setBody(JSON.stringify(body));
    }
    return this.requestPromise(request, AS_SENT);
  }
}
