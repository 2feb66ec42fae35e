/**
 * How `mesitis doctor` shows drift: one table row per problem for people,
 * one JSON document for scripts, and a line per repair step. Hints say what
 * to do about each kind, and which kind --fix leaves alone.
 */
import { isClean, type DriftReport } from '../../application/use-cases/find-drift.js';
import type { RepairProgress } from '../../application/use-cases/repair-drift.js';
import { describeRef, type ObjectRef } from '../../domain/kube-object.js';
import { table } from '../cli/output.js';

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

export function driftTable(report: DriftReport): string {
  const rows: string[][] = [
    ...report.orphans.map((o) => ['orphan', describeRef(o.ref), o.removable ? 'removable' : 'kept',
      o.instanceLabel !== undefined ? `instance label ${o.instanceLabel}, offering ${o.offering}: no record owns it` : `offering ${o.offering}, no instance label: not removed by --fix`]),
    ...report.missing.map((m) => ['missing', `instance ${m.instanceId}`, m.status,
      `${m.missing.map(describeRef).join(', ')} ${m.missing.length === 1 ? 'is' : 'are'} not in the cluster`]),
    ...report.stuck.map((s) => ['stuck', `instance ${s.instanceId}`, s.status,
      `${s.operation} started ${s.startedAt} owes "${s.work}" and no broker holds its lock`]),
    ...report.leases.map((l) => ['lease', `binding ${l.bindingId} of instance ${l.instanceId}`, 'unbinding',
      `Vault lease ${l.leaseId} is still open (until ${l.expireTime})`]),
  ];
  return table(['DRIFT', 'WHAT', 'STATE', 'DETAIL'], rows);
}

export function summary(report: DriftReport): string {
  const { namespaces, records, objects } = report.scanned;
  const scope = `${plural(records, 'record')}, ${plural(objects, 'object')} in ${namespaces.length === 0 ? 'no target namespace' : `namespace${namespaces.length === 1 ? '' : 's'} ${namespaces.join(', ')}`}`;
  const found = [
    report.orphans.length > 0 ? plural(report.orphans.length, 'orphan object') : '',
    report.missing.length > 0 ? plural(report.missing.length, 'instance') + ' with missing objects' : '',
    report.stuck.length > 0 ? plural(report.stuck.length, 'stuck operation') : '',
    report.leases.length > 0 ? plural(report.leases.length, 'open Vault lease') + ' of removed bindings' : '',
  ].filter((part) => part !== '');
  return found.length === 0 ? `no drift (${scope})` : `drift: ${found.join(', ')} (${scope})`;
}

/** What to do next, for the kinds present. */
export function hints(report: DriftReport, fixed: boolean): string[] {
  const lines: string[] = [];
  if (!fixed && report.stuck.length > 0) lines.push('stuck operations: `mesitis doctor --fix` resumes them (as a broker would at start-up)');
  if (!fixed && report.orphans.some((o) => o.removable)) lines.push('orphan objects: `mesitis doctor --fix` deletes those with an instance label');
  if (report.orphans.some((o) => !o.removable)) lines.push('orphan objects without an instance label are never deleted by the doctor: check who made them');
  if (report.stuck.length > 0 && fixed) lines.push('operations still stuck: see the broker log and `mesitis doctor --log-level debug` for why they could not finish');
  if (report.leases.length > 0) {
    lines.push('open Vault leases: the broker\'s binding reconciler revokes them once Vault lets it (see the broker log); '
      + 'or revoke them yourself (`vault lease revoke LEASE_ID`), then the broker forgets the binding');
  }
  if (report.missing.length > 0) {
    lines.push('instances with missing objects are not repaired (their records pin what was provisioned): '
      + 'ask the platform of each consumer namespace to deprovision and provision again, or recreate the objects by hand');
  }
  return lines;
}

export function driftJson(report: DriftReport): unknown {
  const ref = (r: ObjectRef) => ({ kind: r.kind, namespace: r.namespace, name: r.name, ...(r.uid !== undefined ? { uid: r.uid } : {}) });
  return {
    clean: isClean(report),
    orphans: report.orphans.map((o) => ({ ...ref(o.ref), offering: o.offering, removable: o.removable, ...(o.instanceLabel !== undefined ? { instanceLabel: o.instanceLabel } : {}) })),
    missing: report.missing.map((m) => ({ instanceId: m.instanceId, status: m.status, consumerNamespace: m.consumerNamespace, objects: m.missing.map(ref) })),
    stuck: report.stuck.map((s) => ({ ...s })),
    leases: report.leases.map((l) => ({ ...l })),
    scanned: report.scanned,
  };
}

export function progressLine(event: RepairProgress): string {
  switch (event.step) {
    case 'resumed': {
      const { pending, resumed, failed } = event.report;
      return `resumed ${plural(resumed, 'operation')} of ${pending} pending${failed > 0 ? `, ${failed} could not finish` : ''}`;
    }
    case 'resume failed': return `could not resume operations: ${event.reason}`;
    case 'removed': return `${event.outcome === 'deleted' ? 'deleted' : 'already gone'}: orphan ${describeRef(event.ref)}`;
    case 'remove failed': return `could not delete orphan ${describeRef(event.ref)}: ${event.reason}`;
    case 'kept': return `kept: ${describeRef(event.ref)} has no instance label`;
    case 'left for the platform': return `left for the platform: instance ${event.instance.instanceId} (consumer namespace ${event.instance.consumerNamespace}) misses ${event.instance.missing.map(describeRef).join(', ')}`;
  }
}
