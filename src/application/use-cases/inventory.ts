/** Inventory: who uses what, for the providing team. Never includes credentials. */
import type { Result } from '../../domain/result.js';
import { ok } from '../../domain/result.js';
import type { StateStore } from '../ports/state-store.js';

export interface InstanceSummary {
  readonly instanceId: string;
  readonly serviceId: string;
  readonly planId: string;
  readonly entry: string;
  readonly consumerNamespace: string;
  readonly status: string;
  readonly requestedBy?: string;
  readonly createdAt: string;
  readonly objects: number;
  readonly bindings: readonly { readonly bindingId: string; readonly createdAt: string; readonly requestedBy?: string }[];
}

const username = (identity: { value: Readonly<Record<string, unknown>> } | undefined): { requestedBy?: string } => {
  const name = identity?.value['username'] ?? identity?.value['user_id'];
  return typeof name === 'string' ? { requestedBy: name } : {};
};

export class Inventory {
  constructor(private readonly store: StateStore) {}

  async execute(): Promise<Result<InstanceSummary[]>> {
    const instances = await this.store.listInstances();
    if (!instances.ok) return instances;
    const summaries: InstanceSummary[] = [];
    for (const record of instances.value.filter((r) => r.status !== 'gone')) {
      const bindings = await this.store.listBindings(record.id);
      if (!bindings.ok) return bindings;
      summaries.push({
        instanceId: record.id, serviceId: record.serviceId, planId: record.planId, entry: record.entrySource,
        consumerNamespace: record.consumerNamespace, status: record.status, ...username(record.originatingIdentity),
        createdAt: record.createdAt, objects: record.objects.length,
        bindings: bindings.value.map((b) => ({ bindingId: b.id, createdAt: b.createdAt, ...username(b.originatingIdentity) })),
      });
    }
    return ok(summaries.sort((a, b) => a.createdAt.localeCompare(b.createdAt)));
  }
}
