/**
 * Per-instance locks as coordination.k8s.io/v1 Leases, the object Kubernetes
 * itself uses for leader election. holderIdentity is the lock's owner token;
 * every change is a create or a write conditional on the resourceVersion
 * read, so two replicas can never both believe they took or kept a lock.
 *
 * - acquire: create the Lease; if one exists and has expired, take it over
 *   by replacing it at the resourceVersion read (a second taker gets 409).
 * - renew: only the holder, only before expiry, at the resourceVersion read
 *   (or last written by this process).
 * - release: delete at the resourceVersion read (or last written), only
 *   while still ours.
 *
 * Expiry is renewTime plus the TTL, judged by the reader's clock (as
 * client-go's leader election does with its own observations): replicas
 * need clocks in step to well within a TTL. leaseDurationSeconds holds the
 * TTL rounded up for people and tools; the exact TTL in milliseconds is an
 * annotation. A Lease that cannot be read as ours (edited by hand, say)
 * counts as expired: it can be taken over, but only by one replica.
 */
import { randomUUID } from 'node:crypto';
import { V1MicroTime, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import * as t from 'io-ts';
import type { Logger } from '../../application/ports/logger.js';
import type { Lock } from '../../application/ports/state-store.js';
import { domainError } from '../../domain/errors.js';
import { err, ok, type Result } from '../../domain/result.js';
import type { ApiAction } from './api-errors.js';
import { attempt, storeFailure } from './kubernetes-state-store-calls.js';
import { INSTALLATION_LABEL, LOCKED_INSTANCE_ANNOTATION, TTL_ANNOTATION, type StateNames } from './kubernetes-state-store-names.js';

const LeaseView = t.type({
  metadata: t.partial({ annotations: t.record(t.string, t.string) }),
  spec: t.partial({ holderIdentity: t.string, leaseDurationSeconds: t.number, leaseTransitions: t.number, acquireTime: t.unknown, renewTime: t.unknown }),
});

interface HeldLease {
  readonly holder: string | undefined;
  readonly acquireTime: V1MicroTime | undefined;
  readonly expiresAt: number;
  readonly resourceVersion: string;
  readonly transitions: number;
}

// A takeover races with deletes and other takers; after this many rounds the lock is busy.
const ATTEMPTS = 3;

export class LeaseLocks {
  /**
   * The Lease as this process last wrote it, per owner token: renew and
   * release write at that resourceVersion without reading first (a 409
   * sends them back to reading). Entries go on release or loss.
   */
  private readonly written = new Map<string, HeldLease>();

  constructor(
    private readonly leases: CoordinationV1Api,
    private readonly namespace: string,
    private readonly names: StateNames,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  async acquire(instanceId: string, ttlMs: number): Promise<Result<Lock | undefined>> {
    const lock = { instanceId, owner: randomUUID() };
    for (let round = 0; round < ATTEMPTS; round++) {
      const created = await attempt(() => this.leases.createNamespacedLease({ namespace: this.namespace, body: this.body(lock, ttlMs, 0) }));
      if (created.ok) return this.remember(lock, created.value) ? ok(lock) : err(noResourceVersion(instanceId));
      if (created.status !== 409) return err(storeFailure(created.error, this.action('create', instanceId), this.logger));
      const held = await this.read(instanceId);
      if (!held.ok) return held;
      if (held.value === undefined) continue; // released meanwhile: create again
      if (held.value.expiresAt > this.now()) return ok(undefined);
      const taken = await this.replace(lock, ttlMs, held.value, 'takeover');
      if (!taken.ok) return taken;
      if (taken.value === 'conflict') return ok(undefined); // another replica took it over first
      if (taken.value !== 'gone') return ok(lock);
      // 'gone': released since the read; create again
    }
    return ok(undefined);
  }

  async renew(lock: Lock, ttlMs: number): Promise<Result<boolean>> {
    let known = this.written.get(lock.owner);
    for (let round = 0; round < ATTEMPTS; round++) {
      const held = known !== undefined ? ok(known) : await this.read(lock.instanceId);
      known = undefined;
      if (!held.ok) return held;
      if (held.value === undefined || held.value.holder !== lock.owner || held.value.expiresAt <= this.now()) break;
      // 'conflict': written by someone since (a takeover, or our own write whose answer was lost): read again.
      const renewed = await this.replace(lock, ttlMs, held.value, 'renewal');
      if (!renewed.ok) return renewed;
      if (renewed.value === 'gone') break;
      if (renewed.value !== 'conflict') return ok(true);
    }
    this.written.delete(lock.owner);
    return ok(false);
  }

  async release(lock: Lock): Promise<Result<void>> {
    const known = this.written.get(lock.owner);
    this.written.delete(lock.owner);
    if (known !== undefined) {
      const deleted = await this.delete(lock, known.resourceVersion);
      if (!deleted.ok || deleted.value === 'done') return deleted.ok ? ok(undefined) : deleted;
    }
    const held = await this.read(lock.instanceId);
    if (!held.ok) return held;
    if (held.value === undefined || held.value.holder !== lock.owner) return ok(undefined);
    // 'conflict': renewed or taken over since the read; either way it is no longer this release's to delete.
    const deleted = await this.delete(lock, held.value.resourceVersion);
    return deleted.ok ? ok(undefined) : deleted;
  }

  private async read(instanceId: string): Promise<Result<HeldLease | undefined>> {
    const read = await attempt(() => this.leases.readNamespacedLease({ namespace: this.namespace, name: this.names.lock(instanceId) }));
    if (!read.ok) {
      return read.status === 404 ? ok(undefined) : err(storeFailure(read.error, this.action('read', instanceId), this.logger));
    }
    const held = heldLease(read.value);
    return held !== undefined ? ok(held) : err(noResourceVersion(instanceId));
  }

  /** Writes `lock` over the Lease as read: the Lease written, 'conflict' when it changed since, 'gone' when it was deleted. */
  private async replace(lock: Lock, ttlMs: number, held: HeldLease, why: 'takeover' | 'renewal'): Promise<Result<HeldLease | 'conflict' | 'gone'>> {
    const name = this.names.lock(lock.instanceId);
    const body = why === 'takeover'
      ? this.body(lock, ttlMs, held.transitions + 1, { resourceVersion: held.resourceVersion })
      : this.body(lock, ttlMs, held.transitions, { resourceVersion: held.resourceVersion, acquireTime: held.acquireTime });
    const replaced = await attempt(() => this.leases.replaceNamespacedLease({ namespace: this.namespace, name, body }));
    if (replaced.ok) return this.remember(lock, replaced.value) ? ok(this.written.get(lock.owner)!) : err(noResourceVersion(lock.instanceId));
    if (replaced.status === 409) return ok('conflict');
    if (replaced.status === 404) return ok('gone');
    return err(storeFailure(replaced.error, this.action('update', lock.instanceId), this.logger));
  }

  /** Deletes the Lease if still at `resourceVersion`; 'conflict' when it changed since, 'done' when deleted or absent. */
  private async delete(lock: Lock, resourceVersion: string): Promise<Result<'done' | 'conflict'>> {
    const name = this.names.lock(lock.instanceId);
    const body = { preconditions: { resourceVersion } };
    const deleted = await attempt(() => this.leases.deleteNamespacedLease({ namespace: this.namespace, name, body }));
    if (deleted.ok || deleted.status === 404) return ok('done');
    if (deleted.status === 409) return ok('conflict');
    return err(storeFailure(deleted.error, this.action('delete', lock.instanceId), this.logger));
  }

  /** Keeps the Lease as the server stored it; false when it came back without a resourceVersion. */
  private remember(lock: Lock, lease: V1Lease): boolean {
    const held = heldLease(lease);
    if (held !== undefined) this.written.set(lock.owner, held);
    return held !== undefined;
  }

  private body(lock: Lock, ttlMs: number, transitions: number, over: { resourceVersion?: string; acquireTime?: V1MicroTime | undefined } = {}): V1Lease {
    const ttl = Math.max(1, Math.ceil(ttlMs));
    const now = new V1MicroTime(this.now());
    const { resourceVersion, acquireTime = now } = over;
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.names.lock(lock.instanceId),
        namespace: this.namespace,
        labels: { [INSTALLATION_LABEL]: this.names.installation },
        annotations: { [LOCKED_INSTANCE_ANNOTATION]: lock.instanceId, [TTL_ANNOTATION]: String(ttl) },
        ...(resourceVersion !== undefined ? { resourceVersion } : {}),
      },
      spec: { holderIdentity: lock.owner, leaseDurationSeconds: Math.ceil(ttl / 1000), leaseTransitions: transitions, acquireTime, renewTime: now },
    };
  }

  private action(verb: ApiAction['verb'], instanceId: string): ApiAction {
    return { verb, what: `the lock of instance ${instanceId}`, namespace: this.namespace };
  }
}

/** The Lease as far as locking goes; undefined without a resourceVersion (never from an apiserver: no write could be conditional). */
function heldLease(lease: V1Lease): HeldLease | undefined {
  const resourceVersion = lease.metadata?.resourceVersion;
  if (typeof resourceVersion !== 'string' || resourceVersion === '') return undefined;
  const decoded = LeaseView.decode(lease);
  if (decoded._tag === 'Left') return { holder: undefined, acquireTime: undefined, expiresAt: 0, resourceVersion, transitions: 0 };
  const { metadata, spec } = decoded.right;
  const renewed = timeOf(spec.renewTime);
  const acquired = timeOf(spec.acquireTime);
  const exactTtl = Number(metadata.annotations?.[TTL_ANNOTATION]);
  const ttl = Number.isSafeInteger(exactTtl) && exactTtl > 0 ? exactTtl : (spec.leaseDurationSeconds ?? 0) * 1000;
  return {
    holder: spec.holderIdentity,
    acquireTime: Number.isFinite(acquired) ? new V1MicroTime(acquired) : undefined,
    expiresAt: Number.isFinite(renewed) ? renewed + ttl : 0,
    resourceVersion,
    transitions: spec.leaseTransitions ?? 0,
  };
}

const noResourceVersion = (instanceId: string) => domainError('Infrastructure', `state store: the lock of instance ${instanceId} came back without a resourceVersion`);

/** client-node hands MicroTime fields back as the server's text. */
const timeOf = (value: unknown): number => (typeof value === 'string' || value instanceof Date ? new Date(value).getTime() : NaN);
