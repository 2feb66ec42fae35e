/**
 * The typed API clients every Kubernetes adapter shares, built like
 * KubeConfig.makeApiClient does, plus two things it lacks: a deadline on
 * every request (client-node sets none, so a black-holed apiserver would hang
 * a provision forever) and a hook that sees each request go out.
 */
import {
  AppsV1Api,
  CoreV1Api,
  createConfiguration,
  ServerConfiguration,
  type KubeConfig,
  type Middleware,
  type RequestContext,
} from '@kubernetes/client-node';

export interface KubernetesApis {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
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
    authMethods: { default: config },
    promiseMiddleware: [middleware],
  });
  return { core: new CoreV1Api(configuration), apps: new AppsV1Api(configuration) };
}
