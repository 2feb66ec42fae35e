/**
 * The checks the real API server makes that a provider's templates can
 * actually trip: names, labels, data keys, workload selectors, containers,
 * Service ports. Not the whole of Kubernetes validation: enough that what the
 * fake cluster accepts in `mesitis dev`, a real cluster accepts too.
 */
import type { KubeObject } from '../../domain/kube-object.js';
import { isDnsLabel, isLabelValue, isQualifiedName, isValidObjectName, nameRule } from '../../domain/kubernetes-names.js';

export { isDnsLabel };

const DATA_KEY = /^[-._a-zA-Z0-9]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

type Fields = Record<string, unknown>;
const asRecord = (value: unknown): Fields | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Fields) : undefined;

function stringMap(value: unknown, field: string, checkKey: (key: string) => boolean, checkValue: (value: string) => boolean): string[] {
  if (value === undefined) return [];
  const map = asRecord(value);
  if (!map) return [`${field}: must be a mapping`];
  return Object.entries(map).flatMap(([key, item]) => [
    ...(checkKey(key) ? [] : [`${field}: invalid key "${key}"`]),
    ...(typeof item === 'string' && checkValue(item) ? [] : [`${field}.${key}: invalid value`]),
  ]);
}

function metadataProblems(object: KubeObject): string[] {
  const { name, labels, annotations } = object.metadata;
  // Service names are RFC 1035 labels. Kubernetes 1.34+ also accepts a leading digit, older
  // clusters do not: the stricter rule keeps a name like "{{ instance.shortId }}"
  // (hex, sometimes starting with a digit) from working in dev and failing on a real cluster.
  return [
    ...(isValidObjectName(object.kind, name) ? [] : [`metadata.name: "${name}" is not a valid ${object.kind} name (${nameRule(object.kind)})`]),
    ...stringMap(labels, 'metadata.labels', isQualifiedName, isLabelValue),
    ...stringMap(annotations, 'metadata.annotations', isQualifiedName, () => true),
  ];
}

function podSpecProblems(spec: unknown, field: string): string[] {
  const containers = asRecord(spec)?.['containers'];
  if (!Array.isArray(containers) || containers.length === 0) return [`${field}.containers: Required value`];
  return containers.flatMap((container, i) => {
    const c = asRecord(container) ?? {};
    return [
      ...(typeof c['name'] === 'string' && isDnsLabel(c['name']) ? [] : [`${field}.containers[${i}].name: must be a DNS label`]),
      ...(typeof c['image'] === 'string' && c['image'] !== '' ? [] : [`${field}.containers[${i}].image: Required value`]),
    ];
  });
}

/** apps/v1 requires a selector, and the pod template must carry the labels it selects. */
function workloadProblems(object: KubeObject): string[] {
  const spec = asRecord(object['spec']) ?? {};
  const selector = asRecord(spec['selector']);
  const matchLabels = asRecord(selector?.['matchLabels']) ?? {};
  const matchExpressions = selector?.['matchExpressions'];
  const template = asRecord(spec['template']);
  const templateLabels = asRecord(asRecord(template?.['metadata'])?.['labels']) ?? {};
  const selects = Object.keys(matchLabels).length > 0 || (Array.isArray(matchExpressions) && matchExpressions.length > 0);
  return [
    ...(selects ? [] : ['spec.selector: Required value']),
    ...(Object.entries(matchLabels).every(([key, value]) => templateLabels[key] === value)
      ? [] : ['spec.template.metadata.labels: `selector` does not match template `labels`']),
    ...podSpecProblems(template?.['spec'], 'spec.template.spec'),
  ];
}

/** batch/v1 refuses a Pod template that restarts forever: a Job's Pods must end. */
function jobProblems(object: KubeObject): string[] {
  const template = asRecord(asRecord(object['spec'])?.['template']);
  const podSpec = asRecord(template?.['spec']);
  const restart = podSpec?.['restartPolicy'];
  return [
    ...podSpecProblems(podSpec, 'spec.template.spec'),
    ...(restart === 'Never' || restart === 'OnFailure' ? [] : [`spec.template.spec.restartPolicy: Unsupported value: "${String(restart ?? 'Always')}"`]),
  ];
}

function claimProblems(object: KubeObject): string[] {
  const spec = asRecord(object['spec']) ?? {};
  const modes = spec['accessModes'];
  const storage = asRecord(asRecord(spec['resources'])?.['requests'])?.['storage'];
  return [
    ...(Array.isArray(modes) && modes.length > 0 ? [] : ['spec.accessModes: Required value']),
    ...(typeof storage === 'string' || typeof storage === 'number' ? [] : ['spec.resources[storage]: Required value']),
  ];
}

function serviceProblems(object: KubeObject): string[] {
  const spec = asRecord(object['spec']) ?? {};
  const ports = spec['ports'];
  if (spec['clusterIP'] === 'None' && ports === undefined) return [];
  if (!Array.isArray(ports) || ports.length === 0) return ['spec.ports: Required value'];
  return ports.flatMap((p, i) => {
    const number = asRecord(p)?.['port'];
    return typeof number === 'number' && Number.isInteger(number) && number >= 1 && number <= 65535 ? [] : [`spec.ports[${i}].port: must be between 1 and 65535`];
  });
}

function kindProblems(object: KubeObject): string[] {
  switch (object.kind) {
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'DaemonSet':
      return workloadProblems(object);
    case 'Job':
      return jobProblems(object);
    case 'PersistentVolumeClaim':
      return claimProblems(object);
    case 'Pod':
      return podSpecProblems(object['spec'], 'spec');
    case 'Service':
      return serviceProblems(object);
    case 'ConfigMap':
      return stringMap(object['data'], 'data', (key) => DATA_KEY.test(key), () => true);
    case 'Secret':
      return [
        ...stringMap(object['data'], 'data', (key) => DATA_KEY.test(key), (value) => BASE64.test(value)),
        ...stringMap(object['stringData'], 'stringData', (key) => DATA_KEY.test(key), () => true),
      ];
    default:
      return [];
  }
}

/** Every reason the API server would refuse the object as Invalid (422); empty when it would store it. */
export function validationProblems(object: KubeObject): string[] {
  return [...metadataProblems(object), ...kindProblems(object)];
}
