/**
 * GET /metrics on the real Koa app: Prometheus text, open like the probes
 * (in-cluster scrapers carry no credentials), with OSB requests counted by
 * route name and status code, operation durations, the reconciler and the
 * catalog; and never an instance id, operation id, namespace or path.
 */
import { expect } from 'chai';
import { deriveServiceId } from '../../src/domain/catalog-entry.js';
import { startMemoryBroker, type MemoryBroker } from '../support/memory-broker.js';
import { osb } from '../support/osb-client.js';
import { kubernetesContext, NS, PLAN, providerFixture } from '../support/provider-fixture.js';

const AUTH = { username: 'platform', password: 'metrics-test-password' };
const URL_INSTANCE = 'metrics-url-instance-4f1c';
const ASYNC_INSTANCE = 'metrics-async-instance-9b2e';
const body = (serviceId: string, planId: string) => ({
  service_id: serviceId, plan_id: planId, organization_guid: 'cluster-1', space_guid: NS.client,
  context: kubernetesContext(NS.client, 'metrics-instance-name'),
});
const urlBody = body(deriveServiceId('web', 'time-api'), PLAN.url);
const dedicatedBody = body(deriveServiceId('api', 'api-service'), PLAN.dedicated);

interface Sample { readonly name: string; readonly labels: Record<string, string>; readonly value: number }

/** The samples of a Prometheus text exposition. */
function samples(text: string): Sample[] {
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).map((line) => {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    return { name: match[1]!, labels, value: Number(match[3]) };
  });
}

/** The value of the one sample with exactly these labels; undefined when there is none. */
function value(all: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = all.filter((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === JSON.stringify(Object.entries(labels).sort()));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

async function until(probe: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition not reached');
}

describe('GET /metrics', () => {
  let broker: MemoryBroker;
  beforeEach(async () => { broker = await startMemoryBroker({ objects: providerFixture(), auth: AUTH }); });
  afterEach(async () => { await broker.stop(); });

  const scrape = async () => {
    const response = await fetch(`${broker.url}/metrics`); // no credentials, no version header: a Prometheus scrape
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    return { text, all: samples(text) };
  };

  it('counts OSB requests by operation and status code, times them, and names no instance, namespace or path', async () => {
    expect((await osb(broker.url, 'GET', '/v2/catalog', { auth: AUTH })).status).to.equal(200);
    expect((await osb(broker.url, 'GET', `/namespaces/${NS.client}/v2/catalog`, { auth: AUTH })).status).to.equal(200);
    expect((await osb(broker.url, 'PUT', `/v2/service_instances/${URL_INSTANCE}`, { auth: AUTH, body: urlBody })).status).to.equal(201);
    expect((await osb(broker.url, 'PUT', `/v2/service_instances/${URL_INSTANCE}`, { auth: AUTH, body: urlBody })).status).to.equal(200);
    expect((await osb(broker.url, 'GET', `/v2/service_instances/${URL_INSTANCE}`)).status).to.equal(401);
    expect((await osb(broker.url, 'GET', '/v2/catalog', { auth: AUTH, version: null })).status).to.equal(412);
    expect((await osb(broker.url, 'GET', '/healthz')).status).to.equal(200);

    const { text, all } = await scrape();
    expect(value(all, 'mesitis_osb_requests_total', { operation: 'catalog', code: '200' })).to.equal(2);
    expect(value(all, 'mesitis_osb_requests_total', { operation: 'provision', code: '201' })).to.equal(1);
    expect(value(all, 'mesitis_osb_requests_total', { operation: 'provision', code: '200' })).to.equal(1);
    // Refused before a route named the operation: counted, under "unknown".
    expect(value(all, 'mesitis_osb_requests_total', { operation: 'unknown', code: '401' })).to.equal(1);
    expect(value(all, 'mesitis_osb_requests_total', { operation: 'unknown', code: '412' })).to.equal(1);
    expect(value(all, 'mesitis_osb_request_duration_seconds_count', { operation: 'catalog' })).to.equal(2);
    expect(value(all, 'mesitis_osb_request_duration_seconds_bucket', { operation: 'provision', le: '+Inf' })).to.equal(2);
    // Probes and the scrape itself are not OSB requests.
    const operations = new Set(all.filter((s) => s.name === 'mesitis_osb_requests_total').map((s) => s.labels['operation']));
    expect([...operations].sort()).to.deep.equal(['catalog', 'provision', 'unknown']);

    for (const leak of [URL_INSTANCE, NS.client, NS.target, 'metrics-instance-name', 'service_instances', '/v2', AUTH.password]) {
      expect(text, `/metrics mentions ${leak}`).not.to.include(leak);
    }
  });

  it('times asynchronous operations from accepted to finished, and counts none running afterwards', async () => {
    const accepted = await osb(broker.url, 'PUT', `/v2/service_instances/${ASYNC_INSTANCE}?accepts_incomplete=true`, { auth: AUTH, body: dedicatedBody });
    expect(accepted.status).to.equal(202);
    const poll = (operation: string) => osb(broker.url, 'GET', `/v2/service_instances/${ASYNC_INSTANCE}/last_operation?operation=${encodeURIComponent(operation)}`, { auth: AUTH });
    await until(async () => (await poll(accepted.body.operation)).body.state === 'succeeded');
    const removing = await osb(broker.url, 'DELETE', `/v2/service_instances/${ASYNC_INSTANCE}?accepts_incomplete=true&service_id=${dedicatedBody.service_id}&plan_id=${PLAN.dedicated}`, { auth: AUTH });
    expect(removing.status).to.equal(202);
    await until(async () => (await poll(removing.body.operation)).status === 410);

    const { text, all } = await scrape();
    expect(value(all, 'mesitis_operation_duration_seconds_count', { type: 'provision', outcome: 'succeeded' })).to.equal(1);
    expect(value(all, 'mesitis_operation_duration_seconds_count', { type: 'deprovision', outcome: 'succeeded' })).to.equal(1);
    expect(value(all, 'mesitis_operation_duration_seconds_count', { type: 'provision', outcome: 'failed' })).to.equal(0);
    expect(value(all, 'mesitis_operations_running')).to.equal(0);
    expect(value(all, 'mesitis_osb_requests_total', { operation: 'last-operation', code: '410' })).to.equal(1);
    for (const leak of [ASYNC_INSTANCE, accepted.body.operation as string, removing.body.operation as string]) {
      expect(text, `/metrics mentions ${leak}`).not.to.include(leak);
    }
  });

  it('reports reconciler passes, catalog problems and the process', async () => {
    let { all } = await scrape();
    expect(value(all, 'mesitis_reconcile_passes_total', { outcome: 'ok' })).to.be.at.least(1); // the pass at start-up
    expect(value(all, 'mesitis_reconcile_passes_total', { outcome: 'error' })).to.equal(0);
    expect(value(all, 'mesitis_reconcile_last_pass_operations', { state: 'pending' })).to.equal(0);
    expect(value(all, 'mesitis_operations_resumed_total')).to.equal(0);
    expect(value(all, 'mesitis_catalog_problems')).to.equal(0);
    expect(value(all, 'process_cpu_user_seconds_total')).to.be.a('number');
    expect(value(all, 'nodejs_heap_size_used_bytes')).to.be.greaterThan(0);

    const entry = broker.cluster.get({ kind: 'ConfigMap', namespace: NS.provider, name: 'entry-url' })!;
    broker.cluster.replace({ ...entry, data: { 'wrapped-resource': '{ "team": "web", broken' } });
    ({ all } = await scrape());
    expect(value(all, 'mesitis_catalog_problems')).to.equal(1);
  });
});
