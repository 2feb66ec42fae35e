/**
 * Small in-memory fakes of the ports, for use-case tests only. They keep what
 * they were asked to do (calls, log lines) so tests can assert order and
 * absence of effects. Not the real memory adapters: those have contract suites.
 */
import type { ProviderConfig } from '../../../src/domain/catalog.js';
import { EMPTY_CONFIG } from '../../../src/domain/catalog.js';
import { domainError, type DomainError } from '../../../src/domain/errors.js';
import { describeRef, refOf, type KubeObject, type ObjectRef, type SupportedKind } from '../../../src/domain/kube-object.js';
import { matchesSelector, parseLabelSelector } from '../../../src/domain/label-selector.js';
import type { BindingRecord, InstanceRecord } from '../../../src/domain/records.js';
import { err, ok, type Result } from '../../../src/domain/result.js';
import type { ClusterApi } from '../../../src/application/ports/cluster-api.js';
import type { ConfigSource } from '../../../src/application/ports/config-source.js';
import type { LogFields, Logger } from '../../../src/application/ports/logger.js';
import type { SecretSource } from '../../../src/application/ports/secret-source.js';
import type { Lock, Revision, StateStore, Stored } from '../../../src/application/ports/state-store.js';
import type { Runtime } from '../../../src/application/settings.js';

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
  private failures: { name: string; error: DomainError }[] = [];
  private gates: { call: 'create' | 'delete'; name: string; gate: ReturnType<typeof gate> }[] = [];

  /** Puts an object in place without it counting as a call (someone else made it). */
  seed(object: KubeObject): void {
    this.objects.set(keyOf(refOf(object)), copy(object));
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
    const stored: KubeObject = { ...copy(object), ...(status ? { status } : {}) };
    this.objects.set(keyOf(ref), stored);
    return ok(copy(stored));
  }

  async get(ref: ObjectRef): Promise<Result<KubeObject | undefined>> {
    const found = this.objects.get(keyOf(ref));
    return ok(found ? copy(found) : undefined);
  }

  async delete(ref: ObjectRef): Promise<Result<'deleted' | 'absent'>> {
    this.calls.push(`delete ${describeRef(ref)}`);
    await this.pass('delete', ref.name);
    return ok(this.objects.delete(keyOf(ref)) ? 'deleted' : 'absent');
  }

  async list(kind: SupportedKind, namespace: string, labelSelector: string): Promise<Result<KubeObject[]>> {
    this.calls.push(`list ${kind} ${namespace} ${labelSelector}`);
    const selector = parseLabelSelector(labelSelector);
    if (!selector.ok) return err(domainError('InvalidRequest', selector.error));
    return ok([...this.objects.values()]
      .filter((o) => o.kind === kind && o.metadata.namespace === namespace && matchesSelector(o.metadata.labels ?? {}, selector.value))
      .map(copy));
  }

  private async pass(call: 'create' | 'delete', name: string): Promise<void> {
    const at = this.gates.findIndex((g) => g.call === call && g.name === name);
    if (at >= 0) await this.gates.splice(at, 1)[0]!.gate.wait();
  }
}

/** Records stored as JSON text, as a real store would, so nothing but data survives a write. */
export class FakeStore implements StateStore {
  private readonly instances = new Map<string, { json: string; revision: Revision }>();
  private readonly bindings = new Map<string, string>();
  private readonly locks = new Map<string, string>();
  private revisions = 0;
  private owners = 0;

  /** Every stored record as JSON text: what a test greps for leaked secrets. */
  dump(): string {
    return JSON.stringify({ instances: [...this.instances.values()].map((i) => i.json), bindings: [...this.bindings.values()] });
  }

  get instanceCount(): number {
    return this.instances.size;
  }

  get bindingCount(): number {
    return this.bindings.size;
  }

  /** Someone else takes the instance's lock; returns how to give it back. */
  holdLock(instanceId: string): () => void {
    this.locks.set(instanceId, 'someone-else');
    return () => this.locks.delete(instanceId);
  }

  isLocked(instanceId: string): boolean {
    return this.locks.has(instanceId);
  }

  async getInstance(id: string): Promise<Result<Stored<InstanceRecord> | undefined>> {
    const found = this.instances.get(id);
    return ok(found ? { record: JSON.parse(found.json) as InstanceRecord, revision: found.revision } : undefined);
  }

  async createInstance(record: InstanceRecord): Promise<Result<Revision>> {
    if (this.instances.has(record.id)) return err(domainError('ConcurrencyError', `instance ${record.id} exists`));
    return ok(this.write(record));
  }

  async updateInstance(record: InstanceRecord, expected: Revision): Promise<Result<Revision>> {
    if (this.instances.get(record.id)?.revision !== expected) return err(domainError('ConcurrencyError', `instance ${record.id} changed`));
    return ok(this.write(record));
  }

  async deleteInstance(id: string, expected: Revision): Promise<Result<void>> {
    const found = this.instances.get(id);
    if (found && found.revision !== expected) return err(domainError('ConcurrencyError', `instance ${id} changed`));
    this.instances.delete(id);
    return ok(undefined);
  }

  async listInstances(): Promise<Result<InstanceRecord[]>> {
    return ok([...this.instances.values()].map((i) => JSON.parse(i.json) as InstanceRecord));
  }

  async getBinding(instanceId: string, bindingId: string): Promise<Result<BindingRecord | undefined>> {
    const found = this.bindings.get(`${instanceId}/${bindingId}`);
    return ok(found ? (JSON.parse(found) as BindingRecord) : undefined);
  }

  async createBinding(record: BindingRecord): Promise<Result<void>> {
    const key = `${record.instanceId}/${record.id}`;
    if (this.bindings.has(key)) return err(domainError('ConcurrencyError', `binding ${record.id} exists`));
    this.bindings.set(key, JSON.stringify(record));
    return ok(undefined);
  }

  async deleteBinding(instanceId: string, bindingId: string): Promise<Result<void>> {
    this.bindings.delete(`${instanceId}/${bindingId}`);
    return ok(undefined);
  }

  async listBindings(instanceId: string): Promise<Result<BindingRecord[]>> {
    return ok([...this.bindings.entries()].filter(([key]) => key.startsWith(`${instanceId}/`)).map(([, json]) => JSON.parse(json) as BindingRecord));
  }

  async acquireLock(instanceId: string): Promise<Result<Lock | undefined>> {
    if (this.locks.has(instanceId)) return ok(undefined);
    const owner = `owner-${++this.owners}`;
    this.locks.set(instanceId, owner);
    return ok({ instanceId, owner });
  }

  async releaseLock(lock: Lock): Promise<Result<void>> {
    if (this.locks.get(lock.instanceId) === lock.owner) this.locks.delete(lock.instanceId);
    return ok(undefined);
  }

  async ping(): Promise<Result<void>> {
    return ok(undefined);
  }

  async close(): Promise<void> {}

  private write(record: InstanceRecord): Revision {
    const revision = String(++this.revisions);
    this.instances.set(record.id, { json: JSON.stringify(record), revision });
    return revision;
  }
}

export class FakeSecrets implements SecretSource {
  constructor(readonly secrets: Map<string, Record<string, string>> = new Map()) {}

  async read(name: string): Promise<Result<Record<string, string>>> {
    const found = this.secrets.get(name);
    return found ? ok({ ...found }) : err(domainError('NotFound', `secret ${name} does not exist`));
  }
}

export class FakeConfig implements ConfigSource {
  private config: ProviderConfig = EMPTY_CONFIG;
  private version = 0;
  private listeners: (() => void)[] = [];

  constructor(config?: ProviderConfig) {
    if (config) this.set(config);
  }

  set(config: ProviderConfig): void {
    this.config = config;
    this.version++;
    for (const listener of this.listeners) listener();
  }

  async start(): Promise<void> {}
  current(): ProviderConfig { return this.config; }
  revision(): number { return this.version; }
  onChange(listener: () => void): () => void {
    this.listeners.push(listener);
    return () => (this.listeners = this.listeners.filter((l) => l !== listener));
  }
  synced(): boolean { return true; }
  async stop(): Promise<void> {}
}

export interface LogLine { readonly level: string; readonly message: string; readonly fields: LogFields }

export class RecordingLogger implements Logger {
  constructor(readonly lines: LogLine[] = [], private readonly base: LogFields = {}) {}
  debug(message: string, fields?: LogFields): void { this.add('debug', message, fields); }
  info(message: string, fields?: LogFields): void { this.add('info', message, fields); }
  warn(message: string, fields?: LogFields): void { this.add('warn', message, fields); }
  error(message: string, fields?: LogFields): void { this.add('error', message, fields); }
  child(fields: LogFields): Logger { return new RecordingLogger(this.lines, { ...this.base, ...fields }); }
  private add(level: string, message: string, fields: LogFields = {}): void {
    this.lines.push({ level, message, fields: { ...this.base, ...fields } });
  }
}

/** A clock that only moves when someone sleeps; sleeping still yields so other jobs run. */
export class FakeRuntime implements Runtime {
  readonly slept: number[] = [];
  /** Called after each sleep, e.g. to release a lock after a few retries. */
  afterSleep: () => void = () => {};
  private ids = 0;

  constructor(public clock = Date.parse('2024-05-01T12:00:00.000Z')) {}

  now(): Date { return new Date(this.clock); }
  newId(): string { return `op-${++this.ids}`; }
  advance(ms: number): void { this.clock += ms; }

  async sleep(ms: number): Promise<void> {
    this.slept.push(ms);
    this.clock += ms;
    await new Promise((resolve) => setImmediate(resolve));
    this.afterSleep();
  }
}
