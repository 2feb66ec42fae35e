/**
 * Where the broker's Kubernetes identity and namespace come from. Inputs are
 * passed in (src/main owns flags and the environment): a kubeconfig named by
 * --kubeconfig, else KUBECONFIG, else ~/.kube/config (kubectl's rules, see
 * ../cli/kubeconfig.ts), else the pod's service account.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isIPv6 } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '../cli/kubeconfig.js';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

type Env = Readonly<Record<string, string | undefined>>;

export interface BrokerKubeConfig {
  readonly config: KubeConfig;
  /** Where it came from, for the start-up log line: a file path or "in-cluster service account". */
  readonly source: string;
}

export type KubeConfigOutcome = { readonly ok: true; readonly value: BrokerKubeConfig } | { readonly ok: false; readonly problem: string };

const inCluster = (env: Env): boolean =>
  (env['KUBERNETES_SERVICE_HOST'] ?? '') !== '' && (env['KUBERNETES_SERVICE_PORT'] ?? '') !== '';

/** The kubeconfig to run with; a problem naming what is missing when there is none. */
export function brokerKubeConfig(explicit: string | undefined, env: Env, serviceAccountDir = SERVICE_ACCOUNT_DIR): KubeConfigOutcome {
  const loaded = loadKubeConfig(explicit, env);
  if (loaded.problem !== undefined) return { ok: false, problem: loaded.problem };
  if (loaded.config !== undefined) {
    if (loaded.config.getCurrentCluster() === null) return { ok: false, problem: 'the kubeconfig has no current context with a cluster' };
    return { ok: true, value: { config: loaded.config, source: explicit ?? env['KUBECONFIG'] ?? '~/.kube/config' } };
  }
  if (!inCluster(env)) {
    return { ok: false, problem: 'no kubeconfig found (--kubeconfig, KUBECONFIG, ~/.kube/config) and not running in a pod (KUBERNETES_SERVICE_HOST is not set)' };
  }
  if (!existsSync(`${serviceAccountDir}/token`)) {
    return { ok: false, problem: `running in a pod but the service account token ${serviceAccountDir}/token is missing (automountServiceAccountToken: false?)` };
  }
  return { ok: true, value: { config: inClusterConfig(env, serviceAccountDir), source: 'in-cluster service account' } };
}

/**
 * What KubeConfig.loadFromCluster() builds, from the environment given rather
 * than process.env. The token is re-read as it rotates (tokenFile provider).
 */
function inClusterConfig(env: Env, serviceAccountDir: string): KubeConfig {
  const host = env['KUBERNETES_SERVICE_HOST']!;
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'in-cluster', server: `https://${isIPv6(host) ? `[${host}]` : host}:${env['KUBERNETES_SERVICE_PORT']}`, caFile: `${serviceAccountDir}/ca.crt`, skipTLSVerify: false }],
    users: [{ name: 'service-account', authProvider: { name: 'tokenFile', config: { tokenFile: `${serviceAccountDir}/token` } } }],
    contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'service-account' }],
    currentContext: 'in-cluster',
  });
  return config;
}

/**
 * The broker namespace: the one given (--namespace or POD_NAMESPACE, already
 * resolved by the caller), else the pod's service-account namespace file.
 * Deliberately not the kubeconfig context's namespace: a person's current
 * context is too easy to have pointed somewhere else.
 */
export async function brokerNamespace(given: string | undefined, serviceAccountDir = SERVICE_ACCOUNT_DIR): Promise<string | undefined> {
  if (given !== undefined && given !== '') return given;
  try {
    const fromFile = (await readFile(`${serviceAccountDir}/namespace`, 'utf8')).trim();
    return fromFile === '' ? undefined : fromFile;
  } catch {
    return undefined; // not in a pod
  }
}
