/**
 * Where a consumer finds its instance: derived from the provisioner, never
 * stored, so it is always what the configuration says now.
 */
import type { CatalogEntry } from './catalog-entry.js';
import type { DomainError } from './errors.js';
import type { KubeObject } from './kube-object.js';
import { ok, type Result } from './result.js';
import { substitute, type InstanceFacts } from './template-variables.js';

export interface Coordinates {
  readonly host?: string;
  readonly port?: number;
  readonly uri?: string;
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

function fromUrl(url: string): Coordinates {
  // URL is a language global, not an import: the domain stays dependency-free.
  const parsed = new URL(url);
  const port = parsed.port !== '' ? Number(parsed.port) : DEFAULT_PORTS[parsed.protocol];
  return { uri: url, host: parsed.hostname, ...(port !== undefined ? { port } : {}) };
}

/** The first port of the planned Service the consumer connects to, if the plan has one. */
function servicePort(plan: readonly KubeObject[], name: string): number | undefined {
  const service = plan.find((o) => o.kind === 'Service' && o.metadata.name === name);
  const ports = (service?.['spec'] as { ports?: { port?: unknown }[] } | undefined)?.ports;
  const port = ports?.[0]?.port;
  return typeof port === 'number' ? port : undefined;
}

/** No `uri` in cluster: the protocol is the service's business, and host:port without a scheme is no URI. */
function inCluster(name: string, namespace: string, port: number | undefined): Coordinates {
  const host = `${name}.${namespace}.svc.cluster.local`;
  return port === undefined ? { host } : { host, port };
}

export function coordinatesOf(entry: CatalogEntry, facts: InstanceFacts, plan: readonly KubeObject[]): Result<Coordinates, DomainError> {
  const p = entry.provisioner;
  switch (p.kind) {
    case 'NonClusterURL':
      return ok(fromUrl(p.url));
    case 'ExistingClusterService':
      return ok(inCluster(p.name, p.namespace, p.port));
    case 'NewClusterObjects': {
      const name = substitute(p.name, facts);
      if (!name.ok) return name;
      return ok(inCluster(name.value, p.namespace, p.port ?? servicePort(plan, name.value)));
    }
    case 'HelmChart': {
      // `facts` carry the release name (helm-plan.ts releaseFacts): the Service is the release's unless the entry names another.
      const name = substitute(p.name ?? '{{ release.name }}', facts);
      if (!name.ok) return name;
      return ok(inCluster(name.value, p.namespace, p.port));
    }
  }
}
