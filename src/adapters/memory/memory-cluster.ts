/**
 * An in-memory Kubernetes API server: namespaces and namespaced objects of
 * every kind it serves (the built-in ones and those of the CRDs applied to
 * it, see ServedKinds), with the behaviour clients rely on (AlreadyExists, NotFound, a new
 * resourceVersion on every write, label selectors, change events). It backs
 * `mesitis dev` and the tests, so it refuses what a real server refuses
 * rather than accepting whatever it is given.
 */
import { randomUUID } from 'node:crypto';
import { matchesSelector, type LabelSelector } from '../../domain/label-selector.js';
import { groupOf } from '../../domain/built-in-kinds.js';
import type { KubeObject, ObjectType } from '../../domain/kube-object.js';
import { err, ok, type Result } from '../../domain/result.js';
import { applied, written, type FieldOwnership } from './field-ownership.js';
import { isDnsLabel, validationProblems } from './object-validation.js';
import { storedOnCreate, storedOnReplace } from './server-defaults.js';
import { ServedKinds } from './served-kinds.js';
import { settledStatus } from './simulated-controllers.js';

export interface ObjectKey {
  /** Without one, the kind is the built-in kind of that name (tests and the config source name ConfigMaps so). */
  readonly apiVersion?: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** The API server's reasons, before any adapter translates them into domain error kinds. */
export type ClusterFailureReason = 'AlreadyExists' | 'NotFound' | 'Invalid' | 'Conflict';

export interface ClusterFailure {
  readonly reason: ClusterFailureReason;
  readonly message: string;
}

export interface ClusterEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: KubeObject;
}

export interface MemoryClusterOptions {
  /** Dev mode: mark Deployments, ReplicaSets and Pods ready right after they are created. */
  readonly simulateControllers?: boolean;
  readonly now?: () => Date;
}

const failure = (reason: ClusterFailureReason, message: string) => err<ClusterFailure>({ reason, message });
const describeKey = (key: ObjectKey): string => `${key.kind} "${key.namespace}/${key.name}"`;

export class MemoryCluster {
  /** What this cluster serves; a CRD applied to it adds its kinds. */
  readonly kinds = new ServedKinds();
  /** namespace -> kind.group -> name -> object. A namespace exists exactly when it has an entry. */
  private readonly store = new Map<string, Map<string, Map<string, KubeObject>>>();
  /** Who set which field of each stored object (see field-ownership.ts), by ownershipKey. */
  private readonly owners = new Map<string, FieldOwnership>();
  private readonly watchers = new Set<(event: ClusterEvent) => void>();
  private lastResourceVersion = 0;

  constructor(private readonly options: MemoryClusterOptions = {}) {}

  hasNamespace(name: string): boolean {
    return this.store.has(name);
  }

  namespaces(): string[] {
    return [...this.store.keys()].sort();
  }

  /** AlreadyExists when it exists; Invalid when the name is not a DNS label. */
  createNamespace(name: string): Result<void, ClusterFailure> {
    if (!isDnsLabel(name)) return failure('Invalid', `namespace "${name}" is not a valid name (a DNS label)`);
    if (this.store.has(name)) return failure('AlreadyExists', `namespace "${name}" already exists`);
    this.store.set(name, new Map());
    return ok(undefined);
  }

  /** Idempotent createNamespace. */
  ensureNamespace(name: string): Result<void, ClusterFailure> {
    return this.store.has(name) ? ok(undefined) : this.createNamespace(name);
  }

  /** Deletes the namespace and everything in it at once (a real one terminates first). NotFound when absent. */
  deleteNamespace(name: string): Result<void, ClusterFailure> {
    const kinds = this.store.get(name);
    if (kinds === undefined) return failure('NotFound', `namespace "${name}" not found`);
    for (const objects of kinds.values()) for (const object of objects.values()) this.delete(keyOf(object));
    this.store.delete(name);
    return ok(undefined);
  }

  /** Stores a new object in metadata.namespace; NotFound when the namespace does not exist, like the real server. */
  create(object: KubeObject, ownership?: FieldOwnership): Result<KubeObject, ClusterFailure> {
    const namespace = object.metadata.namespace;
    if (namespace === undefined || namespace === '') return failure('Invalid', 'metadata.namespace is required');
    const key = keyOf(object);
    // Like the apiserver's routes: an unserved kind has none (404), a cluster-scoped one none under a namespace.
    const scope = this.kinds.scopeOf(object.apiVersion, object.kind);
    if (scope === 'unknown') return failure('NotFound', `the server could not find the requested resource: kind ${object.kind} in ${object.apiVersion} is not served`);
    if (scope === 'cluster') return failure('Invalid', `${object.kind} (${object.apiVersion}) is cluster-scoped: it cannot be created in namespace "${namespace}"`);
    if (object.metadata.resourceVersion !== undefined) return failure('Invalid', `${describeKey(key)}: resourceVersion should not be set on objects to be created`);
    const problems = validationProblems(object);
    if (problems.length > 0) return failure('Invalid', `${describeKey(key)} is invalid: ${problems.join('; ')}`);
    const objects = this.objectsOf(namespace, key);
    if (objects === undefined) return failure('NotFound', `namespace "${namespace}" not found`);
    if (objects.has(key.name)) return failure('AlreadyExists', `${describeKey(key)} already exists`);
    const stored = storedOnCreate(structuredClone(object), { uid: randomUUID(), resourceVersion: this.nextResourceVersion(), now: this.now() });
    objects.set(key.name, stored);
    this.owners.set(this.ownershipKey(key), ownership ?? written(object));
    this.emit('ADDED', stored);
    if (this.options.simulateControllers) {
      const settled = settledStatus(stored);
      if (settled !== undefined) this.setStatus(key, settled);
    }
    return ok(structuredClone(stored));
  }

  /**
   * Server-side apply, forced, by the one applier this cluster knows (see
   * field-ownership.ts): creates the object when absent, else sets the
   * fields it names, keeps those others set, and drops those it applied
   * before and names no more.
   */
  apply(object: KubeObject): Result<KubeObject, ClusterFailure> {
    const key = keyOf(object);
    const previous = this.objectsOf(key.namespace, key)?.get(key.name);
    const { resourceVersion: _ignored, ...metadata } = object.metadata;
    const configuration = { ...object, metadata };
    if (previous === undefined) return this.create(configuration, { applied: written(configuration).others, others: new Set() });
    const ownership = this.owners.get(this.ownershipKey(key)) ?? { applied: new Set<string>(), others: new Set<string>() };
    const next = applied(previous, ownership, configuration);
    const { resourceVersion: _current, ...merged } = next.object.metadata;
    return this.replace({ ...next.object, metadata: merged }, next.ownership);
  }

  /** Replaces an existing object (an update); Conflict when a given resourceVersion is stale. */
  replace(object: KubeObject, ownership?: FieldOwnership): Result<KubeObject, ClusterFailure> {
    const key = keyOf(object);
    const previous = this.objectsOf(key.namespace, key)?.get(key.name);
    if (previous === undefined) return failure('NotFound', `${describeKey(key)} not found`);
    const expected = object.metadata.resourceVersion;
    if (expected !== undefined && expected !== previous.metadata.resourceVersion) {
      return failure('Conflict', `${describeKey(key)} has been modified; please apply your changes to the latest version`);
    }
    const problems = validationProblems(object);
    if (problems.length > 0) return failure('Invalid', `${describeKey(key)} is invalid: ${problems.join('; ')}`);
    const stored = storedOnReplace(previous, structuredClone(object), this.nextResourceVersion());
    this.objectsOf(key.namespace, key)!.set(key.name, stored);
    const before = this.owners.get(this.ownershipKey(key));
    this.owners.set(this.ownershipKey(key), ownership ?? written(object, before && { object: previous, ownership: before }));
    this.emit('MODIFIED', stored);
    if (this.options.simulateControllers) {
      // The simulated controllers roll a changed spec out at once, as they do a new one.
      const settled = settledStatus(stored);
      if (settled !== undefined) return this.setStatus(key, settled);
    }
    return ok(structuredClone(stored));
  }

  /** Writes status as a controller would, through the status subresource. NotFound when absent. */
  setStatus(key: ObjectKey, status: Record<string, unknown>): Result<KubeObject, ClusterFailure> {
    const objects = this.objectsOf(key.namespace, key);
    const previous = objects?.get(key.name);
    if (objects === undefined || previous === undefined) return failure('NotFound', `${describeKey(key)} not found`);
    const stored: KubeObject = {
      ...previous,
      status: structuredClone(status),
      metadata: { ...previous.metadata, resourceVersion: this.nextResourceVersion() },
    };
    objects.set(key.name, stored);
    this.emit('MODIFIED', stored);
    return ok(structuredClone(stored));
  }

  /** A copy of the object, or undefined when absent. */
  get(key: ObjectKey): KubeObject | undefined {
    const object = this.objectsOf(key.namespace, key)?.get(key.name);
    return object === undefined ? undefined : structuredClone(object);
  }

  /** Copies of the objects of one kind in one namespace, by name; all of them without a selector. */
  list(type: string | ObjectType, namespace: string, selector?: LabelSelector): KubeObject[] {
    const objects = [...(this.objectsOf(namespace, typeof type === 'string' ? { kind: type } : type)?.values() ?? [])];
    return objects
      .filter((object) => selector === undefined || matchesSelector(object.metadata.labels ?? {}, selector))
      .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))
      .map((object) => structuredClone(object));
  }

  /** Removes the object and returns its last state; NotFound when absent. */
  delete(key: ObjectKey): Result<KubeObject, ClusterFailure> {
    const objects = this.objectsOf(key.namespace, key);
    const object = objects?.get(key.name);
    if (objects === undefined || object === undefined) return failure('NotFound', `${describeKey(key)} not found`);
    objects.delete(key.name);
    this.owners.delete(this.ownershipKey(key));
    this.emit('DELETED', object);
    return ok(structuredClone(object));
  }

  /**
   * Calls `listener` synchronously after every write, with a copy of the
   * object as stored. Returns the function that stops the calls.
   */
  watch(listener: (event: ClusterEvent) => void): () => void {
    const subscribed = (event: ClusterEvent) => listener(event);
    this.watchers.add(subscribed);
    return () => this.watchers.delete(subscribed);
  }

  /** The kind's objects in the namespace, created on first use; undefined when the namespace does not exist. */
  private objectsOf(namespace: string, type: { readonly apiVersion?: string; readonly kind: string }): Map<string, KubeObject> | undefined {
    const kinds = this.store.get(namespace);
    if (kinds === undefined) return undefined;
    // One object whatever version it is asked for at: kinds are told apart by group.
    const group = type.apiVersion === undefined ? this.kinds.defaultGroup(type.kind) : groupOf(type.apiVersion);
    const storeKey = `${type.kind}.${group}`;
    let objects = kinds.get(storeKey);
    if (objects === undefined) kinds.set(storeKey, (objects = new Map()));
    return objects;
  }

  private ownershipKey(key: ObjectKey): string {
    const group = key.apiVersion === undefined ? this.kinds.defaultGroup(key.kind) : groupOf(key.apiVersion);
    return JSON.stringify([key.namespace, `${key.kind}.${group}`, key.name]);
  }

  /** One counter for every object, like etcd's revision: versions are unique and only go up. */
  private nextResourceVersion(): string {
    this.lastResourceVersion += 1;
    return String(this.lastResourceVersion);
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private emit(type: ClusterEvent['type'], object: KubeObject): void {
    for (const watcher of [...this.watchers]) {
      try {
        watcher({ type, object: structuredClone(object) });
      } catch (error) {
        // A throwing watcher is a bug: make it loud, but never fail the write that already happened.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}

export const keyOf = (object: KubeObject): ObjectKey => ({
  apiVersion: object.apiVersion,
  kind: object.kind,
  namespace: object.metadata.namespace ?? '',
  name: object.metadata.name,
});
