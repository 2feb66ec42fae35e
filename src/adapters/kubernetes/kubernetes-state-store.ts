/**
 * The StateStore in the cluster itself: what `mesitis serve` runs with, so a
 * restart or a second replica loses nothing and no other service is needed.
 *
 * Records are ConfigMaps in the broker namespace, one per instance and one
 * per binding, the encoded record under the key `record` (see
 * kubernetes-state-store-names.ts for names and labels). ConfigMaps rather
 * than a custom resource: a CRD is cluster-scoped and would need a cluster
 * admin to install, where the broker asks for nothing outside its
 * namespaces; rather than Secrets: records hold no credentials (the codec
 * strips anything it does not know), and write access to Secrets in the
 * broker namespace would reach the credentials the broker reads there.
 *
 * Compare-and-set is the apiserver's own: a replace carrying the
 * resourceVersion read answers 409 when the object has moved on, a delete
 * takes it as a precondition, a create answers 409 when the name exists.
 * The revision is the resourceVersion, which etcd never hands out twice, so
 * a deleted and re-created record never repeats one. Locks are Leases
 * (kubernetes-state-store-locks.ts).
 */
import type { CoordinationV1Api, CoreV1Api, V1ConfigMap } from '@kubernetes/client-node';
import type { Logger } from '../../application/ports/logger.js';
import type { Lock, Revision, StateStore, Stored } from '../../application/ports/state-store.js';
import { domainError } from '../../domain/errors.js';
import type { BindingRecord, InstanceRecord } from '../../domain/records.js';
import { all, err, ok, type Result } from '../../domain/result.js';
import * as codec from '../state/record-codec.js';
import { alreadyExists, changedSinceRead } from '../state/store-errors.js';
import type { ApiAction } from './api-errors.js';
import { attempt, storeFailure } from './kubernetes-state-store-calls.js';
import { LeaseLocks } from './kubernetes-state-store-locks.js';
import { RECORD_KEY, StateNames, type RecordKind } from './kubernetes-state-store-names.js';

export interface KubernetesStateStoreOptions {
  /** Labels and scopes every record and lock; default the namespace. Two brokers sharing a namespace must differ. */
  readonly installation?: string;
  /** Milliseconds since the epoch; lock expiry is judged against it. */
  readonly now?: () => number;
}

// Large enough that a list is one request for most installations, small enough to bound one answer.
const PAGE_SIZE = 500;
const PING_NAME = 'mesitis-state-ping';

type RecordRead = { readonly text: string; readonly revision: Revision } | undefined;

export class KubernetesStateStore implements StateStore {
  private readonly core: CoreV1Api;
  private readonly names: StateNames;
  private readonly locks: LeaseLocks;

  constructor(
    apis: { readonly core: CoreV1Api; readonly coordination: CoordinationV1Api },
    private readonly namespace: string,
    private readonly logger: Logger,
    options: KubernetesStateStoreOptions = {},
  ) {
    this.core = apis.core;
    this.names = new StateNames(options.installation ?? namespace);
    this.locks = new LeaseLocks(apis.coordination, namespace, this.names, logger, options.now ?? Date.now);
  }

  async getInstance(id: string): Promise<Result<Stored<InstanceRecord> | undefined>> {
    const label = codec.instanceLabel(id);
    const read = await this.readRecord(this.names.instance(id), label);
    if (!read.ok || read.value === undefined) return read.ok ? ok(undefined) : read;
    const decoded = this.decodeInstance(read.value.text, id);
    return decoded.ok ? ok({ record: decoded.value, revision: read.value.revision }) : decoded;
  }

  async createInstance(record: InstanceRecord): Promise<Result<Revision>> {
    const label = codec.instanceLabel(record.id);
    const body = this.configMap('instance', record.id, this.names.instance(record.id), codec.encodeInstance(record));
    const created = await attempt(() => this.core.createNamespacedConfigMap({ namespace: this.namespace, body }));
    if (created.ok) return this.revisionOf(created.value, label);
    return err(created.status === 409 ? alreadyExists(label) : this.failed(created.error, 'create', label));
  }

  async updateInstance(record: InstanceRecord, expected: Revision): Promise<Result<Revision>> {
    const label = codec.instanceLabel(record.id);
    if (!isResourceVersion(expected)) return err(changedSinceRead(label));
    const name = this.names.instance(record.id);
    const body = this.configMap('instance', record.id, name, codec.encodeInstance(record), expected);
    const replaced = await attempt(() => this.core.replaceNamespacedConfigMap({ namespace: this.namespace, name, body }));
    if (replaced.ok) return this.revisionOf(replaced.value, label);
    // 409: moved on since `expected`; 404: absent.
    if (replaced.status === 409 || replaced.status === 404) return err(changedSinceRead(label));
    return err(this.failed(replaced.error, 'update', label));
  }

  async deleteInstance(id: string, expected: Revision): Promise<Result<void>> {
    const label = codec.instanceLabel(id);
    const name = this.names.instance(id);
    const body = { preconditions: { resourceVersion: expected } };
    const deleted = await attempt(() => this.core.deleteNamespacedConfigMap({ namespace: this.namespace, name, body }));
    if (deleted.ok || deleted.status === 404) return ok(undefined);
    if (deleted.status === 409) return err(changedSinceRead(label));
    return err(this.failed(deleted.error, 'delete', label));
  }

  async listInstances(): Promise<Result<InstanceRecord[]>> {
    const listed = await this.list(this.names.selector('instance'), 'instance records');
    if (!listed.ok) return listed;
    return all(listed.value.map((item) => {
      const decoded = codec.decodeInstance(item.data?.[RECORD_KEY] ?? '', `instance record ${item.metadata?.name ?? '(unnamed)'}`);
      // Listed under a name its id does not hash to: copied or edited by hand, not ours to trust.
      if (decoded.ok && this.names.instance(decoded.value.id) !== item.metadata?.name) return err(corrupt(codec.instanceLabel(decoded.value.id), 'id'));
      return decoded;
    }));
  }

  async getBinding(instanceId: string, bindingId: string): Promise<Result<BindingRecord | undefined>> {
    const label = codec.bindingLabel(instanceId, bindingId);
    const read = await this.readRecord(this.names.binding(instanceId, bindingId), label);
    if (!read.ok || read.value === undefined) return read.ok ? ok(undefined) : read;
    return this.decodeBinding(read.value.text, instanceId, bindingId);
  }

  async createBinding(record: BindingRecord): Promise<Result<void>> {
    const label = codec.bindingLabel(record.instanceId, record.id);
    const body = this.configMap('binding', record.instanceId, this.names.binding(record.instanceId, record.id), codec.encodeBinding(record));
    const created = await attempt(() => this.core.createNamespacedConfigMap({ namespace: this.namespace, body }));
    if (created.ok) return ok(undefined);
    return err(created.status === 409 ? alreadyExists(label) : this.failed(created.error, 'create', label));
  }

  async putBinding(record: BindingRecord): Promise<Result<void>> {
    const label = codec.bindingLabel(record.instanceId, record.id);
    const name = this.names.binding(record.instanceId, record.id);
    const body = this.configMap('binding', record.instanceId, name, codec.encodeBinding(record));
    // No resourceVersion: unconditional, as the instance lock already orders binding writes. A create
    // that finds the record there after all (another put made it meanwhile) replaces it once more,
    // as the other stores simply write over it.
    for (let round = 0; round < 2; round++) {
      const replaced = await attempt(() => this.core.replaceNamespacedConfigMap({ namespace: this.namespace, name, body }));
      if (replaced.ok) return ok(undefined);
      if (replaced.status !== 404) return err(this.failed(replaced.error, 'update', label));
      const created = await attempt(() => this.core.createNamespacedConfigMap({ namespace: this.namespace, body }));
      if (created.ok) return ok(undefined);
      if (created.status !== 409) return err(this.failed(created.error, 'create', label));
    }
    return err(changedSinceRead(label));
  }

  async deleteBinding(instanceId: string, bindingId: string): Promise<Result<void>> {
    const label = codec.bindingLabel(instanceId, bindingId);
    const name = this.names.binding(instanceId, bindingId);
    const deleted = await attempt(() => this.core.deleteNamespacedConfigMap({ namespace: this.namespace, name }));
    return deleted.ok || deleted.status === 404 ? ok(undefined) : err(this.failed(deleted.error, 'delete', label));
  }

  async listBindings(instanceId: string): Promise<Result<BindingRecord[]>> {
    const listed = await this.list(this.names.selector('binding', instanceId), `binding records of instance ${instanceId}`);
    if (!listed.ok) return listed;
    return all(listed.value.map((item) => {
      const decoded = codec.decodeBinding(item.data?.[RECORD_KEY] ?? '', `binding record ${item.metadata?.name ?? '(unnamed)'} of instance ${instanceId}`);
      if (!decoded.ok) return decoded;
      const { id, instanceId: owner } = decoded.value;
      const genuine = owner === instanceId && this.names.binding(instanceId, id) === item.metadata?.name;
      return genuine ? decoded : err(corrupt(codec.bindingLabel(instanceId, id), 'instanceId'));
    }));
  }

  acquireLock(instanceId: string, ttlMs: number): Promise<Result<Lock | undefined>> {
    return this.locks.acquire(instanceId, ttlMs);
  }

  renewLock(lock: Lock, ttlMs: number): Promise<Result<boolean>> {
    return this.locks.renew(lock, ttlMs);
  }

  releaseLock(lock: Lock): Promise<Result<void>> {
    return this.locks.release(lock);
  }

  /** One GET of a ConfigMap that never exists: a 404 proves the apiserver and the broker's rights answer. */
  async ping(): Promise<Result<void>> {
    const read = await attempt(() => this.core.readNamespacedConfigMap({ namespace: this.namespace, name: PING_NAME }));
    return read.ok || read.status === 404 ? ok(undefined) : err(this.failed(read.error, 'read', `ConfigMap "${this.namespace}/${PING_NAME}"`));
  }

  async close(): Promise<void> {
    // The API clients are shared with the other Kubernetes adapters and hold nothing of the store's.
  }

  private async readRecord(name: string, label: string): Promise<Result<RecordRead>> {
    const read = await attempt(() => this.core.readNamespacedConfigMap({ namespace: this.namespace, name }));
    if (!read.ok) return read.status === 404 ? ok(undefined) : err(this.failed(read.error, 'read', label));
    const text = read.value.data?.[RECORD_KEY];
    if (typeof text !== 'string') return err(corrupt(label, RECORD_KEY));
    const revision = this.revisionOf(read.value, label);
    return revision.ok ? ok({ text, revision: revision.value }) : revision;
  }

  /** Every object the selector matches, page by page. */
  private async list(labelSelector: string, what: string): Promise<Result<V1ConfigMap[]>> {
    const items: V1ConfigMap[] = [];
    let token: string | undefined;
    do {
      const page = await attempt(() => this.core.listNamespacedConfigMap({ namespace: this.namespace, labelSelector, limit: PAGE_SIZE, ...(token ? { _continue: token } : {}) }));
      if (!page.ok) return err(this.failed(page.error, 'list', what));
      items.push(...page.value.items);
      token = page.value.metadata?._continue;
    } while (token);
    return ok(items);
  }

  private decodeInstance(text: string, id: string): Result<InstanceRecord> {
    const label = codec.instanceLabel(id);
    const decoded = codec.decodeInstance(text, label);
    return decoded.ok && decoded.value.id !== id ? err(corrupt(label, 'id')) : decoded;
  }

  /** The binding record, checked to be the one asked for (the name is only a hash of the ids). */
  private decodeBinding(text: string, instanceId: string, bindingId: string): Result<BindingRecord> {
    const label = codec.bindingLabel(instanceId, bindingId);
    const decoded = codec.decodeBinding(text, label);
    if (!decoded.ok) return decoded;
    if (decoded.value.instanceId !== instanceId) return err(corrupt(label, 'instanceId'));
    return decoded.value.id === bindingId ? decoded : err(corrupt(label, 'id'));
  }

  private configMap(kind: RecordKind, instanceId: string, name: string, text: string, resourceVersion?: string): V1ConfigMap {
    return {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: this.namespace, labels: this.names.recordLabels(kind, instanceId), ...(resourceVersion !== undefined ? { resourceVersion } : {}) },
      data: { [RECORD_KEY]: text },
    };
  }

  private revisionOf(object: V1ConfigMap, label: string): Result<Revision> {
    const revision = object.metadata?.resourceVersion;
    return typeof revision === 'string' && revision !== '' ? ok(revision) : err(corrupt(label, 'resourceVersion'));
  }

  private failed(error: unknown, verb: ApiAction['verb'], what: string) {
    return storeFailure(error, { verb, what, namespace: this.namespace }, this.logger);
  }
}

/**
 * Whether `revision` can be one this store gave out. A replace without a
 * resourceVersion is unconditional, and one etcd cannot parse is a 500, so
 * anything but etcd's decimal revision is refused here, before a request.
 */
const isResourceVersion = (revision: string): boolean => /^[0-9]{1,20}$/.test(revision);

const corrupt = (label: string, field: string) => domainError('Infrastructure', `stored record for ${label} is corrupt at field ${field}`);
