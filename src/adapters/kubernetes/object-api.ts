/**
 * client-node's generic KubernetesObjectApi, which finds any kind's resource
 * path through discovery (cached per group version, asked again when a kind
 * is missing from it), plus the two discovery answers it keeps to itself:
 * a kind's scope, and a group version's resource list.
 */
import { HttpMethod, KubernetesObjectApi, type V1APIResourceList } from '@kubernetes/client-node';
import type { KindScope } from '../../application/ports/kind-resolver.js';
import { isNotFound } from './api-errors.js';

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
}
