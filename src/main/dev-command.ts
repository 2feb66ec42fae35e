/**
 * `mesitis dev`: the whole broker on the in-memory fake cluster, loaded from
 * manifests the way `kubectl apply -n <namespace>` would load them (by
 * default the package's own examples/, wherever it is run from).
 */
import { describeManifestProblem, loadManifests } from '../adapters/config/manifest-loader.js';
import { PinoLogger } from '../adapters/logging/pino-logger.js';
import { applyManifests } from '../adapters/memory/apply-manifests.js';
import { MemoryCluster } from '../adapters/memory/memory-cluster.js';
import type { Broker } from '../application/broker.js';
import { memoryClusterModule, stateModule } from './adapter-modules.js';
import { catalogCounts, devBanner } from './banner.js';
import { listenFailure } from './listen-failure.js';
import { untilSignalled } from './lifecycle.js';
import { brokerOptions } from './options.js';
import { startBroker, type RunningBroker } from './run-broker.js';
import { TOKENS } from './tokens.js';
import { vaultModules } from './vault-options.js';

export const DEV_HELP = `Usage: mesitis dev [flags]

Runs the broker on an in-memory fake cluster loaded from manifests, with state
in memory (or Redis with --redis-url). No cluster needed. Open unless
--username/--password or --bearer-token are given.

Flags:
  --manifests DIR|FILE   manifests to load (repeatable; default the examples/ shipped with mesitis)
  -n, --namespace NS     broker namespace for objects without one (default provider-ns)
  -p, --port N           port (default 8080, or PORT)
  --host ADDR            address to listen on (default 127.0.0.1)
  --username U --password P   require basic auth (or MESITIS_USERNAME / MESITIS_PASSWORD)
  --bearer-token T       require a bearer token (or MESITIS_BEARER_TOKEN)
  --redis-url URL        keep state in Redis (or MESITIS_REDIS_URL)
  --log-level L          trace|debug|info|warn|error|fatal|silent (default info, or MESITIS_LOG_LEVEL)
  --generation-key-secret NAME   the Secret in the manifests holding the key of
                         {{ generated.NAME }} values (default mesitis-generation-key; without
                         it, a random key of this process)
  --helm-binary PATH     the helm that renders Helm-chart offerings for the fake cluster
                         (default \`helm\` on PATH, or MESITIS_HELM)
  --vault-address URL    a Vault for CredentialFromVault entries (or MESITIS_VAULT_ADDR; without
                         one, their binds are refused); also
                         --vault-ca-file, --vault-namespace, --vault-auth kubernetes|token,
                         --vault-role, --vault-auth-mount, --vault-token-file and their
                         MESITIS_VAULT_* variables (see docs/configuration.md, Vault)
  -h, --help             this text`;

export async function runDev(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const options = brokerOptions('dev', args, env);
  if (options.help) {
    console.log(DEV_HELP);
    return 0;
  }
  const namespace = options.namespace ?? 'provider-ns';
  const loaded = await loadManifests(options.manifests, namespace);
  if (loaded.problems.length > 0) {
    loaded.problems.forEach((problem) => console.error(`mesitis dev: ${describeManifestProblem(problem)}`));
    return 1;
  }
  const cluster = new MemoryCluster({ simulateControllers: true });
  cluster.ensureNamespace(namespace);
  const applied = applyManifests(cluster, loaded.objects);
  applied.refused.forEach(({ key, message }) => console.error(`mesitis dev: ${key.kind} ${key.namespace}/${key.name} refused: ${message}`));

  const logger = PinoLogger.create(options.logLevel);
  let broker: RunningBroker;
  try {
    const modules = [memoryClusterModule(cluster, namespace, options.generationKeySecret, options.helmBinary), stateModule(options.state), ...await vaultModules(options.vault)];
    broker = await startBroker(options, modules, logger);
  } catch (error) {
    const listening = listenFailure(error, options);
    if (listening === undefined) throw error;
    console.error(`mesitis dev: ${listening}`);
    return 1;
  }
  const catalog = broker.container.get<Broker>(TOKENS.Broker).catalog.catalog();
  console.log(devBanner({ url: broker.url, auth: options.auth, namespace, manifests: options.manifests, counts: catalogCounts(catalog) }));
  return untilSignalled(broker, logger);
}
