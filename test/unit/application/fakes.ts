/**
 * Small in-memory fakes of the ports, for use-case tests only (the cluster is
 * in fake-cluster.ts). They keep what they were asked to do (calls, log
 * lines) so tests can assert order and absence of effects. Not the real
 * memory adapters: those have contract suites.
 */
import type { ConfigProblem } from '../../../src/domain/catalog-entry.js';
import type { ProviderConfig } from '../../../src/domain/catalog.js';
import { EMPTY_CONFIG } from '../../../src/domain/catalog.js';
import { domainError } from '../../../src/domain/errors.js';
import type { BindingRecord, InstanceRecord } from '../../../src/domain/records.js';
import { err, ok, type Result } from '../../../src/domain/result.js';
import type { ConfigSource } from '../../../src/application/ports/config-source.js';
import type { LogFields, Logger } from '../../../src/application/ports/logger.js';
import type { ProblemReporter } from '../../../src/application/ports/problem-reporter.js';
import type { SecretGenerator } from '../../../src/application/ports/secret-generator.js';
import type { SecretSource } from '../../../src/application/ports/secret-source.js';
import { HmacSecretGenerator } from '../../../src/adapters/crypto/hmac-secret-generator.js';
import type { GeneratedSpec } from '../../../src/domain/template-variables.js';
import type { Lock, Revision, StateStore, Stored } from '../../../src/application/ports/state-store.js';
import type { Runtime } from '../../../src/application/settings.js';

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

  /** Every stored record as the JSON it was written as: what a leak search reads. */
  contents(): string[] {
    return [...[...this.instances.values()].map((stored) => stored.json), ...this.bindings.values()];
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

  async putBinding(record: BindingRecord): Promise<Result<void>> {
    this.bindings.set(`${record.instanceId}/${record.id}`, JSON.stringify(record));
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

  async renewLock(lock: Lock): Promise<Result<boolean>> {
    return ok(this.locks.get(lock.instanceId) === lock.owner);
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

/** Broker-namespace Secrets by name; an instance's Secrets by "namespace/name". */
export class FakeSecrets implements SecretSource {
  constructor(readonly secrets: Map<string, Record<string, string>> = new Map()) {}

  async read(name: string): Promise<Result<Record<string, string>>> {
    const found = this.secrets.get(name);
    return found ? ok({ ...found }) : err(domainError('NotFound', `secret ${name} does not exist`));
  }

  async readIn(namespace: string, name: string): Promise<Result<Record<string, string>>> {
    return this.read(`${namespace}/${name}`);
  }
}

export const TEST_GENERATION_KEY = Buffer.alloc(32, 7);

/** The real derivation under a key the test chooses ('missing': no key Secret); counts calls. */
export class FakeGenerator implements SecretGenerator {
  calls = 0;
  private readonly real: HmacSecretGenerator;

  constructor(key: Buffer | 'missing') {
    this.real = new HmacSecretGenerator(async () => key === 'missing' ? err(domainError('ConfigInvalid', 'the generation key Secret "k" does not exist in the broker namespace')) : ok(key));
  }

  async generate(instanceId: string, specs: readonly GeneratedSpec[], bindingId?: string): Promise<Result<Record<string, string>>> {
    this.calls++;
    return this.real.generate(instanceId, specs, bindingId);
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

export class RecordingReporter implements ProblemReporter {
  readonly reports: (readonly ConfigProblem[])[] = [];
  async report(problems: readonly ConfigProblem[]): Promise<void> {
    this.reports.push(problems);
  }
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

export { FakeCluster, type Gate } from './fake-cluster.js';
