/**
 * A small OSB client for the lifecycle loops: node:http with a keep-alive
 * agent (as a platform would keep its connections), synchronous provisioning
 * (no accepts_incomplete: the loops measure the broker's own work, not the
 * cluster's rollouts, which the rollout scenario measures), and an error for
 * any unexpected status.
 */
import { Agent, request } from 'node:http';
import { CONSUMER_NAMESPACE } from './fixtures.js';

export interface OsbResponse {
  readonly status: number;
  readonly text: string;
}

export class OsbClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private readonly base: URL;

  constructor(url: string, private readonly headers: Readonly<Record<string, string>>) {
    this.base = new URL(url);
  }

  send(method: string, path: string, body?: unknown): Promise<OsbResponse> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const outgoing = request(
        {
          host: this.base.hostname, port: this.base.port, method, path, agent: this.agent,
          headers: { ...this.headers, ...(payload !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          response.on('error', reject);
        },
      );
      outgoing.setTimeout(60_000, () => outgoing.destroy(new Error(`${method} ${path}: no answer within 60 s`)));
      outgoing.on('error', reject);
      outgoing.end(payload);
    });
  }

  /** Sends and checks the status; the error names the request and the broker's description. */
  async expect(status: number, method: string, path: string, body?: unknown): Promise<OsbResponse> {
    const response = await this.send(method, path, body);
    if (response.status !== status) {
      throw new Error(`${method} ${path}: expected ${status}, got ${response.status}: ${response.text.slice(0, 300)}`);
    }
    return response;
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface PlanRef {
  readonly serviceId: string;
  readonly planId: string;
}

/** The service id of each plan id, from the broker's own catalog. */
export async function planRefs(client: OsbClient): Promise<Map<string, PlanRef>> {
  const catalog = JSON.parse((await client.expect(200, 'GET', '/v2/catalog')).text) as { services: { id: string; plans: { id: string }[] }[] };
  const refs = new Map<string, PlanRef>();
  for (const service of catalog.services) for (const plan of service.plans) refs.set(plan.id, { serviceId: service.id, planId: plan.id });
  return refs;
}

const context = (instanceId: string) => ({ platform: 'kubernetes', namespace: CONSUMER_NAMESPACE, clusterid: 'bench', instance_name: `bench-${instanceId.slice(0, 8)}` });
const query = (plan: PlanRef) => `service_id=${encodeURIComponent(plan.serviceId)}&plan_id=${encodeURIComponent(plan.planId)}`;

export const provision = (client: OsbClient, plan: PlanRef, instanceId: string) =>
  client.expect(201, 'PUT', `/v2/service_instances/${instanceId}`, {
    service_id: plan.serviceId, plan_id: plan.planId, context: context(instanceId), parameters: {},
    organization_guid: 'bench-org', space_guid: 'bench-space', // required on provision by the spec
  });

export const bind = (client: OsbClient, plan: PlanRef, instanceId: string, bindingId: string) =>
  client.expect(201, 'PUT', `/v2/service_instances/${instanceId}/service_bindings/${bindingId}`, {
    service_id: plan.serviceId, plan_id: plan.planId, context: context(instanceId), bind_resource: { app_guid: `app-${bindingId.slice(0, 8)}` },
  });

export const unbind = (client: OsbClient, plan: PlanRef, instanceId: string, bindingId: string) =>
  client.expect(200, 'DELETE', `/v2/service_instances/${instanceId}/service_bindings/${bindingId}?${query(plan)}`);

export const deprovision = (client: OsbClient, plan: PlanRef, instanceId: string) =>
  client.expect(200, 'DELETE', `/v2/service_instances/${instanceId}?${query(plan)}`);
