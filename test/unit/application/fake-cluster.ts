/** An in-memory ClusterApi for use-case tests: records every call, can fail or hold a call on demand. */
import { domainError, type DomainError } from '../../../src/domain/errors.js';
import { describeRef, refOf, type KubeObject, type ObjectRef, type ObjectType } from '../../../src/domain/kube-object.js';
import { matchesSelector, parseLabelSelector } from '../../../src/domain/label-selector.js';
import { err, ok, type Result } from '../../../src/domain/result.js';
import type { ClusterApi, DeleteOutcome } from '../../../src/application/ports/cluster-api.js';

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const keyOf = (ref: ObjectRef): string => `${ref.kind}/${ref.namespace}/${ref.name}`;

/** Lets a test stop a cluster call half-way: `reached` resolves when the call arrives, `release()` lets it go on. */
export interface Gate {
  readonly reached: Promise<void>;
  release(): void;
}

function gate(): Gate & { wait(): Promise<void> } {
  let arrive!: () => void;
  let go!: () => void;
  const reached = new Promise<void>((resolve) => (arrive = resolve));
  const released = new Promise<void>((resolve) => (go = resolve));
  return { reached, release: () => go(), wait: () => (arrive(), released) };
}

function readyStatus(object: KubeObject): Record<string, unknown> | undefined {
  const replicas = (object['spec'] as { replicas?: number } | undefined)?.replicas ?? 1;
  switch (object.kind) {
    case 'Deployment': return { availableReplicas: replicas, updatedReplicas: replicas };
    case 'ReplicaSet': return { readyReplicas: replicas };
    case 'Pod': return { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
    default: return undefined;
  }
}

export class FakeCluster implements ClusterApi {
  private readonly objects = new Map<string, KubeObject>();
  /** Every call, as "create Kind ns/name", "delete ...", "list Kind ns selector". */
  readonly calls: string[] = [];
  /** When false, workloads never report ready. */
  workloadsBecomeReady = true;
  /** When true, every delete fails as if the apiserver were away. */
  failDeletes = false;
  private failures: { name: string; error: DomainError }[] = [];
  private gates: { call: 'create' | 'delete'; name: string; gate: ReturnType<typeof gate> }[] = [];

  private uids = 0;

  /** Puts an object in place without it counting as a call (someone else made it). */
  seed(object: KubeObject): void {
    this.objects.set(keyOf(refOf(object)), this.withUid(copy(object)));
  }

  /** The API server gives every stored object a uid of its own. */
  private withUid(object: KubeObject): KubeObject {
    return object.metadata['uid'] === undefined ? { ...object, metadata: { ...object.metadata, uid: `uid-${++this.uids}` } } : object;
  }

  /** The next create of an object with this name fails with `error`. */
  failCreateOf(name: string, error: DomainError = domainError('ConfigInvalid', `${name} is invalid`)): void {
    this.failures.push({ name, error });
  }

  /** Holds the next `call` of an object with this name until released. */
  hold(call: 'create' | 'delete', name: string): Gate {
    const g = gate();
    this.gates.push({ call, name, gate: g });
    return g;
  }

  /** "Kind ns/name" of every object, sorted. */
  contents(): string[] {
    return [...this.objects.values()].map((o) => describeRef(refOf(o))).sort();
  }

  has(ref: ObjectRef): boolean {
    return this.objects.has(keyOf(ref));
  }

  async create(object: KubeObject): Promise<Result<KubeObject>> {
    const ref = refOf(object);
    this.calls.push(`create ${describeRef(ref)}`);
    await this.pass('create', ref.name);
    const failure = this.failures.findIndex((f) => f.name === ref.name);
    if (failure >= 0) return err(this.failures.splice(failure, 1)[0]!.error);
    if (this.objects.has(keyOf(ref))) return err(domainError('ObjectsExist', `${describeRef(ref)} already exists`));
    const status = this.workloadsBecomeReady ? readyStatus(object) : undefined;
    const stored: KubeObject = this.withUid({ ...copy(object), ...(status ? { status } : {}) });
    this.objects.set(keyOf(ref), stored);
    return ok(copy(stored));
  }

  /** Replaces (uid kept) or creates; a changed workload is ready again only while `workloadsBecomeReady`. */
  async apply(object: KubeObject): Promise<Result<KubeObject>> {
    const ref = refOf(object);
    this.calls.push(`apply ${describeRef(ref)}`);
    const failure = this.failures.findIndex((f) => f.name === ref.name);
    if (failure >= 0) return err(this.failures.splice(failure, 1)[0]!.error);
    const previous = this.objects.get(keyOf(ref));
    const status = this.workloadsBecomeReady ? readyStatus(object) : undefined;
    const { status: _status, ...spec } = copy(object);
    const uid = previous?.metadata['uid'];
    const stored: KubeObject = this.withUid({ ...spec, ...(status ? { status } : {}), metadata: { ...spec.metadata, ...(uid !== undefined ? { uid } : {}) } });
    this.objects.set(keyOf(ref), stored);
    return ok(copy(stored));
  }

  /** Writes the object's status as its controller would (NotFound is a bug in the test). */
  setStatus(ref: ObjectRef, status: Record<string, unknown>): void {
    const found = this.objects.get(keyOf(ref));
    if (found === undefined) throw new Error(`setStatus: ${describeRef(ref)} does not exist`);
    this.objects.set(keyOf(ref), { ...found, status: copy(status) });
  }

  /** The stored object, for assertions. */
  peek(ref: ObjectRef): KubeObject | undefined {
    const found = this.objects.get(keyOf(ref));
    return found ? copy(found) : undefined;
  }

  async get(ref: ObjectRef): Promise<Result<KubeObject | undefined>> {
    const found = this.objects.get(keyOf(ref));
    return ok(found ? copy(found) : undefined);
  }

  async delete(ref: ObjectRef): Promise<Result<DeleteOutcome>> {
    this.calls.push(`delete ${describeRef(ref)}`);
    await this.pass('delete', ref.name);
    if (this.failDeletes) return err(domainError('Unavailable', 'the cluster cannot be reached'));
    // The uid precondition: another object under the name is not the one meant.
    if (ref.uid !== undefined && this.objects.get(keyOf(ref))?.metadata['uid'] !== ref.uid) return ok('absent');
    const held = this.objects.get(keyOf(ref));
    if (held && this.finalized.has(ref.name)) {
      // As the API server does with a finalizer: marked for deletion, still there, the object answered.
      this.objects.set(keyOf(ref), { ...held, metadata: { ...held.metadata, deletionTimestamp: '2024-05-01T12:00:00Z' } });
      return ok('terminating');
    }
    return ok(this.objects.delete(keyOf(ref)) ? 'deleted' : 'absent');
  }

  private readonly finalized = new Set<string>();

  /** Objects of this name stay, terminating, after a delete until `releaseFinalizer`. */
  holdByFinalizer(name: string): void {
    this.finalized.add(name);
  }

  /** The finalizer's controller is done: the terminating object goes. */
  releaseFinalizer(name: string): void {
    this.finalized.delete(name);
    for (const [key, object] of this.objects) if (object.metadata.name === name && object.metadata['deletionTimestamp'] !== undefined) this.objects.delete(key);
  }

  async list({ kind }: ObjectType, namespace: string, labelSelector: string): Promise<Result<KubeObject[]>> {
    this.calls.push(`list ${kind} ${namespace} ${labelSelector}`);
    const selector = parseLabelSelector(labelSelector);
    if (!selector.ok) return err(domainError('InvalidRequest', selector.error));
    return ok([...this.objects.values()]
      .filter((o) => o.kind === kind && o.metadata.namespace === namespace && matchesSelector(o.metadata.labels ?? {}, selector.value))
      .map(copy));
  }

  /** When true, ping fails as if the apiserver stopped answering. */
  unreachable = false;

  async ping(): Promise<Result<void>> {
    return this.unreachable ? err(domainError('Unavailable', 'the cluster did not answer')) : ok(undefined);
  }

  private async pass(call: 'create' | 'delete', name: string): Promise<void> {
    const at = this.gates.findIndex((g) => g.call === call && g.name === name);
    if (at >= 0) await this.gates.splice(at, 1)[0]!.gate.wait();
  }
}
