/**
 * The real cluster as ConfigSource, ClusterApi, KindResolver, AccessReview,
 * SecretSource, ProblemReporter and HelmReleases (through the helm binary,
 * with the same identity) (and, with kubernetesStateModule, StateStore): what
 * `mesitis serve` runs with. One set of API clients (with its request
 * deadline) serves them all.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { ContainerModule } from 'inversify';
import { kubernetesApis, type ApiClientOptions, type KubernetesApis } from '../adapters/kubernetes/api-clients.js';
import { CliHelmReleases } from '../adapters/helm/cli-helm-releases.js';
import { KubernetesClusterApi } from '../adapters/kubernetes/kubernetes-cluster-api.js';
import { informerConfigSource, type KubernetesConfigSource } from '../adapters/kubernetes/kubernetes-config-source.js';
import { KubernetesEventReporter } from '../adapters/kubernetes/kubernetes-event-reporter.js';
import { KubernetesAccessReview, type AccessReviewOptions } from '../adapters/kubernetes/kubernetes-access-review.js';
import { KubernetesKindResolver } from '../adapters/kubernetes/kubernetes-kind-resolver.js';
import { HmacSecretGenerator, keyFromSecret } from '../adapters/crypto/hmac-secret-generator.js';
import { KubernetesSecretSource } from '../adapters/kubernetes/kubernetes-secret-source.js';
import { KubernetesStateStore } from '../adapters/kubernetes/kubernetes-state-store.js';
import type { Logger } from '../application/ports/logger.js';
import type { SecretSource } from '../application/ports/secret-source.js';
import { DEFAULT_GENERATION_KEY_SECRET } from './options.js';
import { TOKENS as T } from './tokens.js';

export interface KubernetesModuleOptions {
  readonly config: KubeConfig;
  /** The broker namespace: catalog ConfigMaps, credential Secrets and Events live there. */
  readonly namespace: string;
  /** Reported as the Events' reportingInstance (the pod name in a cluster). */
  readonly instance?: string;
  readonly api?: Omit<ApiClientOptions, 'onRequest'>;
  /** The Secret in `namespace` holding the generation key (the chart creates it); default DEFAULT_GENERATION_KEY_SECRET. */
  readonly generationKeySecret?: string;
  /** How often the broker's rights are reviewed again (tests shorten it; there is no flag). */
  readonly accessReview?: AccessReviewOptions;
  /** The helm binary HelmReleases runs; default `helm` on PATH. */
  readonly helmBinary?: string;
}

/** The clients the four adapters share; not a port, so private to this module. */
const APIS = Symbol.for('mesitis/kubernetes/KubernetesApis');

export const kubernetesModule = (options: KubernetesModuleOptions) =>
  new ContainerModule(({ bind }) => {
    const { config, namespace } = options;
    bind<KubernetesApis>(APIS)
      .toResolvedValue((logger: Logger) => {
        // Every API request as a debug line, method and path only: how one sees that a catalog request costs none.
        const log = logger.child({ component: 'kubernetes' });
        return kubernetesApis(config, { ...options.api, onRequest: (method, path) => log.debug('kubernetes request', { method, path }) });
      }, [T.Logger])
      .inSingletonScope();
    bind<KubernetesConfigSource>(T.ConfigSource)
      .toResolvedValue((apis: KubernetesApis, logger: Logger) => informerConfigSource(config, apis.core, namespace, logger.child({ component: 'config-watch' })), [APIS, T.Logger])
      .inSingletonScope();
    bind(T.ClusterApi)
      .toResolvedValue((apis: KubernetesApis, logger: Logger) => new KubernetesClusterApi(apis, logger), [APIS, T.Logger])
      .inSingletonScope();
    bind(T.HelmReleases)
      .toResolvedValue((logger: Logger) => new CliHelmReleases({ binary: options.helmBinary ?? 'helm', kubeConfig: config }, logger.child({ component: 'helm' })), [T.Logger])
      .inSingletonScope();
    bind(T.KindResolver)
      .toResolvedValue((apis: KubernetesApis, logger: Logger) => new KubernetesKindResolver(apis, logger.child({ component: 'discovery' })), [APIS, T.Logger])
      .inSingletonScope();
    bind(T.AccessReview)
      .toResolvedValue((apis: KubernetesApis, logger: Logger) => new KubernetesAccessReview(apis, logger.child({ component: 'access-review' }), options.accessReview), [APIS, T.Logger])
      .inSingletonScope();
    bind(T.SecretSource)
      .toResolvedValue((apis: KubernetesApis, logger: Logger) => new KubernetesSecretSource(apis.core, namespace, logger), [APIS, T.Logger])
      .inSingletonScope();
    bind(T.SecretGenerator)
      .toResolvedValue((secrets: SecretSource) => new HmacSecretGenerator(keyFromSecret(secrets, options.generationKeySecret ?? DEFAULT_GENERATION_KEY_SECRET)), [T.SecretSource])
      .inSingletonScope();
    bind(T.ProblemReporter)
      .toResolvedValue(
        (apis: KubernetesApis, source: KubernetesConfigSource, logger: Logger) =>
          new KubernetesEventReporter(apis.core, namespace, logger, {
            uidOf: (name) => source.uidOf(name),
            ...(options.instance !== undefined ? { instance: options.instance } : {}),
          }),
        [APIS, T.ConfigSource, T.Logger],
      )
      .inSingletonScope();
  });

/**
 * The StateStore as ConfigMaps and Leases in the broker namespace (the
 * default of `mesitis serve`), on the clients kubernetesModule binds: load
 * both.
 */
export const kubernetesStateModule = (namespace: string) =>
  new ContainerModule(({ bind }) => {
    bind(T.StateStore)
      .toResolvedValue((apis: KubernetesApis, logger: Logger) => new KubernetesStateStore(apis, namespace, logger.child({ component: 'state-store' })), [APIS, T.Logger])
      .inSingletonScope();
  });
