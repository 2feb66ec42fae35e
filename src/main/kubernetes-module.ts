/**
 * The real cluster as ConfigSource, ClusterApi, SecretSource and
 * ProblemReporter: what `mesitis serve` runs with. One set of API clients
 * (with its request deadline) serves all four.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { ContainerModule } from 'inversify';
import { kubernetesApis, type ApiClientOptions } from '../adapters/kubernetes/api-clients.js';
import { KubernetesClusterApi } from '../adapters/kubernetes/kubernetes-cluster-api.js';
import { informerConfigSource, type KubernetesConfigSource } from '../adapters/kubernetes/kubernetes-config-source.js';
import { KubernetesEventReporter } from '../adapters/kubernetes/kubernetes-event-reporter.js';
import { KubernetesSecretSource } from '../adapters/kubernetes/kubernetes-secret-source.js';
import type { Logger } from '../application/ports/logger.js';
import { TOKENS as T } from './tokens.js';

export interface KubernetesModuleOptions {
  readonly config: KubeConfig;
  /** The broker namespace: catalog ConfigMaps, credential Secrets and Events live there. */
  readonly namespace: string;
  /** Reported as the Events' reportingInstance (the pod name in a cluster). */
  readonly instance?: string;
  readonly api?: ApiClientOptions;
}

export const kubernetesModule = (options: KubernetesModuleOptions) =>
  new ContainerModule(({ bind }) => {
    const apis = kubernetesApis(options.config, options.api);
    const { namespace } = options;
    bind<KubernetesConfigSource>(T.ConfigSource)
      .toResolvedValue((logger: Logger) => informerConfigSource(options.config, apis.core, namespace, logger.child({ component: 'config-watch' })), [T.Logger])
      .inSingletonScope();
    bind(T.ClusterApi)
      .toResolvedValue((logger: Logger) => new KubernetesClusterApi(apis, logger), [T.Logger])
      .inSingletonScope();
    bind(T.SecretSource)
      .toResolvedValue((logger: Logger) => new KubernetesSecretSource(apis.core, namespace, logger), [T.Logger])
      .inSingletonScope();
    bind(T.ProblemReporter)
      .toResolvedValue(
        (source: KubernetesConfigSource, logger: Logger) =>
          new KubernetesEventReporter(apis.core, namespace, logger, {
            uidOf: (name) => source.uidOf(name),
            ...(options.instance !== undefined ? { instance: options.instance } : {}),
          }),
        [T.ConfigSource, T.Logger],
      )
      .inSingletonScope();
  });
