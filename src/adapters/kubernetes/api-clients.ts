/**
 * The typed API clients every Kubernetes adapter shares, built like
 * KubeConfig.makeApiClient does, plus three things it lacks: a deadline on
 * every request (client-node sets none, so a black-holed apiserver would hang
 * a provision forever), a hook that sees each request go out, and connection
 * reuse (client-node 1.x builds a new agent, so a new TLS handshake, per
 * request: measured at 2-3x the cost of a kept-alive request).
 */
import { Agent, type AgentOptions } from 'node:https';
import {
  ApisApi,
  AppsV1Api,
  AuthorizationV1Api,
  CoordinationV1Api,
  CoreV1Api,
  createConfiguration,
  ServerConfiguration,
  type KubeConfig,
  type Middleware,
  type RequestContext,
  type SecurityAuthentication,
} from '@kubernetes/client-node';
import { DiscoveringObjectApi } from './object-api.js';

export interface KubernetesApis {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  /** Leases: the Kubernetes state store's locks. */
  readonly coordination: CoordinationV1Api;
  /** Any kind, by apiVersion and kind: the objects created for consumers. */
  readonly objects: DiscoveringObjectApi;
  /** The API groups (GET /apis), for discovery. */
  readonly groups: ApisApi;
  /** SelfSubjectAccessReviews: what the broker itself may do (allowed to every authenticated identity). */
  readonly authorization: AuthorizationV1Api;
}

export interface ApiClientOptions {
  /** Per-request deadline; an expired one is an AbortError, translated as Unavailable. */
  readonly timeoutMs?: number;
  /** Called as each request is sent: method and URL path (never headers or body). */
  readonly onRequest?: (method: string, path: string) => void;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export function kubernetesApis(config: KubeConfig, options: ApiClientOptions = {}): KubernetesApis {
  const cluster = config.getCurrentCluster();
  if (cluster === null) throw new Error('bug: kubernetesApis needs a kubeconfig with a current cluster');
  const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const middleware: Middleware = {
    pre: async (context: RequestContext) => {
      context.setSignal(AbortSignal.timeout(timeoutMs));
      options.onRequest?.(context.getHttpMethod(), new URL(context.getUrl()).pathname);
      return context;
    },
    post: async (context) => context,
  };
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: keptAlive(config) },
    promiseMiddleware: [middleware],
  });
  return {
    core: new CoreV1Api(configuration),
    apps: new AppsV1Api(configuration),
    coordination: new CoordinationV1Api(configuration),
    objects: new DiscoveringObjectApi(configuration),
    groups: new ApisApi(configuration),
    authorization: new AuthorizationV1Api(configuration),
  };
}

/**
 * The kubeconfig's own authentication (headers, TLS material, refreshed
 * tokens), with its per-request agent swapped for one kept-alive agent per
 * distinct TLS material, so rotated client certificates still take effect.
 */
function keptAlive(config: KubeConfig): SecurityAuthentication {
  let shared: { key: string; agent: Agent } | undefined;
  return {
    getName: () => 'kubeconfig-kept-alive',
    applySecurityAuthentication: async (context: RequestContext) => {
      await config.applySecurityAuthentication(context);
      const fresh = context.getAgent() as (Agent & { options?: AgentOptions }) | undefined;
      if (!(fresh instanceof Agent)) return;
      const { ca, cert, key, pfx, servername, rejectUnauthorized } = fresh.options ?? {};
      const identity = JSON.stringify([ca, cert, key, pfx, servername, rejectUnauthorized]);
      if (shared?.key !== identity) shared = { key: identity, agent: new Agent({ ...fresh.options, keepAlive: true }) };
      context.setAgent(shared.agent);
    },
  };
}
