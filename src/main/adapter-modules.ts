/**
 * One container module per adapter family. The options pick which ones a
 * broker runs with; the core module never knows.
 */
import { randomBytes } from 'node:crypto';
import { ContainerModule } from 'inversify';
import { HmacSecretGenerator, keyFromSecretOr } from '../adapters/crypto/hmac-secret-generator.js';
import { HelmCommand } from '../adapters/helm/helm-command.js';
import { MemoryHelmReleases } from '../adapters/helm/memory-helm-releases.js';
import { MemoryCluster } from '../adapters/memory/memory-cluster.js';
import { MemoryClusterApi } from '../adapters/memory/memory-cluster-api.js';
import { MemoryConfigSource } from '../adapters/memory/memory-config-source.js';
import { MemoryAccessReview } from '../adapters/memory/memory-access-review.js';
import { MemoryKindResolver } from '../adapters/memory/memory-kind-resolver.js';
import { MemorySecretSource } from '../adapters/memory/memory-secret-source.js';
import { MemoryStateStore } from '../adapters/memory/memory-state-store.js';
import { RedisStateStore } from '../adapters/redis/redis-state-store.js';
import type { Logger } from '../application/ports/logger.js';
import { DEFAULT_GENERATION_KEY_SECRET, type StateOptions } from './options.js';
import { TOKENS as T } from './tokens.js';

/**
 * The fake cluster as ConfigSource, ClusterApi, KindResolver and SecretSource
 * (dev mode and tests), with every kind creatable (the fake cluster has no RBAC). Generated values use the key Secret if the manifests
 * have one, else a random key of this process: dev instances die with it.
 * HelmReleases renders charts with the helm binary and applies them to the
 * fake cluster (see MemoryHelmReleases for how that differs from helm).
 */
export const memoryClusterModule = (cluster: MemoryCluster, brokerNamespace: string, generationKeySecret = DEFAULT_GENERATION_KEY_SECRET, helmBinary = 'helm') =>
  new ContainerModule(({ bind }) => {
    const secrets = new MemorySecretSource(cluster, brokerNamespace);
    const api = new MemoryClusterApi(cluster);
    bind(T.ConfigSource).toConstantValue(new MemoryConfigSource(cluster, brokerNamespace));
    bind(T.ClusterApi).toConstantValue(api);
    bind(T.HelmReleases)
      .toResolvedValue((logger: Logger) => new MemoryHelmReleases(api, new HelmCommand({ binary: helmBinary }), logger.child({ component: 'helm' })), [T.Logger])
      .inSingletonScope();
    bind(T.KindResolver).toConstantValue(new MemoryKindResolver(cluster));
    bind(T.AccessReview).toConstantValue(new MemoryAccessReview());
    bind(T.SecretSource).toConstantValue(secrets);
    bind(T.SecretGenerator).toConstantValue(new HmacSecretGenerator(keyFromSecretOr(secrets, generationKeySecret, randomBytes(32))));
    // The fake cluster has no Events; the catalog service's log lines are the report.
    bind(T.ProblemReporter).toConstantValue({ report: async () => {} });
  });

/** The memory or Redis store; the Kubernetes one shares the cluster's clients, see kubernetesStateModule. */
export const stateModule = (state: StateOptions) =>
  new ContainerModule(({ bind }) => {
    if (state.kind === 'memory') {
      bind(T.StateStore).toConstantValue(new MemoryStateStore());
      return;
    }
    if (state.kind === 'kubernetes') throw new Error('bug: the Kubernetes state store is bound by kubernetesStateModule');
    const { kind: _redis, ...settings } = state;
    bind(T.StateStore)
      .toResolvedValue((logger: Logger) => new RedisStateStore({ ...settings, logger }), [T.Logger])
      .inSingletonScope();
  });
