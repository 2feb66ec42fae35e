/**
 * The broker's Kubernetes identity as a kubeconfig file helm (client-go) can
 * read: the current context only, written by the caller with mode 0600 into
 * a private directory. client-node's in-cluster config uses an auth provider
 * of its own (`tokenFile`) that client-go does not know; it becomes
 * client-go's `tokenFile`, so helm too re-reads the rotating service-account
 * token rather than receiving a copy of it.
 */
import type { KubeConfig } from '@kubernetes/client-node';

type Fields = Record<string, unknown>;

/** Drops undefined fields, which JSON.stringify would drop anyway, so the shape is plain to read. */
const defined = (fields: Fields): Fields => Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined && value !== null));

/** The kubeconfig text (JSON, which is YAML), or a problem when the config has no current cluster. */
export function helmKubeconfig(config: KubeConfig): { ok: true; text: string } | { ok: false; problem: string } {
  const cluster = config.getCurrentCluster();
  const user = config.getCurrentUser();
  if (cluster === null) return { ok: false, problem: 'the kubeconfig has no current context with a cluster' };

  const provider = user?.authProvider as { name?: string; config?: Fields } | undefined;
  const tokenFile = provider?.name === 'tokenFile' ? provider.config?.['tokenFile'] : undefined;
  const userEntry = defined({
    token: user?.token,
    tokenFile,
    'client-certificate': user?.certFile,
    'client-certificate-data': user?.certData,
    'client-key': user?.keyFile,
    'client-key-data': user?.keyData,
    username: user?.username,
    password: user?.password,
    exec: user?.exec,
    as: user?.impersonateUser,
    // Other auth providers (oidc, gcp, azure) are client-go's own names: pass them on as they are.
    'auth-provider': tokenFile === undefined ? provider : undefined,
  });
  const clusterEntry = defined({
    server: cluster.server,
    'certificate-authority': cluster.caFile,
    'certificate-authority-data': cluster.caData,
    'insecure-skip-tls-verify': cluster.skipTLSVerify ? true : undefined,
    'tls-server-name': cluster.tlsServerName,
    'proxy-url': cluster.proxyUrl,
  });
  const namespace = config.getContextObject(config.getCurrentContext())?.namespace;
  return {
    ok: true,
    text: JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'broker', cluster: clusterEntry }],
      users: [{ name: 'broker', user: userEntry }],
      contexts: [{ name: 'broker', context: defined({ cluster: 'broker', user: 'broker', namespace }) }],
      'current-context': 'broker',
    }),
  };
}
