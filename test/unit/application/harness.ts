/** Wires the use cases to the fakes the way src/main wires them to real adapters. */
import type { CatalogEntry } from '../../../src/domain/catalog-entry.js';
import type { ResourceTemplate } from '../../../src/domain/resource-template.js';
import type { Result } from '../../../src/domain/result.js';
import { BindingCredentials } from '../../../src/application/binding-credentials.js';
import { CatalogService } from '../../../src/application/catalog-service.js';
import { InstanceObjects } from '../../../src/application/instance-objects.js';
import { InstanceReadiness } from '../../../src/application/instance-readiness.js';
import { InstanceRecords } from '../../../src/application/instance-records.js';
import { InstanceRemoval } from '../../../src/application/instance-removal.js';
import { InstanceUpdate } from '../../../src/application/instance-update.js';
import { OperationJobs } from '../../../src/application/operation-jobs.js';
import { OperationReconciler } from '../../../src/application/operation-reconciler.js';
import { BindingReconciler } from '../../../src/application/binding-reconciler.js';
import { BindingWork } from '../../../src/application/binding-work.js';
import type { BindRequest, Caller, ProvisionRequest } from '../../../src/application/requests.js';
import type { BrokerSettings } from '../../../src/application/settings.js';
import { TemplateFacts } from '../../../src/application/template-facts.js';
import { Bind, type BindAnswer } from '../../../src/application/use-cases/bind.js';
import { Deprovision } from '../../../src/application/use-cases/deprovision.js';
import { FetchBinding } from '../../../src/application/use-cases/fetch-binding.js';
import { FetchInstance } from '../../../src/application/use-cases/fetch-instance.js';
import { Inventory } from '../../../src/application/use-cases/inventory.js';
import { LastBindingOperation } from '../../../src/application/use-cases/last-binding-operation.js';
import { LastOperation } from '../../../src/application/use-cases/last-operation.js';
import { Provision } from '../../../src/application/use-cases/provision.js';
import { Unbind } from '../../../src/application/use-cases/unbind.js';
import { UpdateInstance } from '../../../src/application/use-cases/update-instance.js';
import { CLIENT_NS, DEDICATED_PLAN_ID, apiTemplates, dedicatedEntry, urlEntry } from '../builders.js';
import { MemoryVault } from '../../../src/adapters/memory/memory-vault.js';
import { FakeHelmReleases } from './fake-helm.js';
import { FakeCluster, FakeConfig, FakeGenerator, FakeRuntime, FakeSecrets, FakeStore, RecordingLogger, RecordingReporter, TEST_GENERATION_KEY } from './fakes.js';

export const SETTINGS: BrokerSettings = {
  readinessTimeoutMs: 5_000,
  readinessPollMs: 1_000,
  lockWaitMs: 1_000,
  lockTtlMs: 60_000,
  reconcileIntervalMs: 10_000,
  tombstoneMs: 60 * 60_000,
};

export interface Setup {
  readonly entries?: CatalogEntry[];
  readonly templates?: ResourceTemplate[];
  readonly secrets?: Record<string, Record<string, string>>;
  /** The generation key; absent: a fixed test key. */
  readonly generationKey?: Buffer | 'missing';
  /** 'none': an installation without Vault; absent: an empty MemoryVault on the test clock. */
  readonly vault?: MemoryVault | 'none';
}

export function makeBroker(setup: Setup = {}) {
  const config = new FakeConfig({ entries: setup.entries ?? [urlEntry(), dedicatedEntry()], templates: setup.templates ?? apiTemplates(), problems: [] });
  const cluster = new FakeCluster();
  const store = new FakeStore();
  const secrets = new FakeSecrets(new Map(Object.entries(setup.secrets ?? {})));
  const logger = new RecordingLogger();
  const runtime = new FakeRuntime();
  const reporter = new RecordingReporter();
  const catalog = new CatalogService(config, logger, reporter);
  const records = new InstanceRecords(store, SETTINGS, runtime);
  const helm = new FakeHelmReleases(cluster, secrets);
  const objects = new InstanceObjects(cluster, logger, helm);
  const jobs = new OperationJobs();
  const vault = setup.vault ?? new MemoryVault(() => runtime.now().getTime());
  const credentials = new BindingCredentials(secrets, undefined, vault === 'none' ? undefined : vault);
  const generator = new FakeGenerator(setup.generationKey ?? TEST_GENERATION_KEY);
  const facts = new TemplateFacts(generator);
  const readiness = new InstanceReadiness(store, cluster, records, objects, logger, SETTINGS, runtime, credentials);
  const removal = new InstanceRemoval(store, records, objects, logger, SETTINGS, credentials);
  const deprovision = new Deprovision(store, records, objects, removal, jobs, logger, SETTINGS, runtime);
  const updates = new InstanceUpdate(store, cluster, records, catalog, facts, logger, SETTINGS, runtime, objects.release);
  const bindingWork = new BindingWork(store, cluster, objects, records, credentials, catalog, facts, logger, SETTINGS, runtime);
  return {
    config, cluster, store, secrets, logger, reporter, runtime, catalog, records, jobs, generator, bindingWork, helm, vault,
    provision: new Provision(catalog, store, records, objects, jobs, logger, SETTINGS, runtime, facts),
    deprovision,
    reconciler: new OperationReconciler(store, records, objects, readiness, removal, catalog, logger, SETTINGS, facts, updates),
    updateInstance: new UpdateInstance(records, catalog, updates, store, jobs, logger, SETTINGS, runtime),
    fetchInstance: new FetchInstance(records),
    lastOperation: new LastOperation(records, readiness, removal, updates),
    bind: new Bind(catalog, store, records, credentials, SETTINGS, runtime, objects, facts, bindingWork, jobs, logger),
    unbind: new Unbind(store, SETTINGS, runtime, bindingWork),
    bindingReconciler: new BindingReconciler(store, bindingWork, logger, SETTINGS, runtime),
    lastBindingOperation: new LastBindingOperation(store, bindingWork),
    fetchBinding: new FetchBinding(catalog, store, records, credentials),
    inventory: new Inventory(store, catalog),
  };
}

export type Broker = ReturnType<typeof makeBroker>;

/** A bind answered at once (201 or 200), with its credentials: what a synchronous plan gives. */
export function bound(result: Result<BindAnswer>): Exclude<BindAnswer, { outcome: 'accepted' }> {
  if (!result.ok) throw new Error(`expected ok, got error ${JSON.stringify(result.error)}`);
  if (result.value.outcome === 'accepted') throw new Error('expected a synchronous bind, got 202 Accepted');
  return result.value;
}

const platform: Caller = {};

/** A provision of the dedicated plan for client-ns; override what the test is about. */
export function provisionRequest(overrides: Partial<ProvisionRequest> = {}): ProvisionRequest {
  const entry = dedicatedEntry();
  return {
    instanceId: 'instance-1',
    serviceId: entry.serviceId,
    planId: DEDICATED_PLAN_ID,
    context: { platform: 'kubernetes', namespace: CLIENT_NS, instance_name: 'my-api' },
    parameters: {},
    acceptsIncomplete: false,
    caller: platform,
    ...overrides,
  };
}

/** A provision of the shared URL plan, which creates no objects. */
export function urlProvisionRequest(overrides: Partial<ProvisionRequest> = {}): ProvisionRequest {
  const entry = urlEntry();
  return provisionRequest({ serviceId: entry.serviceId, planId: entry.planId, ...overrides });
}

export function bindRequest(overrides: Partial<BindRequest> = {}): BindRequest {
  const entry = urlEntry();
  return {
    instanceId: 'instance-1',
    bindingId: 'binding-1',
    serviceId: entry.serviceId,
    planId: entry.planId,
    context: { platform: 'kubernetes', namespace: CLIENT_NS },
    parameters: {},
    appGuid: undefined,
    caller: platform,
    ...overrides,
  };
}

/** Lets queued jobs and timers run a few turns. */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

export const pollLastOperation = (broker: Broker, instanceId = 'instance-1') => broker.lastOperation.execute({ instanceId, caller: {} });

/**
 * Provisions a plan whose objects take time the only way it can be: with
 * accepts_incomplete, running the background job and polling last_operation
 * until it reports success (the fake cluster's workloads are ready at once).
 */
export async function provisionedAsync(broker: Broker, overrides: Partial<ProvisionRequest> = {}): Promise<void> {
  const request = provisionRequest({ ...overrides, acceptsIncomplete: true });
  const accepted = await broker.provision.execute(request);
  if (!accepted.ok || accepted.value.outcome !== 'accepted') throw new Error(`expected an accepted provision, got ${JSON.stringify(accepted)}`);
  await broker.jobs.drain();
  const polled = await pollLastOperation(broker, request.instanceId);
  if (!polled.ok || polled.value.state !== 'succeeded') throw new Error(`expected a succeeded provision, got ${JSON.stringify(polled)}`);
}

/** Deprovisions with accepts_incomplete and runs the background job to its end. */
export async function deprovisionedAsync(broker: Broker, instanceId = 'instance-1'): Promise<void> {
  const accepted = await broker.deprovision.execute({ instanceId, acceptsIncomplete: true, caller: {} });
  if (!accepted.ok) throw new Error(`deprovision refused: ${accepted.error.message}`);
  await broker.jobs.drain();
}

/** Leaves instance-1 failed the way it happens for real: its Deployment never became ready in time. */
export async function failedByTimeout(broker: Broker): Promise<void> {
  broker.cluster.workloadsBecomeReady = false;
  const accepted = await broker.provision.execute(provisionRequest({ acceptsIncomplete: true }));
  if (!accepted.ok) throw new Error(`provision refused: ${accepted.error.message}`);
  await broker.jobs.drain();
  broker.runtime.advance(SETTINGS.readinessTimeoutMs + 1);
  const polled = await pollLastOperation(broker);
  if (!polled.ok || polled.value.state !== 'failed') throw new Error(`expected a failed provision, got ${JSON.stringify(polled)}`);
  broker.cluster.workloadsBecomeReady = true;
}
