import { connect } from 'node:net';
import { expect } from 'chai';
import { deriveServiceId } from '../../src/domain/catalog-entry.js';
import { startBrokerProcess } from '../support/broker-process.js';
import { startMemoryBroker } from '../support/memory-broker.js';
import { osb } from '../support/osb-client.js';
import { kubernetesContext, NS, PLAN, platformGuids, providerFixture } from '../support/provider-fixture.js';

describe('graceful shutdown', () => {
  it('lets a request in flight finish, then refuses new connections', async () => {
    const broker = await startMemoryBroker({ objects: providerFixture() });
    const body = JSON.stringify({ service_id: deriveServiceId('web', 'time-api'), plan_id: PLAN.url, ...platformGuids(NS.client), context: kubernetesContext(NS.client) });
    const { port } = new URL(broker.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let response = '';
    socket.on('data', (chunk) => { response += String(chunk); });
    const ended = new Promise((resolve) => socket.once('end', resolve));
    // Half a request is on the wire when the stop begins.
    socket.write(`PUT /v2/service_instances/late-1 HTTP/1.1\r\nHost: x\r\nX-Broker-API-Version: 2.17\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stopped = broker.stop();
    socket.write(body.slice(10));
    await ended;
    await stopped;
    expect(response).to.match(/^HTTP\/1.1 201/);
    expect((await broker.store.getInstance('late-1')).ok).to.equal(true);
    let refused = false;
    try { await osb(broker.url, 'GET', '/v2/catalog'); } catch { refused = true; }
    expect(refused).to.equal(true);
  });

  it('exits 0 on SIGTERM and says it stopped', async function () {
    this.timeout(60_000);
    const broker = await startBrokerProcess(['dev']);
    const code = await broker.stop();
    expect(code).to.equal(0);
    expect(broker.output()).to.contain('"msg":"stopped"');
  });
});
