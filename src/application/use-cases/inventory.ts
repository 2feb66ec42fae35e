/**
 * Inventory: who uses what, for the providing team, and at which version:
 * the maintenance level each instance is pinned to beside the level its plan
 * has now, so a provider sees which instances an edit has left behind.
 * Never includes credentials.
 */
import { planName } from '../../domain/catalog-entry.js';
import { maintenanceVersionOf } from '../../domain/maintenance.js';
import type { InstanceRecord, OperationState, OperationType } from '../../domain/records.js';
import type { Result } from '../../domain/result.js';
import { ok } from '../../domain/result.js';
import type { CatalogService } from '../catalog-service.js';
import type { StateStore } from '../ports/state-store.js';

export interface InstanceSummary {
  readonly instanceId: string;
  readonly serviceId: string;
  readonly planId: string;
  /** The plan's name and the entry's version, while the catalog still lists the plan. */
  readonly plan?: string;
  readonly version?: string;
  readonly entry: string;
  readonly consumerNamespace: string;
  readonly status: string;
  /** The maintenance level the instance's objects were rendered at; absent in records older than maintenance. */
  readonly maintenanceVersion?: string;
  /** The level its plan has now; absent when the plan has left the catalog. */
  readonly planMaintenanceVersion?: string;
  /** The plan's level differs from the instance's: a PATCH with the plan's maintenance_info would apply it. */
  readonly upgradeAvailable: boolean;
  readonly requestedBy?: string;
  readonly createdAt: string;
  /** When the record last changed (the last operation's start or end). */
  readonly updatedAt: string;
  readonly lastOperation: {
    readonly type: OperationType;
    readonly state: OperationState;
    readonly startedAt: string;
    readonly finishedAt?: string;
    /** Who asked for this operation (an update's requester may not be the one who provisioned). */
    readonly requestedBy?: string;
  };
  readonly objects: number;
  readonly bindings: readonly { readonly bindingId: string; readonly createdAt: string; readonly requestedBy?: string }[];
}

const username = (identity: { value: Readonly<Record<string, unknown>> } | undefined): { requestedBy?: string } => {
  const name = identity?.value['username'] ?? identity?.value['user_id'];
  return typeof name === 'string' ? { requestedBy: name } : {};
};

export class Inventory {
  constructor(
    private readonly store: StateStore,
    private readonly catalog: CatalogService,
  ) {}

  async execute(): Promise<Result<InstanceSummary[]>> {
    const instances = await this.store.listInstances();
    if (!instances.ok) return instances;
    const summaries: InstanceSummary[] = [];
    for (const record of instances.value.filter((r) => r.status !== 'gone')) {
      const bindings = await this.store.listBindings(record.id);
      if (!bindings.ok) return bindings;
      const { type, state, startedAt, finishedAt, requestedBy } = record.operation;
      summaries.push({
        instanceId: record.id, serviceId: record.serviceId, planId: record.planId, ...this.versions(record), entry: record.entrySource,
        consumerNamespace: record.consumerNamespace, status: record.status, ...username(record.originatingIdentity),
        createdAt: record.createdAt, updatedAt: record.updatedAt,
        lastOperation: { type, state, startedAt, ...(finishedAt !== undefined ? { finishedAt } : {}), ...username(requestedBy) },
        objects: record.objects.length,
        bindings: bindings.value.map((b) => ({ bindingId: b.id, createdAt: b.createdAt, ...username(b.originatingIdentity) })),
      });
    }
    return ok(summaries.sort((a, b) => a.createdAt.localeCompare(b.createdAt)));
  }

  /** The instance's level beside its plan's current one. */
  private versions(record: InstanceRecord): Pick<InstanceSummary, 'plan' | 'version' | 'maintenanceVersion' | 'planMaintenanceVersion' | 'upgradeAvailable'> {
    const pinned = record.maintenanceVersion !== undefined ? { maintenanceVersion: record.maintenanceVersion } : {};
    const entry = this.catalog.findPlan(record.serviceId, record.planId);
    if (entry === undefined) return { ...pinned, upgradeAvailable: false };
    const current = maintenanceVersionOf(entry, this.catalog.catalog().templates);
    return {
      plan: planName(entry), version: entry.version, ...pinned, planMaintenanceVersion: current,
      upgradeAvailable: current !== record.maintenanceVersion,
    };
  }
}
