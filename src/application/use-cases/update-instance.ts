/**
 * Update (PATCH): move an instance to another plan of its offering, to its
 * plan's current maintenance level, or to new parameters. Everything is
 * checked before anything is written (updatable? same service?
 * whitelisted? renders?); then the intent is recorded (`updating`, naming
 * both plans) and InstanceUpdate does the work, in the background when the
 * platform accepts incomplete operations. A request that changes nothing
 * succeeds at once.
 */
import { domainError } from '../../domain/errors.js';
import { checkEntryParameters } from '../../domain/helm-plan.js';
import { applyEvent } from '../../domain/instance-lifecycle.js';
import { whyAsync } from '../../domain/instance-plan.js';
import { maintenanceVersionOf, mayMove } from '../../domain/maintenance.js';
import { deepEqual, type InstanceRecord, type UpdateIntent } from '../../domain/records.js';
import { err, ok, type Result } from '../../domain/result.js';
import type { CatalogService } from '../catalog-service.js';
import { withInstanceLock, type HeldLock } from '../instance-lock.js';
import type { InstanceRecords } from '../instance-records.js';
import type { InstanceUpdate } from '../instance-update.js';
import type { OperationJobs } from '../operation-jobs.js';
import type { Logger } from '../ports/logger.js';
import type { StateStore } from '../ports/state-store.js';
import { checkWhitelisted, visibleInView, type Caller } from '../requests.js';
import type { BrokerSettings, Runtime } from '../settings.js';

export interface UpdateRequest {
  readonly instanceId: string;
  readonly serviceId: string;
  readonly planId: string | undefined;
  readonly parameters: Readonly<Record<string, unknown>> | undefined;
  /** maintenance_info.version asked for; absent: the request names none. */
  readonly maintenanceVersion?: string | undefined;
  readonly acceptsIncomplete?: boolean;
  readonly caller: Caller;
}

export type UpdateAnswer =
  | { readonly outcome: 'unchanged' }
  | { readonly outcome: 'updated' }
  | { readonly outcome: 'accepted'; readonly operation: string };

type Intent = Omit<UpdateIntent, 'applied' | 'pinned'>;

export class UpdateInstance {
  constructor(
    private readonly records: InstanceRecords,
    private readonly catalog: CatalogService,
    private readonly update: InstanceUpdate,
    private readonly store: StateStore,
    private readonly jobs: OperationJobs,
    private readonly logger: Logger,
    private readonly settings: BrokerSettings,
    private readonly runtime: Runtime,
  ) {}

  async execute(request: UpdateRequest): Promise<Result<UpdateAnswer>> {
    const found = await this.records.visible(request.instanceId, request.caller);
    if (!found.ok) return found;
    const record = found.value;
    if (record.serviceId !== request.serviceId) return err(domainError('InvalidRequest', `service_id does not match instance ${record.id}`));
    const intent = this.intentOf(record, request);
    if (!intent.ok || intent.value === undefined) return intent.ok ? ok({ outcome: 'unchanged' }) : intent;
    if (record.status === 'updating') {
      const same = record.update !== undefined && deepEqual(record.update.target, intent.value.target);
      return same && request.acceptsIncomplete === true
        ? ok({ outcome: 'accepted', operation: record.operation.id })
        : err(domainError('ConcurrencyError', `instance ${record.id} is being updated`));
    }
    if (record.status !== 'ready') return err(domainError('ConcurrencyError', `instance ${record.id} is ${record.status}: it can be updated once it is ready`));
    const target = this.catalog.findPlan(record.serviceId, intent.value.target.planId)!;
    // Rendered now so that a template the instance cannot be rendered with is refused before anything is written.
    const rendered = await this.update.render(target, record, intent.value.target.parameters);
    if (!rendered.ok) return rendered;
    const slow = whyAsync(rendered.value.plan);
    if (slow !== undefined && request.acceptsIncomplete !== true) return err(domainError('AsyncRequired', `${slow}: send accepts_incomplete=true`));
    return withInstanceLock(this.store, this.settings, this.runtime, record.id, (lock, keep) => this.updateLocked(record, intent.value!, request, lock, keep));
  }

  /** What the request asks to change, checked against the catalog; undefined when it changes nothing. */
  private intentOf(record: InstanceRecord, request: UpdateRequest): Result<Intent | undefined> {
    const catalog = this.catalog;
    const planChange = request.planId !== undefined && request.planId !== record.planId;
    const parameters = request.parameters !== undefined && Object.keys(request.parameters).length > 0 ? request.parameters : record.parameters;
    const parameterChange = !deepEqual(parameters, record.parameters);
    const current = catalog.findPlan(record.serviceId, record.planId);
    const target = planChange ? catalog.findPlan(record.serviceId, request.planId!) : current;
    if (planChange && (!target || !visibleInView(target, request.caller))) {
      return err(domainError('UnknownPlan', `service ${record.serviceId} has no plan ${request.planId} in this catalog`));
    }
    if (!target) return err(domainError('Unsupported', `plan ${record.planId} is no longer in the catalog: choose another plan`));
    if (planChange && (!current || !mayMove(current, target))) {
      return err(domainError('Unsupported', `plan ${record.planId} cannot be updated to ${target.planId}: neither entry lists the other as updatable`));
    }
    const allowed = checkWhitelisted(target, record.consumerNamespace);
    if (!allowed.ok) return allowed;
    if (parameterChange && target.parametersUpdatable !== true) {
      return err(domainError('Unsupported', 'this plan does not allow parameter changes: deprovision and provision again'));
    }
    if (parameterChange || planChange) {
      const accepted = checkEntryParameters(target, parameters);
      if (!accepted.ok) return accepted;
    }
    const level = maintenanceVersionOf(target, catalog.catalog().templates);
    if (request.maintenanceVersion !== undefined && request.maintenanceVersion !== level) {
      return err(domainError('MaintenanceInfoConflict', `maintenance_info.version "${request.maintenanceVersion}" is not the plan's ("${level}")`));
    }
    // Without maintenance_info a platform asks for no maintenance: only an explicit request moves the level (or a plan change).
    const maintenanceChange = request.maintenanceVersion !== undefined && request.maintenanceVersion !== record.maintenanceVersion;
    if (!planChange && !parameterChange && !maintenanceChange) return ok(undefined);
    return ok({
      target: { planId: target.planId, entrySource: target.source, maintenanceVersion: level, parameters },
      previous: {
        planId: record.planId, entrySource: record.entrySource, parameters: record.parameters, objects: record.objects,
        ...(record.maintenanceVersion !== undefined ? { maintenanceVersion: record.maintenanceVersion } : {}),
        ...(record.pinned !== undefined ? { pinned: record.pinned } : {}),
      },
    });
  }

  private async updateLocked(seen: InstanceRecord, intent: Intent, request: UpdateRequest, lock: HeldLock, keepLock: () => void): Promise<Result<UpdateAnswer>> {
    const { update, store, jobs, logger } = this;
    const stored = await this.records.get(seen.id);
    if (!stored.ok) return stored;
    if (!stored.value || stored.value.record.status !== 'ready' || stored.value.record.operation.id !== seen.operation.id) {
      return err(domainError('ConcurrencyError', `another operation on instance ${seen.id} has started`));
    }
    const started = applyEvent(stored.value.record, { type: 'updateStarted', operation: this.records.newOperation('update', request.caller.originatingIdentity), intent }, this.runtime.now().toISOString())!;
    const written = await store.updateInstance(started, stored.value.revision);
    if (!written.ok) return written;
    logger.info('updating instance', { instanceId: seen.id, from: intent.previous.planId, to: intent.target.planId, maintenance: intent.target.maintenanceVersion });
    if (request.acceptsIncomplete === true) {
      keepLock();
      jobs.start(seen.id, async (signal) => {
        try {
          await update.continueLocked(started, () => !signal.aborted && lock.held);
        } finally {
          await lock.release();
        }
      }, (crash) => logger.error('update job crashed', { instanceId: seen.id, error: String(crash) }));
      return ok({ outcome: 'accepted', operation: started.operation.id });
    }
    const done = await update.continueLocked(started, () => lock.held);
    if (!done.ok) return done;
    const after = await this.records.read(seen.id);
    if (!after.ok) return after;
    const operation = after.value?.operation;
    if (operation?.state === 'succeeded') return ok({ outcome: 'updated' });
    return err(domainError('Infrastructure', operation?.description ?? 'the update did not finish'));
  }
}
