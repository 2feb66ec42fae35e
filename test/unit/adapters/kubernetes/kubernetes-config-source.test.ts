/**
 * The config source's own logic around client-node's informer: what it does
 * when a watch fails and comes back. The informer is a fake that behaves like
 * client-node's ListWatch: start() lists through the function it was made
 * with, reports a failed listing through 'error' (and still resolves), and
 * stays dead after an error until a new one is started.
 */
import type { V1ConfigMap, V1ConfigMapList } from '@kubernetes/client-node';
import { ApiException } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { ConfigMapDocument } from '../../../../src/adapters/config/config-map-document.js';
import { KubernetesConfigSource, type ConfigMapInformer } from '../../../../src/adapters/kubernetes/kubernetes-config-source.js';
import { entryDoc } from '../../../contract/config-source.contract.js';
import { RecordingLogger } from '../../application/fakes.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(assertion: () => void, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return assertion();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(2);
    }
  }
}

let uids = 0;
const configMap = (doc: ConfigMapDocument): V1ConfigMap => ({
  metadata: { name: doc.name, namespace: 'provider-ns', labels: { ...doc.labels }, uid: `uid-${doc.name}`, resourceVersion: String(++uids) },
  data: { ...doc.data },
});

class FakeInformer implements ConfigMapInformer {
  private readonly handlers = new Map<string, ((arg: never) => void)[]>();
  stopped = false;

  constructor(private readonly list: () => Promise<V1ConfigMapList>) {}

  on(verb: string, callback: (arg: never) => void): void {
    this.handlers.set(verb, [...(this.handlers.get(verb) ?? []), callback]);
  }

  async start(): Promise<void> {
    let list: V1ConfigMapList;
    try {
      list = await this.list();
    } catch (error) {
      return this.emit('error', error);
    }
    for (const item of list.items) this.emit('add', item);
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }

  emit(verb: string, arg: unknown): void {
    for (const handler of this.handlers.get(verb) ?? []) handler(arg as never);
  }
}

/** The cluster side: what the next listing returns (or throws), and every informer made. */
class FakeApi {
  items: V1ConfigMap[] = [];
  failures: unknown[] = [];
  lists = 0;
  readonly informers: FakeInformer[] = [];

  readonly list = async (): Promise<V1ConfigMapList> => {
    this.lists += 1;
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    return { items: structuredClone(this.items), metadata: { resourceVersion: String(uids) } };
  };

  makeInformer = (list: () => Promise<V1ConfigMapList>): FakeInformer => {
    const informer = new FakeInformer(list);
    this.informers.push(informer);
    return informer;
  };

  latest(): FakeInformer {
    return this.informers[this.informers.length - 1]!;
  }
}

const unreachable = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { name: 'FetchError', code: 'ECONNREFUSED' });
const SECRET = 'hunter2-in-a-response-body';
const forbidden = () => new ApiException(403, 'Unknown API Status Code!', JSON.stringify({ kind: 'Status', reason: 'Forbidden', message: SECRET }), {});

describe('adapters/kubernetes/kubernetes-config-source', () => {
  let api: FakeApi;
  let logger: RecordingLogger;
  let source: KubernetesConfigSource;
  const sources = () => source.current().entries.map((e) => e.source).sort();

  beforeEach(() => {
    api = new FakeApi();
    logger = new RecordingLogger();
    source = new KubernetesConfigSource({
      namespace: 'provider-ns', list: api.list, makeInformer: (list) => api.makeInformer(list), logger,
      initialRetryMs: 5, maxRetryMs: 20, startTimeoutMs: 500, connectTimeoutMs: 200,
    });
  });

  afterEach(async () => {
    await source.stop();
  });

  it('loads the first listing at start and follows the informer from there', async () => {
    api.items = [configMap(entryDoc('alpha')), configMap(entryDoc('beta'))];
    await source.start();
    expect(sources()).to.deep.equal(['alpha', 'beta']);
    expect(source.synced()).to.equal(true);
    expect(source.uidOf('alpha')).to.equal('uid-alpha');
    api.latest().emit('add', configMap(entryDoc('gamma')));
    api.latest().emit('delete', configMap(entryDoc('alpha')));
    expect(sources()).to.deep.equal(['beta', 'gamma']);
    expect(source.uidOf('alpha')).to.equal(undefined);
  });

  it('drops a ConfigMap that lost its mesitis/kind label, like one deleted', async () => {
    api.items = [configMap(entryDoc('alpha'))];
    await source.start();
    api.latest().emit('update', configMap(entryDoc('alpha', {}, { app: 'something-else' })));
    expect(sources()).to.deep.equal([]);
  });

  describe('when the watch fails', () => {
    beforeEach(async () => {
      api.items = [configMap(entryDoc('alpha')), configMap(entryDoc('beta'))];
      await source.start();
    });

    it('keeps serving the last configuration, says it is not synced, and logs no response body', async () => {
      const before = source.current();
      api.failures = [forbidden(), forbidden(), forbidden()];
      api.latest().emit('error', forbidden());
      expect(source.synced()).to.equal(false);
      expect(source.current()).to.equal(before);
      await eventually(() => expect(api.lists).to.be.greaterThan(3));
      expect(sources()).to.deep.equal(['alpha', 'beta']);
      expect(JSON.stringify(logger.lines)).to.not.contain(SECRET);
      expect(logger.lines.some((line) => line.level === 'warn' && line.fields['status'] === 403)).to.equal(true);
    });

    it('starts a fresh informer whose listing replaces the configuration in one step', async () => {
      const first = api.latest();
      const seen: string[][] = [];
      source.onChange(() => seen.push(sources()));
      api.items = [configMap(entryDoc('beta', { description: 'changed' })), configMap(entryDoc('gamma'))];
      first.emit('error', unreachable());
      await eventually(() => expect(source.synced()).to.equal(true));
      expect(first.stopped).to.equal(true);
      expect(api.informers).to.have.length(2);
      expect(sources()).to.deep.equal(['beta', 'gamma']);
      expect(source.current().entries.find((e) => e.source === 'beta')?.description).to.equal('changed');
      // One change, straight from the old set to the new: never a partial or an empty configuration in between.
      expect(seen).to.deep.equal([['beta', 'gamma']]);
    });

    it('retries a failing re-list with growing delays, empty listing only once it really is empty', async () => {
      api.failures = [unreachable(), unreachable(), unreachable()];
      api.items = [];
      api.latest().emit('error', unreachable());
      await eventually(() => expect(api.lists).to.equal(4)); // 1 at start, 3 failures...
      expect(sources()).to.deep.equal(['alpha', 'beta']);
      await eventually(() => expect(source.synced()).to.equal(true)); // ...then the listing that works
      expect(api.lists).to.equal(5);
      expect(sources()).to.deep.equal([]);
      const delays = logger.lines.filter((line) => typeof line.fields['retryInMs'] === 'number').map((line) => line.fields['retryInMs']);
      expect(delays).to.deep.equal([5, 10, 20, 20]);
    });

    it('ignores whatever the replaced informer still reports', async () => {
      const first = api.latest();
      first.emit('error', unreachable());
      await eventually(() => expect(source.synced()).to.equal(true));
      first.emit('add', configMap(entryDoc('ghost')));
      first.emit('error', unreachable());
      expect(sources()).to.deep.equal(['alpha', 'beta']);
      expect(source.synced()).to.equal(true);
    });

    it('stops restarting once stopped', async () => {
      api.latest().emit('error', unreachable());
      await source.stop();
      const lists = api.lists;
      await sleep(50);
      expect(api.lists).to.equal(lists);
      expect(source.synced()).to.equal(false);
    });
  });

  describe('start', () => {
    it('waits out an unreachable cluster, then loads', async () => {
      api.failures = [unreachable(), unreachable()];
      api.items = [configMap(entryDoc('alpha'))];
      await source.start();
      expect(sources()).to.deep.equal(['alpha']);
      expect(api.lists).to.equal(3);
    });

    it('fails at once when the cluster refuses, with a message free of the response body', async () => {
      api.failures = [forbidden()];
      const failure = await source.start().then(() => undefined, (error: Error) => error);
      expect(failure?.message).to.equal('cannot load the configuration: the broker is not allowed to watch ConfigMaps in namespace "provider-ns"');
      expect(api.lists).to.equal(1);
      expect(source.synced()).to.equal(false);
    });

    it('gives up on a cluster that stays unreachable past startTimeoutMs', async () => {
      api.failures = Array.from({ length: 1000 }, unreachable);
      const failure = await source.start().then(() => undefined, (error: Error) => error);
      expect(failure?.message).to.match(/^cannot load the configuration: the cluster could not be reached/);
    });

    it('makes no informer once stopped while waiting to retry', async () => {
      api.failures = [unreachable(), unreachable()];
      const starting = source.start().then(() => 'started', (error: Error) => error.message);
      await eventually(() => expect(api.lists).to.equal(1));
      await source.stop();
      expect(await starting).to.match(/stopped before it was loaded/);
      expect(api.informers).to.have.length(1);
    });

    it('counts a start that never finishes as failed', async () => {
      api.makeInformer = (list) => Object.assign(new FakeInformer(list), { start: () => new Promise<void>(() => {}) });
      api.failures = [];
      const started = Date.now();
      const failure = await source.start().then(() => undefined, (error: Error) => error);
      expect(failure?.message).to.match(/could not be reached/);
      expect(Date.now() - started).to.be.greaterThan(400);
    });
  });
});
