/**
 * The floor under any Kubernetes client: the same creates and deletes as raw
 * HTTPS requests on one keep-alive connection pool. Only a reference point:
 * client-node 1.x builds a new https.Agent for every request (see
 * KubeConfig.applySecurityAuthentication), so each of its requests opens a
 * new TLS connection; this shows what that costs.
 */
import { Agent, request } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../../src/domain/kube-object.js';

const RESOURCE: Readonly<Record<string, string>> = {
  ConfigMap: '/api/v1/namespaces/{ns}/configmaps',
  Secret: '/api/v1/namespaces/{ns}/secrets',
  Service: '/api/v1/namespaces/{ns}/services',
  Deployment: '/apis/apps/v1/namespaces/{ns}/deployments',
};

export class KeepAliveKube {
  private constructor(
    private readonly server: URL,
    private readonly agent: Agent,
    private readonly headers: Record<string, string>,
  ) {}

  static async from(config: KubeConfig): Promise<KeepAliveKube> {
    const cluster = config.getCurrentCluster();
    if (cluster === null) throw new Error('bug: kubeconfig without a cluster');
    const options: { ca?: Buffer; cert?: Buffer; key?: Buffer; headers?: Record<string, string> } = {};
    await config.applyToHTTPSOptions(options);
    const agent = new Agent({ keepAlive: true, maxSockets: 8, ...(options.ca ? { ca: options.ca } : {}), ...(options.cert ? { cert: options.cert } : {}), ...(options.key ? { key: options.key } : {}) });
    return new KeepAliveKube(new URL(cluster.server), agent, { ...(options.headers ?? {}) });
  }

  create(object: KubeObject): Promise<void> {
    return this.send('POST', collection(object), JSON.stringify(object), 201);
  }

  delete(object: KubeObject): Promise<void> {
    return this.send('DELETE', `${collection(object)}/${encodeURIComponent(object.metadata.name)}?propagationPolicy=Background`, undefined, 200);
  }

  close(): void {
    this.agent.destroy();
  }

  private send(method: string, path: string, body: string | undefined, expected: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const outgoing = request(
        {
          host: this.server.hostname, port: this.server.port, method, path, agent: this.agent,
          headers: { ...this.headers, Accept: 'application/json', ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
        },
        (response) => {
          response.resume();
          response.on('end', () =>
            response.statusCode === expected ? resolve() : reject(new Error(`${method} ${path}: HTTP ${response.statusCode}`)),
          );
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }
}

function collection(object: KubeObject): string {
  const template = RESOURCE[object.kind];
  if (template === undefined) throw new Error(`bug: no path for ${object.kind}`);
  return template.replace('{ns}', encodeURIComponent(object.metadata.namespace ?? ''));
}
