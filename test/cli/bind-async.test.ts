/**
 * `mesitis bind` and `unbind` when the broker answers 202 (asynchronous
 * bindings): they send accepts_incomplete=true, wait with a progress line
 * per poll of the binding's last_operation, and a bind then fetches the
 * binding for its credentials. Against the in-process broker (a binding
 * whose Job the test completes) and a stub for answers a broker gives only
 * under load (an unbind still terminating, a bind that never finishes).
 */
import { expect } from 'chai';
import { runBind } from '../../src/adapters/cli/bind-command.js';
import { runUnbind } from '../../src/adapters/cli/unbind-command.js';
import type { Clock } from '../../src/adapters/cli/wait-for-operation.js';
import { completeJob, jobUsersBody, jobUsersOffering } from '../support/async-binding-fixture.js';
import { startMemoryBroker, type MemoryBroker } from '../support/memory-broker.js';
import { osb } from '../support/osb-client.js';
import { providerFixture } from '../support/provider-fixture.js';
import { run } from './cli-harness.js';
import { startStubBroker, type StubAnswer, type StubBroker, type StubRequest } from './stub-broker.js';

const IDS = { service_id: 'svc-1', plan_id: 'plan-1' };

/** A clock that moves only when the waiter sleeps. */
const fakeClock = (): Clock => {
  let now = 0;
  return { now: () => now, sleep: async (ms) => { now += ms; } };
};

describe('mesitis bind and unbind, asynchronous', () => {
  describe('against the broker', () => {
    let broker: MemoryBroker;
    beforeEach(async () => {
      broker = await startMemoryBroker({ objects: [...providerFixture(), ...jobUsersOffering()], simulateControllers: false });
      expect((await osb(broker.url, 'PUT', '/v2/service_instances/i-jobs', { body: jobUsersBody() })).status).to.equal(201);
    });
    afterEach(async () => { await broker.stop(); });

    it('waits for the bind with progress on stderr, then prints the credentials it fetched', async () => {
      const bound = run(runBind, ['i-jobs', 'b-1', '-n', 'client-ns', '-o', 'json'], broker);
      // The Job's controller finishes once the CLI has polled at least once.
      for (let i = 0; i < 200 && !broker.logs.some((line) => line.includes('"operation":"binding-last-operation"')); i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      completeJob(broker.cluster, 'i-jobs', 'b-1');
      const { code, out, err } = await bound;
      expect(code, err).to.equal(0);
      expect(err).to.match(/^waiting for bind of binding b-1 of i-jobs: in progress/m);
      const printed = JSON.parse(out) as { created: boolean; credentials: Record<string, unknown> };
      expect(printed.created).to.equal(true);
      expect(printed.credentials['password']).to.match(/^[A-Za-z0-9]{32}$/);
      expect(printed).to.not.have.property('operation');

      const unbound = await run(runUnbind, ['i-jobs', 'b-1', '-n', 'client-ns'], broker);
      expect(unbound.code, unbound.err).to.equal(0);
      expect(unbound.out).to.contain('binding b-1 of instance i-jobs removed');
    });

    it('ends with exit 1 and the broker\'s reason when the bind fails', async () => {
      await broker.stop();
      broker = await startMemoryBroker({ objects: [...providerFixture(), ...jobUsersOffering()], simulateControllers: false, settings: { readinessTimeoutMs: 100 } });
      expect((await osb(broker.url, 'PUT', '/v2/service_instances/i-jobs', { body: jobUsersBody() })).status).to.equal(201);
      const { code, err } = await run(runBind, ['i-jobs', 'b-2', '-n', 'client-ns'], broker, { pollIntervalMs: 50 });
      expect(code).to.equal(1);
      expect(err).to.contain('mesitis bind: bind of binding b-2 of i-jobs failed: not ready within 0.1s');
    });
  });

  describe('against a stub', () => {
    let stub: StubBroker;
    const start = async (answer: (request: StubRequest) => StubAnswer | undefined) => {
      stub = await startStubBroker((request) => {
        if (request.method === 'GET' && /\/service_instances\/i-1$/.test(request.url)) return { status: 200, body: IDS };
        return answer(request) ?? { status: 500, body: { description: `unexpected ${request.method} ${request.url}` } };
      });
    };
    afterEach(async () => { await stub.stop(); });

    it('unbind sends accepts_incomplete, polls the binding\'s last_operation with the operation until 410 Gone', async () => {
      let polls = 0;
      await start((request) => {
        if (request.method === 'DELETE') return { status: 202, body: { operation: 'op-u 1' } };
        if (request.url.includes('/service_bindings/b-1/last_operation')) return ++polls < 3 ? { status: 200, body: { state: 'in progress', description: 'waiting until Job api-ns/x are gone' } } : { status: 410, body: {} };
        return undefined;
      });
      const { code, out, err } = await run(runUnbind, ['i-1', 'b-1', '-n', 'client-ns'], stub, { clock: fakeClock() });
      expect(code, err).to.equal(0);
      expect(out).to.contain('binding b-1 of instance i-1 removed');
      expect(err).to.contain('waiting for unbind of binding b-1 of i-1: in progress, waiting until Job api-ns/x are gone');
      const deleted = stub.requests.find((request) => request.method === 'DELETE')!;
      expect(new URL(deleted.url, stub.url).searchParams.get('accepts_incomplete')).to.equal('true');
      const poll = new URL(stub.requests.find((request) => request.url.includes('last_operation'))!.url, stub.url);
      expect(poll.pathname).to.equal('/namespaces/client-ns/v2/service_instances/i-1/service_bindings/b-1/last_operation');
      expect(Object.fromEntries(poll.searchParams)).to.deep.equal({ operation: 'op-u 1', service_id: 'svc-1', plan_id: 'plan-1' });
    });

    it('bind sends accepts_incomplete and, waiting past --timeout, ends with exit 3 saying the broker carries on', async () => {
      await start((request) => {
        if (request.method === 'PUT') return { status: 202, body: { operation: 'op-b' } };
        if (request.url.includes('/service_bindings/b-1/last_operation')) return { status: 200, body: { state: 'in progress' } };
        return undefined;
      });
      const { code, err } = await run(runBind, ['i-1', 'b-1', '-n', 'client-ns', '--timeout', '10s'], stub, { clock: fakeClock(), pollIntervalMs: 2000 });
      expect(code).to.equal(3);
      expect(err).to.contain('timed out after 10s waiting for bind of binding b-1 of i-1 (last state: in progress)');
      const put = stub.requests.find((request) => request.method === 'PUT')!;
      expect(new URL(put.url, stub.url).searchParams.get('accepts_incomplete')).to.equal('true');
      expect(stub.requests.filter((request) => request.url.includes('last_operation'))).to.have.length(6);
      expect(stub.requests.some((request) => request.method === 'GET' && /service_bindings\/b-1$/.test(request.url))).to.equal(false);
    });
  });
});
