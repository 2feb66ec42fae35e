/**
 * `mesitis serve`: the broker against a real cluster, in a pod (in-cluster
 * service account) or from a workstation (kubeconfig). Refuses to run open
 * unless told so.
 */
import { authEnabled } from '../adapters/http/auth.js';
import { brokerKubeConfig, brokerNamespace, SERVICE_ACCOUNT_DIR } from '../adapters/kubernetes/kube-config.js';
import { PinoLogger } from '../adapters/logging/pino-logger.js';
import { stateModule } from './adapter-modules.js';
import { kubernetesModule, kubernetesStateModule } from './kubernetes-module.js';
import { untilSignalled } from './lifecycle.js';
import { listenFailure } from './listen-failure.js';
import { brokerOptions } from './options.js';
import { startBroker } from './run-broker.js';
import { vaultModules } from './vault-options.js';

export const SERVE_HELP = `Usage: mesitis serve [flags]

Runs the broker against a Kubernetes cluster: catalog entries and resource
templates from the ConfigMaps labelled mesitis/kind in the broker namespace
(watched: edits apply without a restart), credentials from Secrets there,
dedicated objects created where the entries say. State (instances,
bindings, locks) as ConfigMaps and Leases in the broker namespace, so a
restart loses nothing; or in Redis with --redis-url, for large installations.
Requires --username/--password or --bearer-token.

Flags:
  -n, --namespace NS     broker namespace (or POD_NAMESPACE; in a pod, the service account's namespace)
  --kubeconfig FILE      kubeconfig to use (or KUBECONFIG, else ~/.kube/config, else the pod's service account)
  -p, --port N           port (default 8080, or PORT)
  --host ADDR            address to listen on (default 0.0.0.0, or HOST)
  --username U --password P   require basic auth (or MESITIS_USERNAME / MESITIS_PASSWORD)
  --bearer-token T       require a bearer token (or MESITIS_BEARER_TOKEN)
  --insecure-no-auth     run without authentication (never in production)
  --state KIND           kubernetes (default), redis (default with --redis-url) or memory
                         (lost on restart; one replica only), or MESITIS_STATE
  --redis-url URL        keep state in Redis (or MESITIS_REDIS_URL); also --redis-password,
                         --redis-tls, --redis-db, --redis-prefix and their MESITIS_REDIS_* variables
  --readiness-timeout S  seconds a provisioned instance may take to become ready
  --log-level L          trace|debug|info|warn|error|fatal|silent (default info, or MESITIS_LOG_LEVEL)
  --generation-key-secret NAME   the Secret in the broker namespace holding the key of
                         {{ generated.NAME }} values (default mesitis-generation-key, or
                         MESITIS_GENERATION_KEY_SECRET)
  --helm-binary PATH     the helm (4) that Helm-chart offerings run (default \`helm\` on PATH,
                         or MESITIS_HELM; the image has one in /usr/local/bin)
  --vault-address URL    the Vault that CredentialFromVault entries use (or MESITIS_VAULT_ADDR); also
                         --vault-ca-file, --vault-namespace, --vault-auth kubernetes|token,
                         --vault-role, --vault-auth-mount, --vault-token-file and their
                         MESITIS_VAULT_* variables (see docs/configuration.md, Vault)
  -h, --help             this text`;

const fail = (message: string, code: number): number => {
  console.error(`mesitis serve: ${message}`);
  return code;
};

export async function runServe(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const options = brokerOptions('serve', args, env);
  if (options.help) {
    console.log(SERVE_HELP);
    return 0;
  }
  if (!authEnabled(options.auth) && !options.insecureNoAuth) {
    return fail('refusing to start without authentication: give --username and --password (or --bearer-token), '
      + 'or --insecure-no-auth to run open on purpose', 2);
  }
  // options.kubeconfig folds KUBECONFIG in; only --kubeconfig is one file, KUBECONFIG may list several (kubectl's rules).
  const flag = options.kubeconfig !== env['KUBECONFIG'] ? options.kubeconfig : undefined;
  const kube = brokerKubeConfig(flag, env);
  if (!kube.ok) return fail(kube.problem, 2);
  const namespace = await brokerNamespace(options.namespace, SERVICE_ACCOUNT_DIR);
  if (namespace === undefined) {
    return fail(`no broker namespace: give --namespace or set POD_NAMESPACE (not in a pod: ${SERVICE_ACCOUNT_DIR}/namespace is missing)`, 2);
  }

  const logger = PinoLogger.create(options.logLevel);
  if (!authEnabled(options.auth)) logger.warn('authentication is OFF (--insecure-no-auth): anyone who can reach the broker can provision');
  const instance = env['POD_NAME'] ?? env['HOSTNAME'];
  const state = options.state.kind === 'kubernetes' ? kubernetesStateModule(namespace) : stateModule(options.state);
  const modules = [
    kubernetesModule({ config: kube.value.config, namespace, generationKeySecret: options.generationKeySecret, helmBinary: options.helmBinary, ...(instance ? { instance } : {}) }),
    state,
  ];
  let broker;
  try {
    modules.push(...await vaultModules(options.vault));
    broker = await startBroker(options, modules, logger);
  } catch (error) {
    return fail(listenFailure(error, options) ?? (error as Error).message, 1);
  }
  logger.info('serving', { namespace, kubeconfig: kube.value.source, auth: authEnabled(options.auth) ? 'on' : 'OFF', state: options.state.kind });
  return untilSignalled(broker, logger);
}
