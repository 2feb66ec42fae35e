/**
 * `mesitis doctor`: the providing team's view of drift between the broker's
 * records and the cluster, with the provider's own credentials and the
 * broker's own state store (the same flags as `serve`). A provider tool,
 * so unlike the consumer verbs it runs the application itself: the catalog
 * (to know the target namespaces), the state store and, with --fix, the
 * reconciler a broker replica runs.
 */
import { parseArgs } from 'node:util';
import { brokerKubeConfig, brokerNamespace, SERVICE_ACCOUNT_DIR } from '../adapters/kubernetes/kube-config.js';
import { LOG_LEVELS, PinoLogger, type LogLevel } from '../adapters/logging/pino-logger.js';
import { MemoryAccessReview } from '../adapters/memory/memory-access-review.js';
import { runDoctor } from '../adapters/provider-cli/doctor.js';
import { HttpVault } from '../adapters/vault/http-vault.js';
import type { CatalogService } from '../application/catalog-service.js';
import type { OperationReconciler } from '../application/operation-reconciler.js';
import type { ClusterApi } from '../application/ports/cluster-api.js';
import type { ConfigSource } from '../application/ports/config-source.js';
import type { StateStore } from '../application/ports/state-store.js';
import { DEFAULT_SETTINGS } from '../application/settings.js';
import { FindDrift } from '../application/use-cases/find-drift.js';
import { RepairDrift } from '../application/use-cases/repair-drift.js';
import { stateModule } from './adapter-modules.js';
import { kubernetesModule, kubernetesStateModule } from './kubernetes-module.js';
import { STATE_FLAGS, stateOptions, UsageError } from './options.js';
import { composeApplication, kindDiscovery } from './run-broker.js';
import { TOKENS as T } from './tokens.js';
import { VAULT_FLAGS, vaultOptions, vaultSettings } from './vault-options.js';

export const DOCTOR_HELP = `Usage: mesitis doctor [flags]

Compares the broker's records with the cluster, as the providing team (run
it with the provider's kube credentials, against the broker namespace and
the broker's state store), and lists:
  orphan   objects labelled app.kubernetes.io/managed-by=mesitis, of one of
           this catalog's offerings, in a namespace its entries target, that
           no instance record owns
  missing  instances ready or starting whose recorded objects are not in the cluster
  stuck    operations still owing work (provisioning, starting, deprovisioning,
           a failed rollback) that no broker holds the lock of
  lease    Vault leases still open for bindings being removed (with --vault-address:
           the broker's revocation has not succeeded yet)
Exit code 0 when there is no drift, 1 when there is (or when it cannot check).

With --fix: resumes stuck operations (one pass of the broker's reconciler),
deletes orphans that carry an instance label (never an object without
Mesitis's labels), leaves instances with missing objects to their platform
(with a hint), and lists what remains. See docs/operations.md.

Flags:
  -n, --namespace NS     broker namespace (or POD_NAMESPACE; in a pod, the service account's namespace)
  --kubeconfig FILE      kubeconfig to use (or KUBECONFIG, else ~/.kube/config, else the pod's service account)
  --context NAME         kubeconfig context to use (default: its current context)
  --state KIND           where the broker keeps state: kubernetes (default) or redis (default with --redis-url)
  --redis-url URL        the broker's Redis (or MESITIS_REDIS_URL); also --redis-password, --redis-tls,
                         --redis-db, --redis-prefix and their MESITIS_REDIS_* variables
  --readiness-timeout S  as given to the broker: how long a resumed provision may wait for readiness
  --vault-address URL    the broker's Vault, to look up leases (or MESITIS_VAULT_ADDR); also
                         --vault-ca-file, --vault-namespace, --vault-auth, --vault-role,
                         --vault-auth-mount, --vault-token-file as for serve (token auth
                         with a token file is the usual choice outside the cluster)
  --fix                  repair what can be repaired, with a line per step
  -o, --output FORMAT    table (default) or json
  --log-level L          trace|debug|info|warn|error|fatal|silent (default warn), on stderr
  -h, --help             this text`;

export const DOCTOR_FLAGS = {
  namespace: { type: 'string', short: 'n' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  ...STATE_FLAGS,
  'readiness-timeout': { type: 'string' },
  fix: { type: 'boolean' },
  ...VAULT_FLAGS,
  output: { type: 'string', short: 'o' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const fail = (message: string, code: number): number => {
  console.error(`mesitis doctor: ${message}`);
  return code;
};

function parse(args: string[], env: NodeJS.ProcessEnv) {
  const { values, positionals } = parseArgs({ args, options: DOCTOR_FLAGS, allowPositionals: true, strict: true });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const output = values.output ?? 'table';
  if (output !== 'table' && output !== 'json') throw new UsageError(`--output must be table or json, got "${output}"`);
  const level = values['log-level'] ?? env['MESITIS_LOG_LEVEL'] ?? 'warn';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  const timeout = values['readiness-timeout'];
  if (timeout !== undefined && !/^\d+$/.test(timeout)) throw new UsageError(`--readiness-timeout must be a whole number, got "${timeout}"`);
  const namespace = values.namespace ?? env['POD_NAMESPACE'];
  const state = stateOptions('serve', values, env, namespace);
  const vault = vaultOptions(values, env);
  // Memory state is empty in a new process: every object would look orphaned.
  if (state.kind === 'memory') throw new UsageError('--state memory holds nothing outside the broker process: give the broker\'s own store (kubernetes or redis)');
  return {
    help: values.help ?? false, fix: values.fix ?? false, output, namespace, state, logLevel: level as LogLevel,
    kubeconfig: values.kubeconfig, context: values.context, vault,
    readinessTimeoutMs: timeout === undefined ? DEFAULT_SETTINGS.readinessTimeoutMs : Number(timeout) * 1000,
  } as const;
}

export async function runDoctorCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const options = parse(args, env);
  if (options.help) {
    console.log(DOCTOR_HELP);
    return 0;
  }
  const kube = brokerKubeConfig(options.kubeconfig, env);
  if (!kube.ok) return fail(kube.problem, 2);
  if (options.context !== undefined) {
    if (kube.value.config.getContextObject(options.context) === null) return fail(`the kubeconfig has no context "${options.context}"`, 2);
    kube.value.config.setCurrentContext(options.context);
  }
  const namespace = await brokerNamespace(options.namespace, SERVICE_ACCOUNT_DIR);
  if (namespace === undefined) return fail('no broker namespace: give --namespace or set POD_NAMESPACE', 2);

  const logger = PinoLogger.create(options.logLevel, process.stderr);
  const state = options.state.kind === 'kubernetes' ? kubernetesStateModule(namespace) : stateModule(options.state);
  const settings = { ...DEFAULT_SETTINGS, readinessTimeoutMs: options.readinessTimeoutMs };
  const container = composeApplication(settings, [kubernetesModule({ config: kube.value.config, namespace }), state], logger);
  // Catalog problems are the broker's to report as Events; the doctor only reads the catalog.
  container.rebind(T.ProblemReporter).toConstantValue({ report: async () => {} });
  // Access reviews answer for whoever runs the doctor, not for the broker: refuse no entry on them.
  container.rebind(T.AccessReview).toConstantValue(new MemoryAccessReview());

  const config = container.get<ConfigSource>(T.ConfigSource);
  const store = container.get<StateStore>(T.StateStore);
  const vault = options.vault !== undefined ? new HttpVault(await vaultSettings(options.vault), logger) : undefined;
  try {
    await Promise.all([config.start(), kindDiscovery(container).start?.()]);
    const cluster = container.get<ClusterApi>(T.ClusterApi);
    const find = new FindDrift(cluster, store, container.get<CatalogService>(T.CatalogService), vault);
    const repair = new RepairDrift(find, container.get<OperationReconciler>(T.Reconciler), cluster);
    return await runDoctor(find, repair, { fix: options.fix, output: options.output }, { out: process.stdout, err: process.stderr });
  } finally {
    await config.stop();
    await kindDiscovery(container).stop?.();
    await store.close();
    vault?.close();
  }
}
