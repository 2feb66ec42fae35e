/**
 * What `mesitis doctor --fix` does about drift, in this order:
 *
 *   1. stuck operations are resumed: one reconciler pass, exactly what a
 *      broker replica does at start-up (it takes each free lock, so it never
 *      races a live broker);
 *   2. drift is found again (a resumed deprovision may have left objects to
 *      an instance that is now gone), and each removable orphan is deleted
 *      with its uid as a precondition, so an object created under the same
 *      name since the listing is never touched;
 *   3. instances with missing objects are left as they are. Their record
 *      still pins what was provisioned and who uses it; recreating objects
 *      behind the platform's back could hand a consumer a different
 *      service, and dropping the record would lose its bindings. The
 *      platform deprovisions (and provisions again) when it wants; the
 *      doctor says so.
 *
 * It returns the drift that remains.
 */
import type { ObjectRef } from '../../domain/kube-object.js';
import { ok, type Result } from '../../domain/result.js';
import type { ReconcileReport } from '../operation-reconciler.js';
import type { ClusterApi } from '../ports/cluster-api.js';
import type { DriftReport, FindDrift, MissingObjects } from './find-drift.js';

export type RepairProgress =
  | { readonly step: 'resumed'; readonly report: ReconcileReport }
  | { readonly step: 'resume failed'; readonly reason: string }
  | { readonly step: 'removed'; readonly ref: ObjectRef; readonly outcome: 'deleted' | 'terminating' | 'absent' }
  | { readonly step: 'remove failed'; readonly ref: ObjectRef; readonly reason: string }
  | { readonly step: 'kept'; readonly ref: ObjectRef }
  | { readonly step: 'left for the platform'; readonly instance: MissingObjects };

/** What the repair needs of the reconciler: one pass. */
export interface ResumeWork {
  reconcileOnce(): Promise<Result<ReconcileReport>>;
}

export class RepairDrift {
  constructor(
    private readonly find: FindDrift,
    private readonly reconciler: ResumeWork,
    private readonly cluster: ClusterApi,
  ) {}

  async execute(found: DriftReport, progress: (event: RepairProgress) => void): Promise<Result<DriftReport>> {
    if (found.stuck.length > 0) {
      const pass = await this.reconciler.reconcileOnce();
      progress(pass.ok ? { step: 'resumed', report: pass.value } : { step: 'resume failed', reason: pass.error.message });
    }
    const current = found.stuck.length > 0 ? await this.find.execute() : ok(found);
    if (!current.ok) return current;
    for (const orphan of current.value.orphans) {
      if (!orphan.removable) {
        progress({ step: 'kept', ref: orphan.ref });
        continue;
      }
      const deleted = await this.cluster.delete(orphan.ref);
      progress(deleted.ok
        ? { step: 'removed', ref: orphan.ref, outcome: deleted.value }
        : { step: 'remove failed', ref: orphan.ref, reason: deleted.error.message });
    }
    for (const instance of current.value.missing) progress({ step: 'left for the platform', instance });
    return this.find.execute();
  }
}
