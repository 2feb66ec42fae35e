import { expect } from 'chai';
import sinon from 'sinon';
import { domainError } from '../../../src/domain/errors.js';
import { ok } from '../../../src/domain/result.js';
import { withInstanceLock } from '../../../src/application/instance-lock.js';
import { errorOf, valueOf } from '../builders.js';
import { FakeRuntime, FakeStore } from './fakes.js';
import { SETTINGS, makeBroker, provisionRequest } from './harness.js';

describe('application/instance-lock', () => {
  it('gives up with ConcurrencyError once lockWaitMs has passed, without running the work', async () => {
    const store = new FakeStore();
    const runtime = new FakeRuntime();
    store.holdLock('instance-1');
    const work = sinon.stub().resolves(ok('done'));
    const started = runtime.clock;

    const error = errorOf(await withInstanceLock(store, SETTINGS, runtime, 'instance-1', work));

    expect(error).to.deep.equal(domainError('ConcurrencyError', 'another operation on instance instance-1 is in progress'));
    expect(work.called).to.equal(false);
    expect(runtime.clock - started).to.be.at.least(SETTINGS.lockWaitMs).and.below(SETTINGS.lockWaitMs + 250);
    expect(runtime.slept.slice(0, 6)).to.deep.equal([10, 20, 40, 80, 160, 250]);
  });

  it('runs the work once the other holder lets go, and releases the lock after', async () => {
    const store = new FakeStore();
    const runtime = new FakeRuntime();
    const release = store.holdLock('instance-1');
    runtime.afterSleep = () => { if (runtime.slept.length === 3) release(); };

    expect(valueOf(await withInstanceLock(store, SETTINGS, runtime, 'instance-1', async () => ok('done')))).to.equal('done');
    expect(runtime.slept).to.deep.equal([10, 20, 40]);
    expect(store.isLocked('instance-1')).to.equal(false);
  });

  it('releases the lock when the work throws', async () => {
    const store = new FakeStore();
    const failing = withInstanceLock(store, SETTINGS, new FakeRuntime(), 'instance-1', async () => { throw new Error('boom'); });
    let thrown: unknown;
    await failing.catch((error: unknown) => (thrown = error));
    expect((thrown as Error).message).to.equal('boom');
    expect(store.isLocked('instance-1')).to.equal(false);
  });

  it('passes a store failure on without waiting', async () => {
    const store = new FakeStore();
    sinon.stub(store, 'acquireLock').resolves({ ok: false, error: domainError('Unavailable', 'redis down') });
    const runtime = new FakeRuntime();
    expect(errorOf(await withInstanceLock(store, SETTINGS, runtime, 'i', async () => ok(1))).kind).to.equal('Unavailable');
    expect(runtime.slept).to.deep.equal([]);
  });

  it('makes a provision meeting a held lock answer ConcurrencyError and write nothing', async () => {
    const broker = makeBroker();
    broker.store.holdLock('instance-1');
    expect(errorOf(await broker.provision.execute(provisionRequest())).kind).to.equal('ConcurrencyError');
    expect(broker.store.instanceCount).to.equal(0);
    expect(broker.cluster.calls).to.deep.equal([]);
  });

  it('makes a deprovision meeting a held lock answer ConcurrencyError and remove nothing', async () => {
    const broker = makeBroker();
    valueOf(await broker.provision.execute(provisionRequest()));
    broker.store.holdLock('instance-1');
    expect(errorOf(await broker.deprovision.execute({ instanceId: 'instance-1', acceptsIncomplete: false, caller: {} })).kind).to.equal('ConcurrencyError');
    expect(broker.cluster.contents()).to.have.length(3);
  });
});
