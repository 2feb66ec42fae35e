/**
 * Moving a live instance to another plan or maintenance level, in three
 * steps that each survive a crash because the record says where it is:
 *
 *   apply   the target plan rendered for the instance, object by object, by
 *           server-side apply (changed objects change in place, keeping
 *           their uids; new ones are created), never onto an object that
 *           is not the instance's own; the previous plan's objects stay, so
 *           what served before keeps serving.
 *   settle  at a last_operation poll or a reconciler pass: once the
 *           target's objects are ready, delete (by uid) those of the
 *           previous plan the target does not use, and re-pin coordinates.
 *   restore on any failure (an apply refused, a rollout its controller
 *           reports failed, or not ready within the readiness timeout, an
 *           object deleted meanwhile): apply the previous plan's rendering
 *           again and delete (by uid) what only the target had. The
 *           previous rendering is rendered again from the previous entry,
 *           which must still be in the catalog at the maintenance level the
 *           instance had; when it is not (the provider changed or removed
 *           it) the changed objects cannot be put back and the failure says
 *           so.
 *
 * An instance of a Helm entry takes the same steps with its release: apply
 * is `helm upgrade` (in place: same release, never renamed or moved),
 * settle judges the upgraded objects alike, and restore is a rollback to
 * the revision that served before (helm removes what only the target had),
 * which needs no previous entry at all.
 *
 * Every step runs under the instance's lock, held by its caller.
 */
import type { CatalogEntry } from '../domain/catalog-entry.js';
import { domainError } from '../domain/errors.js';
import type { ReleaseSpec } from '../domain/helm-release.js';
import { planInstance, type RenderedInstance } from '../domain/instance-plan.js';
import { describeRef, ownedRefOf, refOf, sameRef, type KubeObject, type ObjectRef } from '../domain/kube-object.js';
import { maintenanceVersionOf } from '../domain/maintenance.js';
import { readinessOf, takesTime } from '../domain/readiness.js';
import type { InstanceRecord, PinnedBinding } from '../domain/records.js';
import { ownedBy } from '../domain/resource-plan.js';
import { err, ok, type Result } from '../domain/result.js';
import type { CatalogService } from './catalog-service.js';
import { ifStillUnlocked } from './instance-lock.js';
import { InstanceRelease } from './instance-release.js';
import type { InstanceRecords } from './instance-records.js';
import type { ClusterApi } from './ports/cluster-api.js';
import type { Logger } from './ports/logger.js';
import type { StateStore } from './ports/state-store.js';
import type { BrokerSettings, Runtime } from './settings.js';
import type { TemplateFacts } from './template-facts.js';

const without = (refs: readonly ObjectRef[], others: readonly ObjectRef[]): ObjectRef[] =>
  refs.filter((ref) => !others.some((other) => sameRef(other, ref)));

export class InstanceUpdate {
  constructor(
    private readonly store: StateStore,
    private readonly cluster: ClusterApi,
    private readonly records: InstanceRecords,
    private readonly catalog: CatalogService,
    private readonly templateFacts: TemplateFacts,
    private readonly logger: Logger,
    private readonly settings: BrokerSettings,
    private readonly runtime: Runtime,
    /** The helm side of the instance's objects (InstanceObjects.release); the default has no helm. */
    private readonly release: InstanceRelease = new InstanceRelease(undefined, cluster, logger),
  ) {}

  /**
   * Renders `entry` for the instance with `parameters`: the same render a
   * provision makes. An instance stays what it is: a release is upgraded in
   * place, never renamed, moved or turned into objects (Unsupported).
   */
  async render(entry: CatalogEntry, record: InstanceRecord, parameters: Readonly<Record<string, unknown>>): Promise<Result<RenderedInstance>> {
    const templates = this.catalog.catalog().templates;
    const facts = await this.templateFacts.of(entry, templates, { ...record, parameters });
    if (!facts.ok) return facts;
    const rendered = planInstance(entry, templates, facts.value);
    if (!rendered.ok) return rendered;
    const { plan } = rendered.value;
    const { release } = record;
    if (plan.kind === 'objects' && release !== undefined) {
      return err(domainError('Unsupported', `this instance is a Helm release and plan ${entry.planId} is not a Helm chart: deprovision and provision again`));
    }
    if (plan.kind === 'release' && (release?.namespace !== plan.spec.namespace || release.name !== plan.spec.name)) {
      return err(domainError('Unsupported', `plan ${entry.planId} would install release ${plan.spec.namespace}/${plan.spec.name}, not this instance's${release ? ` (${release.namespace}/${release.name})` : ''}: deprovision and provision again`));
    }
    return rendered;
  }

  /** Whatever step an `updating` record is at, takes it as far as it goes now (the caller holds the lock). */
  async continueLocked(record: InstanceRecord, stillHeld: () => boolean = () => true): Promise<Result<void>> {
    if (record.status !== 'updating' || record.update === undefined) return ok(undefined);
    if (record.update.applied === undefined) {
      const applied = await this.applyTarget(record, stillHeld);
      if (!applied.ok || !stillHeld()) return applied;
      const again = await this.records.read(record.id);
      if (!again.ok || again.value?.operation.id !== record.operation.id) return again.ok ? ok(undefined) : again;
      // A failed apply has restored the previous plan and recorded it: nothing is left to settle.
      return again.value.status === 'updating' ? this.settleLocked(again.value) : ok(undefined);
    }
    return this.settleLocked(record);
  }

  /** For a poll: settles the update if nobody holds the lock (whoever does is doing the work). */
  async settle(record: InstanceRecord): Promise<Result<void>> {
    return ifStillUnlocked(this.store, this.settings, this.records.read, record, (current) => this.continueLocked(current));
  }

  private async applyTarget(record: InstanceRecord, stillHeld: () => boolean): Promise<Result<void>> {
    const { target } = record.update!;
    const entry = this.catalog.findPlan(record.serviceId, target.planId);
    if (!entry || maintenanceVersionOf(entry, this.catalog.catalog().templates) !== target.maintenanceVersion) {
      return this.restore(record, [], 'the target plan changed in the catalog before it could be applied; update again');
    }
    const rendered = await this.render(entry, record, target.parameters);
    if (!rendered.ok) return this.restore(record, [], rendered.error.message);
    const { plan, pinned } = rendered.value;
    if (plan.kind === 'release') return this.upgradeRelease(record, plan.spec, pinned);
    const applied: ObjectRef[] = [];
    for (const object of plan.objects) {
      if (!stillHeld()) return ok(undefined);
      const written = await this.writeOwn(record.id, object, record.update!.previous.objects);
      if (!written.ok) return this.restore(record, applied, `${describeRef(refOf(object))}: ${written.error.message}`);
      applied.push(ownedRefOf(written.value));
    }
    this.logger.info('update applied', { instanceId: record.id, objects: applied.length });
    const recorded = await this.records.apply(record.id, record.operation.id, { type: 'updateApplied', applied, pinned });
    return recorded.ok ? ok(undefined) : recorded;
  }

  /** `helm upgrade` (a failed one the adapter rolls back itself), then the release's objects are recorded like applied ones. */
  private async upgradeRelease(record: InstanceRecord, spec: ReleaseSpec, pinned: PinnedBinding): Promise<Result<void>> {
    const upgraded = await this.release.upgrade(spec);
    if (!upgraded.ok) return this.restore(record, [], upgraded.error.message);
    const { objects, release } = upgraded.value;
    this.logger.info('release upgraded', { instanceId: record.id, release: release.name, revision: release.revision });
    const recorded = await this.records.apply(record.id, record.operation.id, { type: 'updateApplied', applied: objects, pinned, release });
    return recorded.ok ? ok(undefined) : recorded;
  }

  /** Once the target's objects are ready: drop what only the previous plan had, and record the update. */
  private async settleLocked(record: InstanceRecord): Promise<Result<void>> {
    const intent = record.update!;
    const applied = intent.applied ?? [];
    const pending: string[] = [];
    for (const ref of applied.filter((r) => takesTime(r))) {
      const found = await this.cluster.get(ref);
      if (!found.ok) return found;
      if (!found.value || found.value.metadata['uid'] !== ref.uid) return this.restore(record, applied, `${describeRef(ref)} was deleted while updating`);
      const readiness = readinessOf(found.value);
      // The controller gave up (a rollout past its progress deadline): no point waiting out the timeout.
      if (readiness.state === 'failed') return this.restore(record, applied, `${describeRef(ref)}: ${readiness.reason}`);
      if (readiness.state === 'inProgress') pending.push(describeRef(ref));
    }
    if (pending.length > 0) {
      const age = this.runtime.now().getTime() - Date.parse(record.operation.startedAt);
      if (age <= this.settings.readinessTimeoutMs) return ok(undefined);
      return this.restore(record, applied, `not ready within ${this.settings.readinessTimeoutMs / 1000}s: ${pending.join(', ')}`);
    }
    for (const ref of [...without(intent.previous.objects, applied)].reverse()) {
      const deleted = await this.cluster.delete(ref);
      if (!deleted.ok) return deleted;
    }
    const done = await this.records.apply(record.id, record.operation.id, { type: 'updated' });
    if (done.ok) this.logger.info('update succeeded', { instanceId: record.id, planId: intent.target.planId });
    return done.ok ? ok(undefined) : done;
  }

  /**
   * Puts the previous plan back: its rendering applied again, what only the
   * target had deleted by uid. Records the failure; the instance stays
   * usable on its previous plan.
   */
  private async restore(record: InstanceRecord, applied: readonly ObjectRef[], reason: string): Promise<Result<void>> {
    const { previous } = record.update!;
    this.logger.warn('update failed, restoring the previous plan', { instanceId: record.id, reason });
    if (record.release !== undefined) return this.restoreRelease(record, applied, reason);
    const reapplied = await this.reapplyPrevious(record);
    const targetOnly = without(applied, previous.objects);
    const left: ObjectRef[] = [];
    for (const ref of [...targetOnly].reverse()) {
      const deleted = await this.cluster.delete(ref);
      if (!deleted.ok) left.unshift(ref);
    }
    const objects = [...(reapplied.ok ? reapplied.value : previous.objects), ...left];
    const note = reapplied.ok ? 'the previous plan was restored' : `the previous plan could not be restored: ${reapplied.error.message}`;
    const leftover = left.length > 0 ? `; still to remove: ${left.map(describeRef).join(', ')}` : '';
    const failed = await this.records.apply(record.id, record.operation.id, { type: 'updateFailed', reason: `update failed: ${reason}; ${note}${leftover}`, objects });
    if (!failed.ok) return failed;
    return left.length > 0 ? err(domainError('Unavailable', `could not remove ${left.map(describeRef).join(', ')}`)) : ok(undefined);
  }

  /**
   * A release goes back to the revision that served before the update
   * (a rollback, when the upgrade went through; a failed upgrade the adapter
   * has rolled back already). Helm removes what only the target had.
   */
  private async restoreRelease(record: InstanceRecord, applied: readonly ObjectRef[], reason: string): Promise<Result<void>> {
    const intent = record.update!;
    const release = record.release!;
    const restored = intent.release !== undefined ? await this.release.rollback(release) : await this.release.current(release);
    const objects = restored.ok ? restored.value.objects : [...intent.previous.objects, ...without(applied, intent.previous.objects)];
    const note = restored.ok
      ? `revision ${release.revision ?? '(unknown)'} of release ${release.name} serves again`
      : `release ${release.name} could not be rolled back: ${restored.error.message}`;
    const failed = await this.records.apply(record.id, record.operation.id, { type: 'updateFailed', reason: `update failed: ${reason}; ${note}`, objects });
    if (!failed.ok) return failed;
    return restored.ok ? ok(undefined) : restored;
  }

  /** The previous plan's objects applied again, as refs with uids; an error says why that was impossible. */
  private async reapplyPrevious(record: InstanceRecord): Promise<Result<ObjectRef[]>> {
    const { previous } = record.update!;
    if (previous.objects.length === 0) return ok([]);
    const entry = this.catalog.findPlan(record.serviceId, previous.planId);
    const sameLevel = entry !== undefined &&
      (previous.maintenanceVersion === undefined || maintenanceVersionOf(entry, this.catalog.catalog().templates) === previous.maintenanceVersion);
    if (!entry || !sameLevel) {
      return err(domainError('ConfigInvalid', `plan ${previous.planId} at maintenance ${previous.maintenanceVersion ?? '(unknown)'} is no longer in the catalog; the objects changed by the update were left as they are`));
    }
    const rendered = await this.render(entry, record, previous.parameters);
    if (!rendered.ok) return rendered;
    const { plan } = rendered.value;
    const refs: ObjectRef[] = [];
    for (const object of plan.kind === 'objects' ? plan.objects : []) {
      const written = await this.writeOwn(record.id, object, previous.objects);
      if (!written.ok) return written;
      refs.push(ownedRefOf(written.value));
    }
    return ok(refs);
  }

  /**
   * Writes one object of a plan onto nothing but the instance's own: a
   * forced apply takes over whatever is under the name, and what the update
   * then records as its own, a restore or deprovision deletes. An object
   * there is applied only when it is the one recorded (its uid) or, new to
   * the plan, labelled as this instance's (a resumed update made it); an
   * absent one is created, the apiserver's AlreadyExists being the atomic
   * check against someone taking the name meanwhile.
   */
  private async writeOwn(instanceId: string, object: KubeObject, recorded: readonly ObjectRef[]): Promise<Result<KubeObject>> {
    const ref = refOf(object);
    const found = await this.cluster.get(ref);
    if (!found.ok) return found;
    if (found.value === undefined) return this.cluster.create(object);
    const uid = recorded.find((r) => sameRef(r, ref))?.uid;
    const ours = uid !== undefined ? found.value.metadata['uid'] === uid : ownedBy(found.value, instanceId);
    if (!ours) return err(domainError('ObjectsExist', 'it already exists and does not belong to this instance'));
    return this.cluster.apply(object);
  }
}
