/**
 * Drift between what the records say and what the cluster holds, as the
 * providing team's doctor sees it. Three kinds:
 *
 *   orphan  an object labelled as ours (managed-by=mesitis, one of this
 *           installation's offerings, in a namespace its entries target)
 *           whose instance label no live record carries;
 *   missing an instance `ready` or `starting` whose recorded object is not in
 *           the cluster (absent, or replaced: another uid under its name);
 *   stuck   a record that still owes work (pendingWork) whose lock nobody
 *           holds: no broker is finishing it;
 *   lease   a binding the platform let go (unbinding) whose Vault lease is
 *           still open: its revocation has not succeeded yet (only when the
 *           doctor is given the broker's Vault).
 *
 * Objects are listed before the records they are judged against: a record
 * is written before its objects are created, so an object seen in the
 * listing either has its record in the later record listing or has none.
 * The other order would call a provision's fresh objects orphans.
 *
 * The kinds listed in a namespace are those the templates of the entries
 * targeting it name (any namespaced kind, custom resources included): the
 * kinds this installation creates there, and the ones its Role lets it list.
 * Objects of a kind no template names any more are not found.
 *
 * Objects carry no installation label, so two installations whose entries
 * target one namespace are told apart by offering only: an object of an
 * offering this catalog does not have is another installation's and is left
 * out. Two installations with an offering of the same name in one target
 * namespace are not told apart (docs/operations.md).
 */
import { groupOf } from '../../domain/built-in-kinds.js';
import type { CatalogEntry } from '../../domain/catalog-entry.js';
import { pendingWork } from '../../domain/instance-lifecycle.js';
import { ownedRefOf, type KubeObject, type ObjectRef, type ObjectType } from '../../domain/kube-object.js';
import { parseLabelSelector } from '../../domain/label-selector.js';
import { normaliseTemplate, selectTemplates, type ResourceTemplate } from '../../domain/resource-template.js';
import type { InstanceRecord, InstanceStatus, OperationType } from '../../domain/records.js';
import { INSTANCE_LABEL, instanceLabelValue, MANAGED_BY_LABEL, OFFERING_LABEL } from '../../domain/resource-plan.js';
import { ok, type Result } from '../../domain/result.js';
import type { CatalogService } from '../catalog-service.js';
import type { ClusterApi } from '../ports/cluster-api.js';
import type { StateStore } from '../ports/state-store.js';
import type { Vault } from '../ports/vault.js';

export interface OrphanObject {
  /** With the uid listed, so a removal deletes that very object and nothing put under its name since. */
  readonly ref: ObjectRef;
  readonly instanceLabel?: string;
  readonly offering: string;
  /** Only an object with an instance label is removed by --fix; one without is a person's to judge. */
  readonly removable: boolean;
}

export interface MissingObjects {
  readonly instanceId: string;
  readonly status: InstanceStatus;
  readonly consumerNamespace: string;
  readonly missing: readonly ObjectRef[];
}

export interface StuckOperation {
  readonly instanceId: string;
  readonly status: InstanceStatus;
  readonly operation: OperationType;
  readonly work: NonNullable<ReturnType<typeof pendingWork>>;
  readonly startedAt: string;
}

/** A Vault lease still open for a binding being removed. */
export interface OpenLease {
  readonly instanceId: string;
  readonly bindingId: string;
  readonly leaseId: string;
  /** When Vault ends it on its own. */
  readonly expireTime: string;
}

export interface DriftReport {
  readonly orphans: readonly OrphanObject[];
  readonly missing: readonly MissingObjects[];
  readonly stuck: readonly StuckOperation[];
  readonly leases: readonly OpenLease[];
  readonly scanned: { readonly namespaces: readonly string[]; readonly records: number; readonly objects: number };
}

export const isClean = (report: DriftReport): boolean =>
  report.orphans.length === 0 && report.missing.length === 0 && report.stuck.length === 0 && report.leases.length === 0;

/** Held only for the instant it takes to learn that nobody else holds it. */
const PROBE_LOCK_TTL_MS = 5_000;
const MANAGED = `${MANAGED_BY_LABEL}=mesitis`;
/** One kind of one group, whatever version it is read at. */
const typeKeyOf = (type: ObjectType): string => `${type.kind}.${groupOf(type.apiVersion)}`;
const keyOf = (ref: ObjectRef): string => `${typeKeyOf(ref)}/${ref.namespace}/${ref.name}`;

/** Where this installation's dedicated entries create objects: which offerings', of which kinds. */
interface Target {
  readonly offerings: Set<string>;
  /** By kind and group; the apiVersion of the first template naming it. */
  readonly types: Map<string, ObjectType>;
}

/** Namespace -> the offerings and the kinds the templates of the entries targeting it name. */
function targets(entries: readonly CatalogEntry[], templates: readonly ResourceTemplate[]): Map<string, Target> {
  const byNamespace = new Map<string, Target>();
  for (const entry of entries) {
    if (entry.provisioner.kind !== 'NewClusterObjects') continue;
    const target = byNamespace.get(entry.provisioner.namespace) ?? { offerings: new Set<string>(), types: new Map<string, ObjectType>() };
    byNamespace.set(entry.provisioner.namespace, target);
    target.offerings.add(entry.offering);
    // A served entry's selector parses and its templates normalise (the catalog refused it otherwise).
    const selector = parseLabelSelector(entry.provisioner.labelSelector);
    if (!selector.ok) continue;
    for (const template of selectTemplates(templates, selector.value)) {
      const object = normaliseTemplate(template);
      if (!object.ok) continue;
      const type = { apiVersion: object.value.apiVersion, kind: object.value.kind };
      if (!target.types.has(typeKeyOf(type))) target.types.set(typeKeyOf(type), type);
    }
  }
  return byNamespace;
}

export class FindDrift {
  constructor(
    private readonly cluster: ClusterApi,
    private readonly store: StateStore,
    private readonly catalog: CatalogService,
    /** The broker's Vault, to look up the leases of bindings being removed; absent: not checked. */
    private readonly vault?: Vault,
  ) {}

  async execute(): Promise<Result<DriftReport>> {
    const catalog = this.catalog.catalog();
    const places = targets(catalog.offerings.flatMap((offering) => offering.plans), catalog.templates);
    const listed = await this.listOurs(places);
    if (!listed.ok) return listed;
    const records = await this.store.listInstances();
    if (!records.ok) return records;
    const missing = await this.findMissing(records.value, listed.value);
    if (!missing.ok) return missing;
    const stuck = await this.findStuck(records.value);
    if (!stuck.ok) return stuck;
    const leases = await this.findOpenLeases(records.value);
    if (!leases.ok) return leases;
    return ok({
      orphans: this.findOrphans(records.value, listed.value),
      missing: missing.value,
      stuck: stuck.value,
      leases: leases.value,
      scanned: { namespaces: [...places.keys()].sort(), records: records.value.length, objects: listed.value.length },
    });
  }

  /** Every object of ours in the target namespaces: labelled managed-by=mesitis, of one of our offerings there. */
  private async listOurs(places: Map<string, Target>): Promise<Result<KubeObject[]>> {
    const found: KubeObject[] = [];
    for (const [namespace, { offerings, types }] of places) {
      for (const type of [...types.keys()].sort().map((key) => types.get(key)!)) {
        const listed = await this.cluster.list(type, namespace, MANAGED);
        if (!listed.ok) return listed;
        found.push(...listed.value.filter((object) => offerings.has(object.metadata.labels?.[OFFERING_LABEL] ?? '')));
      }
    }
    return ok(found);
  }

  private findOrphans(records: readonly InstanceRecord[], objects: readonly KubeObject[]): OrphanObject[] {
    // A tombstone owns nothing: whatever still carries its label was left behind.
    const owned = new Set(records.filter((record) => record.status !== 'gone').map((record) => instanceLabelValue(record.id)));
    return objects.flatMap((object): OrphanObject[] => {
      const label = object.metadata.labels?.[INSTANCE_LABEL];
      if (label !== undefined && owned.has(label)) return [];
      const offering = object.metadata.labels?.[OFFERING_LABEL] ?? '';
      return [{ ref: ownedRefOf(object), offering, removable: label !== undefined && label !== '', ...(label !== undefined ? { instanceLabel: label } : {}) }];
    });
  }

  /** Recorded objects of usable instances that are gone, or replaced by another object under the name. */
  private async findMissing(records: readonly InstanceRecord[], objects: readonly KubeObject[]): Promise<Result<MissingObjects[]>> {
    const seen = new Map(objects.map((object) => [keyOf(ownedRefOf(object)), ownedRefOf(object)] as const));
    const found: MissingObjects[] = [];
    for (const record of records.filter((r) => r.status === 'ready' || r.status === 'starting')) {
      const missing: ObjectRef[] = [];
      for (const ref of record.objects) {
        // Not in the labelled listing (someone took the label off, or another namespace): ask for it by name.
        let present = seen.get(keyOf(ref));
        if (present === undefined) {
          const read = await this.cluster.get(ref);
          if (!read.ok) return read;
          present = read.value ? ownedRefOf(read.value) : undefined;
        }
        if (present === undefined || (ref.uid !== undefined && present.uid !== ref.uid)) missing.push(ref);
      }
      if (missing.length > 0) found.push({ instanceId: record.id, status: record.status, consumerNamespace: record.consumerNamespace, missing });
    }
    return ok(found);
  }

  /** Leases Vault still holds for bindings being removed (a revocation that has not succeeded yet). */
  private async findOpenLeases(records: readonly InstanceRecord[]): Promise<Result<OpenLease[]>> {
    if (this.vault === undefined) return ok([]);
    const found: OpenLease[] = [];
    for (const record of records) {
      const bindings = await this.store.listBindings(record.id);
      if (!bindings.ok) return bindings;
      for (const binding of bindings.value) {
        if (binding.lease === undefined || binding.status !== 'unbinding') continue;
        const lease = await this.vault.lookupLease(binding.lease);
        if (!lease.ok) return lease;
        if (lease.value !== 'absent') found.push({ instanceId: record.id, bindingId: binding.id, leaseId: binding.lease, expireTime: lease.value.expireTime.toISOString() });
      }
    }
    return ok(found);
  }

  /** Records owing work whose lock is free: taking it for an instant is the only way to know, and proves it. */
  private async findStuck(records: readonly InstanceRecord[]): Promise<Result<StuckOperation[]>> {
    const found: StuckOperation[] = [];
    for (const record of records) {
      const work = pendingWork(record);
      if (work === undefined) continue;
      const lock = await this.store.acquireLock(record.id, PROBE_LOCK_TTL_MS);
      if (!lock.ok) return lock;
      if (lock.value === undefined) continue; // a broker is working on it
      const released = await this.store.releaseLock(lock.value);
      if (!released.ok) return released;
      found.push({ instanceId: record.id, status: record.status, operation: record.operation.type, work, startedAt: record.operation.startedAt });
    }
    return ok(found);
  }
}
