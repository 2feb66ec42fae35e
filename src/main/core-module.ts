/**
 * Binds the application: use cases and the services they share. Adapters
 * come from the other modules; this one never names a technology.
 */
import { ContainerModule } from 'inversify';
import { BindingCredentials } from '../application/binding-credentials.js';
import { BindingWork } from '../application/binding-work.js';
import type { Broker } from '../application/broker.js';
import { CatalogService } from '../application/catalog-service.js';
import { ChartReview } from '../application/chart-review.js';
import { InstanceObjects } from '../application/instance-objects.js';
import { InstanceReadiness } from '../application/instance-readiness.js';
import { InstanceRecords } from '../application/instance-records.js';
import { InstanceRemoval } from '../application/instance-removal.js';
import { InstanceUpdate } from '../application/instance-update.js';
import { OperationJobs } from '../application/operation-jobs.js';
import { OperationReconciler } from '../application/operation-reconciler.js';
import { BindingReconciler } from '../application/binding-reconciler.js';
import { hasBindingLease, hasBindingObjects } from '../domain/catalog-entry.js';
import type { AccessReview } from '../application/ports/access-review.js';
import type { ClusterApi } from '../application/ports/cluster-api.js';
import type { ConfigSource } from '../application/ports/config-source.js';
import type { HelmReleases } from '../application/ports/helm-releases.js';
import type { KindResolver } from '../application/ports/kind-resolver.js';
import type { Logger } from '../application/ports/logger.js';
import type { Metrics } from '../application/ports/metrics.js';
import type { ProblemReporter } from '../application/ports/problem-reporter.js';
import type { SecretGenerator } from '../application/ports/secret-generator.js';
import type { SecretSource } from '../application/ports/secret-source.js';
import type { Vault } from '../application/ports/vault.js';
import type { StateStore } from '../application/ports/state-store.js';
import type { BrokerSettings, Runtime } from '../application/settings.js';
import { TemplateFacts } from '../application/template-facts.js';
import { Bind } from '../application/use-cases/bind.js';
import { Deprovision } from '../application/use-cases/deprovision.js';
import { FetchBinding } from '../application/use-cases/fetch-binding.js';
import { FetchInstance } from '../application/use-cases/fetch-instance.js';
import { Inventory } from '../application/use-cases/inventory.js';
import { LastBindingOperation } from '../application/use-cases/last-binding-operation.js';
import { LastOperation } from '../application/use-cases/last-operation.js';
import { Provision } from '../application/use-cases/provision.js';
import { Unbind } from '../application/use-cases/unbind.js';
import { UpdateInstance } from '../application/use-cases/update-instance.js';
import { TOKENS as T } from './tokens.js';

export const coreModule = new ContainerModule(({ bind }) => {
  bind<CatalogService>(T.CatalogService)
    .toResolvedValue(
      (source: ConfigSource, logger: Logger, reporter: ProblemReporter, kinds: KindResolver, access: AccessReview, releases: HelmReleases) =>
        new CatalogService(source, logger, reporter, kinds, access, new ChartReview(releases, logger.child({ component: 'chart-review' }))),
      [T.ConfigSource, T.Logger, T.ProblemReporter, T.KindResolver, T.AccessReview, T.HelmReleases],
    )
    .inSingletonScope();
  bind<InstanceRecords>(T.InstanceRecords)
    .toResolvedValue(
      (store: StateStore, settings: BrokerSettings, runtime: Runtime, metrics: Metrics) => new InstanceRecords(store, settings, runtime, metrics),
      [T.StateStore, T.Settings, T.Runtime, T.Metrics],
    )
    .inSingletonScope();
  bind<InstanceObjects>(T.InstanceObjects)
    .toResolvedValue(
      (cluster: ClusterApi, logger: Logger, releases: HelmReleases) => new InstanceObjects(cluster, logger, releases),
      [T.ClusterApi, T.Logger, T.HelmReleases],
    )
    .inSingletonScope();
  bind<BindingCredentials>(T.BindingCredentials)
    .toResolvedValue(
      (secrets: SecretSource, logger: Logger, vault: Vault | undefined) => new BindingCredentials(secrets, logger, vault),
      [T.SecretSource, T.Logger, { serviceIdentifier: T.Vault, optional: true }],
    )
    .inSingletonScope();
  bind<TemplateFacts>(T.TemplateFacts)
    .toResolvedValue((generator: SecretGenerator) => new TemplateFacts(generator), [T.SecretGenerator])
    .inSingletonScope();
  bind<OperationJobs>(T.OperationJobs).toConstantValue(new OperationJobs());

  bind<InstanceReadiness>(T.InstanceReadiness)
    .toResolvedValue(
      (store: StateStore, cluster: ClusterApi, records: InstanceRecords, objects: InstanceObjects, logger: Logger, settings: BrokerSettings, runtime: Runtime,
        credentials: BindingCredentials) =>
        new InstanceReadiness(store, cluster, records, objects, logger, settings, runtime, credentials),
      [T.StateStore, T.ClusterApi, T.InstanceRecords, T.InstanceObjects, T.Logger, T.Settings, T.Runtime, T.BindingCredentials],
    )
    .inSingletonScope();
  bind<InstanceRemoval>(T.InstanceRemoval)
    .toResolvedValue(
      (store: StateStore, records: InstanceRecords, objects: InstanceObjects, logger: Logger, settings: BrokerSettings, credentials: BindingCredentials) =>
        new InstanceRemoval(store, records, objects, logger, settings, credentials),
      [T.StateStore, T.InstanceRecords, T.InstanceObjects, T.Logger, T.Settings, T.BindingCredentials],
    )
    .inSingletonScope();

  bind<BindingWork>(T.BindingWork)
    .toResolvedValue(
      (store: StateStore, cluster: ClusterApi, objects: InstanceObjects, records: InstanceRecords, credentials: BindingCredentials, catalog: CatalogService,
        facts: TemplateFacts, logger: Logger, settings: BrokerSettings, runtime: Runtime) =>
        new BindingWork(store, cluster, objects, records, credentials, catalog, facts, logger, settings, runtime),
      [T.StateStore, T.ClusterApi, T.InstanceObjects, T.InstanceRecords, T.BindingCredentials, T.CatalogService, T.TemplateFacts, T.Logger, T.Settings, T.Runtime],
    )
    .inSingletonScope();

  bind<InstanceUpdate>(T.InstanceUpdate)
    .toResolvedValue(
      (store: StateStore, cluster: ClusterApi, records: InstanceRecords, catalog: CatalogService, facts: TemplateFacts, logger: Logger, settings: BrokerSettings,
        runtime: Runtime, objects: InstanceObjects) => new InstanceUpdate(store, cluster, records, catalog, facts, logger, settings, runtime, objects.release),
      [T.StateStore, T.ClusterApi, T.InstanceRecords, T.CatalogService, T.TemplateFacts, T.Logger, T.Settings, T.Runtime, T.InstanceObjects],
    )
    .inSingletonScope();

  bind<Broker>(T.Broker)
    .toResolvedValue(
      (catalog: CatalogService, store: StateStore, records: InstanceRecords, objects: InstanceObjects, readiness: InstanceReadiness, removal: InstanceRemoval,
        jobs: OperationJobs, credentials: BindingCredentials, logger: Logger, settings: BrokerSettings, runtime: Runtime, facts: TemplateFacts,
        updates: InstanceUpdate, work: BindingWork): Broker => ({
        catalog,
        provision: new Provision(catalog, store, records, objects, jobs, logger, settings, runtime, facts),
        deprovision: new Deprovision(store, records, objects, removal, jobs, logger, settings, runtime),
        updateInstance: new UpdateInstance(records, catalog, updates, store, jobs, logger, settings, runtime),
        fetchInstance: new FetchInstance(records),
        lastOperation: new LastOperation(records, readiness, removal, updates),
        bind: new Bind(catalog, store, records, credentials, settings, runtime, objects, facts, work, jobs, logger),
        unbind: new Unbind(store, settings, runtime, work),
        lastBindingOperation: new LastBindingOperation(store, work),
        fetchBinding: new FetchBinding(catalog, store, records, credentials),
        inventory: new Inventory(store, catalog),
      }),
      [T.CatalogService, T.StateStore, T.InstanceRecords, T.InstanceObjects, T.InstanceReadiness, T.InstanceRemoval,
        T.OperationJobs, T.BindingCredentials, T.Logger, T.Settings, T.Runtime, T.TemplateFacts, T.InstanceUpdate, T.BindingWork],
    )
    .inSingletonScope();
  bind<BindingReconciler>(T.BindingReconciler)
    .toResolvedValue(
      (store: StateStore, work: BindingWork, logger: Logger, settings: BrokerSettings, runtime: Runtime, catalog: CatalogService) =>
        new BindingReconciler(store, work, logger, settings, runtime, (instance) => {
          // An instance whose entry is gone may still hold bindings with objects: look.
          const entry = catalog.findPlan(instance.serviceId, instance.planId);
          return entry === undefined || hasBindingObjects(entry) || hasBindingLease(entry) || entry.bindingLifetime !== undefined;
        }),
      [T.StateStore, T.BindingWork, T.Logger, T.Settings, T.Runtime, T.CatalogService],
    )
    .inSingletonScope();
  bind<OperationReconciler>(T.Reconciler)
    .toResolvedValue(
      (store: StateStore, records: InstanceRecords, objects: InstanceObjects, readiness: InstanceReadiness, removal: InstanceRemoval,
        catalog: CatalogService, logger: Logger, settings: BrokerSettings, facts: TemplateFacts, updates: InstanceUpdate) =>
        new OperationReconciler(store, records, objects, readiness, removal, catalog, logger, settings, facts, updates),
      [T.StateStore, T.InstanceRecords, T.InstanceObjects, T.InstanceReadiness, T.InstanceRemoval, T.CatalogService, T.Logger, T.Settings, T.TemplateFacts,
        T.InstanceUpdate],
    )
    .inSingletonScope();
});
