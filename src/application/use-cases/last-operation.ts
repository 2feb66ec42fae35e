/**
 * Last operation: the state of the instance's current operation. An
 * operation whose process died stays "in progress" in the store; past its
 * deadline it is reported failed so platforms stop polling.
 */
import { domainError } from '../../domain/errors.js';
import type { OperationState } from '../../domain/records.js';
import { err, ok, type Result } from '../../domain/result.js';
import type { InstanceReadiness } from '../instance-readiness.js';
import type { InstanceRecords } from '../instance-records.js';
import type { Caller } from '../requests.js';
import type { BrokerSettings, Runtime } from '../settings.js';

export interface OperationStatus {
  readonly state: OperationState;
  readonly description?: string;
}

/** Grace on top of the readiness timeout before an unfinished operation counts as abandoned. */
const ABANDON_GRACE_MS = 2 * 60_000;

export class LastOperation {
  constructor(
    private readonly records: InstanceRecords,
    private readonly readiness: InstanceReadiness,
    private readonly settings: BrokerSettings,
    private readonly runtime: Runtime,
  ) {}

  async execute(request: { instanceId: string; caller: Caller }): Promise<Result<OperationStatus>> {
    const first = await this.records.get(request.instanceId);
    if (!first.ok) return first;
    if (first.value?.record.status === 'starting') {
      const settled = await this.readiness.settle(first.value.record);
      if (!settled.ok) return settled;
    }
    const stored = first.value?.record.status === 'starting' ? await this.records.get(request.instanceId) : first;
    if (!stored.ok) return stored;
    const record = stored.value?.record;
    const view = request.caller.viewNamespace;
    if (!record || (view !== undefined && record.consumerNamespace !== view)) {
      return err(domainError('NotFound', `instance ${request.instanceId} does not exist`));
    }
    if (record.status === 'gone') return err(domainError('Gone', `instance ${record.id} has been deprovisioned`));
    const operation = record.operation;
    const age = this.runtime.now().getTime() - Date.parse(operation.startedAt);
    if (operation.state === 'in progress' && age > this.settings.readinessTimeoutMs + ABANDON_GRACE_MS) {
      return ok({ state: 'failed', description: `${operation.type} did not finish: the broker running it stopped` });
    }
    return ok({ state: operation.state, ...(operation.description !== undefined ? { description: operation.description } : {}) });
  }
}
