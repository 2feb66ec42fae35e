/**
 * What the API server does to an object as it stores it, beyond validation:
 * Secret `stringData` folded into base64 `data`, the spec defaults clients
 * read back (workload replicas, Service type and port protocol/targetPort),
 * status left to controllers, and the metadata only the server sets.
 */
import { isBuiltInGroup } from '../../domain/built-in-kinds.js';
import type { KubeObject } from '../../domain/kube-object.js';

/** Kinds whose status belongs to a controller (the status subresource): a client's status is dropped. */
const STATUS_OWNED_BY_CONTROLLERS = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'Pod', 'Service', 'PersistentVolumeClaim']);
/** Kinds with spec.replicas, defaulted to 1. */
const WORKLOADS = new Set(['Deployment', 'ReplicaSet', 'StatefulSet']);
/** Kinds whose metadata.generation the server counts (custom resources too). */
const GENERATIONS = new Set([...WORKLOADS, 'DaemonSet', 'Job']);
const countsGenerations = (object: KubeObject): boolean => GENERATIONS.has(object.kind) || !isBuiltInGroup(object.apiVersion);

const INITIAL_STATUS: Readonly<Record<string, Record<string, unknown>>> = {
  Pod: { phase: 'Pending' },
  Service: { loadBalancer: {} },
  Deployment: {},
  ReplicaSet: { replicas: 0 },
  StatefulSet: { replicas: 0, availableReplicas: 0 },
  DaemonSet: {},
  Job: {},
  PersistentVolumeClaim: { phase: 'Pending' },
};

/** Like the API server: `stringData` is write-only convenience, merged over `data` as base64. */
function foldStringData(object: KubeObject): KubeObject {
  if (object.kind !== 'Secret') return object;
  const { stringData, ...rest } = object;
  const encoded = Object.entries((stringData ?? {}) as Record<string, string>).map(([key, value]) => [key, Buffer.from(value, 'utf8').toString('base64')]);
  const data = Object.fromEntries([...Object.entries((object['data'] ?? {}) as Record<string, string>), ...encoded]);
  return { ...rest, type: object['type'] ?? 'Opaque', data };
}

type Fields = Record<string, unknown>;
const isRecord = (value: unknown): value is Fields => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The defaults a real server fills in (checked against kube-apiserver 1.36); absent fields only. */
function withSpecDefaults(object: KubeObject): KubeObject {
  const spec = object['spec'];
  if (!isRecord(spec)) return object;
  if (WORKLOADS.has(object.kind)) return { ...object, spec: { replicas: 1, ...spec } };
  if (object.kind !== 'Service') return object;
  const ports = Array.isArray(spec['ports'])
    ? spec['ports'].map((port: unknown) => (isRecord(port) ? { protocol: 'TCP', ...(port['port'] !== undefined ? { targetPort: port['port'] } : {}), ...port } : port))
    : spec['ports'];
  return { ...object, spec: { type: 'ClusterIP', ...spec, ...(ports !== undefined ? { ports } : {}) } };
}

export interface ServerFacts {
  readonly uid: string;
  readonly resourceVersion: string;
  readonly now: Date;
}

/** Kubernetes timestamps are RFC 3339 in whole seconds. */
const timestamp = (date: Date): string => `${date.toISOString().slice(0, 19)}Z`;

export function storedOnCreate(object: KubeObject, facts: ServerFacts): KubeObject {
  const folded = withSpecDefaults(foldStringData(object));
  const { status, ...rest } = folded;
  const initial = INITIAL_STATUS[object.kind];
  return {
    ...rest,
    ...(STATUS_OWNED_BY_CONTROLLERS.has(object.kind) ? (initial ? { status: initial } : {}) : status !== undefined ? { status } : {}),
    metadata: {
      ...folded.metadata,
      uid: facts.uid,
      resourceVersion: facts.resourceVersion,
      creationTimestamp: timestamp(facts.now),
      ...(countsGenerations(object) ? { generation: 1 } : {}),
    },
  };
}

/** What metadata.generation counts: changes to anything but metadata and status. */
const specOf = ({ metadata: _metadata, status: _status, ...content }: KubeObject): string => JSON.stringify(content);

/** An update keeps what the server owns (identity, creation time, controller status) and bumps the version; the generation only when the spec changed. */
export function storedOnReplace(previous: KubeObject, object: KubeObject, resourceVersion: string): KubeObject {
  const folded = withSpecDefaults(foldStringData(object));
  const { status, ...rest } = folded;
  const keepStatus = STATUS_OWNED_BY_CONTROLLERS.has(object.kind) ? previous['status'] : status;
  const generation = typeof previous.metadata['generation'] === 'number' ? previous.metadata['generation'] : undefined;
  const nextGeneration = generation === undefined || specOf(folded) === specOf(previous) ? generation : generation + 1;
  return {
    ...rest,
    ...(keepStatus !== undefined ? { status: keepStatus } : {}),
    metadata: {
      ...folded.metadata,
      uid: previous.metadata['uid'],
      creationTimestamp: previous.metadata['creationTimestamp'],
      resourceVersion,
      ...(nextGeneration !== undefined ? { generation: nextGeneration } : {}),
    },
  };
}
