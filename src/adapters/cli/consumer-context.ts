/**
 * Who the consumer is and which broker they talk to: the consumer namespace
 * (-n, else the current kube context's), the cluster it lives in, the broker
 * URL, and the broker credentials. Flags win over the environment. Problems
 * here are usage errors: the command line (or its environment) is incomplete.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { err, ok, type Result } from '../../domain/result.js';
import { currentCluster, currentNamespace, currentUser, loadKubeConfig } from './kubeconfig.js';
import type { FlagValues } from './verb-arguments.js';
import { isDnsLabel } from '../../domain/kubernetes-names.js';

export type BrokerAuth =
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  | { readonly kind: 'bearer'; readonly token: string };

/** The Authorization header's value for the broker's credentials. */
export const authorization = (auth: BrokerAuth): string =>
  auth.kind === 'basic' ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` : `Bearer ${auth.token}`;

export interface ConsumerContext {
  readonly namespace: string;
  /**
   * The cluster the namespace lives in, sent on provision as OSB's
   * organization_guid and as the Kubernetes profile's context.clusterid
   * (space_guid is the namespace): --cluster-id, else MESITIS_CLUSTER_ID,
   * else the current kube context's cluster, else DEFAULT_CLUSTER_ID.
   */
  readonly clusterId: string;
  /** Without a trailing slash. */
  readonly brokerUrl: string;
  readonly auth?: BrokerAuth;
  /** The kube context's user, sent to the broker as the originating identity. */
  readonly kubeUser?: string;
  readonly kubeConfig?: KubeConfig;
  /** Why there is no usable kubeconfig, for the verbs that need one (bind/unbind --secret). */
  readonly kubeConfigProblem?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_BROKER_URL = 'http://127.0.0.1:8080';
/** OSB requires a non-empty organization_guid; a consumer without a kubeconfig still needs one. */
export const DEFAULT_CLUSTER_ID = 'kubernetes';

function brokerUrl(values: Pick<FlagValues, 'broker-url'>, env: Env): Result<string, string> {
  const text = values['broker-url'] ?? env['MESITIS_URL'] ?? DEFAULT_BROKER_URL;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return err(`the broker URL "${text}" is not a URL (--broker-url or MESITIS_URL)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return err(`the broker URL "${text}" must be http or https`);
  return ok(url.href.replace(/\/+$/, ''));
}

/**
 * Basic or bearer, never both. A half given by flag may take the other half
 * from the environment, so the password can stay out of the process list.
 */
function brokerAuth(values: Pick<FlagValues, 'username' | 'password' | 'bearer-token' | 'token'>, env: Env): Result<BrokerAuth | undefined, string> {
  const basicFlag = values.username !== undefined || values.password !== undefined;
  // --token is the short name of --bearer-token (the broker's own flag): one value, under either name.
  if (values['bearer-token'] !== undefined && values.token !== undefined && values['bearer-token'] !== values.token) {
    return err('--bearer-token and --token are the same flag: give it once');
  }
  const tokenFlag = values['bearer-token'] ?? values.token;
  if (tokenFlag !== undefined && basicFlag) return err('give either --bearer-token or --username/--password, not both');
  const token = tokenFlag ?? (basicFlag ? undefined : env['MESITIS_BEARER_TOKEN']);
  const username = values.username ?? env['MESITIS_USERNAME'];
  const password = values.password ?? env['MESITIS_PASSWORD'];
  const basicWanted = basicFlag || (tokenFlag === undefined && (username !== undefined || password !== undefined));
  if (token !== undefined && basicWanted) {
    return err('both MESITIS_BEARER_TOKEN and MESITIS_USERNAME/MESITIS_PASSWORD are set: choose with --bearer-token or --username');
  }
  if (token !== undefined) return ok({ kind: 'bearer', token });
  if (!basicWanted) return ok(undefined);
  if (username === undefined) return err('a password needs a username (--username or MESITIS_USERNAME)');
  if (password === undefined) return err('a username needs a password (--password or MESITIS_PASSWORD)');
  return ok({ kind: 'basic', username, password });
}

/** Where the broker is and how to authenticate: what a provider's admin call needs too, without a consumer namespace. */
export interface BrokerConnection {
  readonly brokerUrl: string;
  readonly auth?: BrokerAuth;
}

export function brokerConnection(values: Pick<FlagValues, 'broker-url' | 'username' | 'password' | 'bearer-token' | 'token'>, env: Env): Result<BrokerConnection, string> {
  const url = brokerUrl(values, env);
  if (!url.ok) return url;
  const auth = brokerAuth(values, env);
  if (!auth.ok) return auth;
  return ok({ brokerUrl: url.value, ...(auth.value ? { auth: auth.value } : {}) });
}

export function consumerContext(values: FlagValues, env: Env): Result<ConsumerContext, string> {
  const kube = loadKubeConfig(values.kubeconfig, env);
  const namespace = values.namespace ?? currentNamespace(kube.config);
  if (namespace === undefined) {
    const why = kube.problem ?? (kube.config ? 'the current kube context names no namespace' : 'no kubeconfig found');
    return err(`no consumer namespace: pass -n NAMESPACE or set one in the current kube context (${why})`);
  }
  if (!isDnsLabel(namespace)) return err(`"${namespace}" is not a namespace name`);
  const clusterId = values['cluster-id'] ?? env['MESITIS_CLUSTER_ID'] ?? currentCluster(kube.config) ?? DEFAULT_CLUSTER_ID;
  if (clusterId.trim() === '') return err('the cluster id must not be empty (--cluster-id or MESITIS_CLUSTER_ID)');
  const connection = brokerConnection(values, env);
  if (!connection.ok) return connection;
  const kubeUser = currentUser(kube.config);
  return ok({
    namespace,
    clusterId,
    ...connection.value,
    ...(kubeUser !== undefined ? { kubeUser } : {}),
    ...(kube.config ? { kubeConfig: kube.config } : {}),
    ...(kube.problem !== undefined ? { kubeConfigProblem: kube.problem } : {}),
  });
}
