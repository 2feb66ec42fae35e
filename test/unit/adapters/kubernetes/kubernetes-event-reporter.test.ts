import { ApiException, type CoreV1Api, type CoreV1Event } from '@kubernetes/client-node';
import { expect } from 'chai';
import sinon from 'sinon';
import { EVENT_REASON, KubernetesEventReporter } from '../../../../src/adapters/kubernetes/kubernetes-event-reporter.js';
import type { ConfigProblem } from '../../../../src/domain/catalog-entry.js';
import { RecordingLogger } from '../../application/fakes.js';

const SECRET = 'hunter2-echoed-by-the-server';
const status = (code: number, reason: string) =>
  new ApiException(code, 'Unknown API Status Code!', JSON.stringify({ kind: 'Status', code, reason, message: SECRET }), {});

const broken: ConfigProblem = { source: 'entry-broken', field: 'provisiondata.url', message: 'must be an absolute URL' };
const other: ConfigProblem = { source: 'entry-other', field: '', message: 'is not valid JSON' };

describe('adapters/kubernetes/kubernetes-event-reporter', () => {
  let create: sinon.SinonStub;
  let logger: RecordingLogger;
  let reporter: KubernetesEventReporter;
  const sent = (): CoreV1Event[] => create.getCalls().map((call) => (call.args[0] as { body: CoreV1Event }).body);

  beforeEach(() => {
    create = sinon.stub().resolves({});
    logger = new RecordingLogger();
    const core = { createNamespacedEvent: create } as unknown as CoreV1Api;
    reporter = new KubernetesEventReporter(core, 'provider-ns', logger, {
      uidOf: (name) => (name === 'entry-broken' ? 'uid-1' : undefined),
      instance: 'mesitis-7d9f',
      now: () => new Date('2024-05-06T07:08:09Z'),
    });
  });

  it('creates a Warning Event on the ConfigMap, in the broker namespace, with the problem as message', async () => {
    await reporter.report([broken]);
    expect(create.calledOnce).to.equal(true);
    expect((create.firstCall.args[0] as { namespace: string }).namespace).to.equal('provider-ns');
    const [event] = sent();
    expect(event).to.deep.include({
      reason: EVENT_REASON, type: 'Warning', message: 'entry-broken (provisiondata.url): must be an absolute URL',
      reportingComponent: 'mesitis', reportingInstance: 'mesitis-7d9f', count: 1,
    });
    expect(event?.involvedObject).to.deep.equal({ apiVersion: 'v1', kind: 'ConfigMap', name: 'entry-broken', namespace: 'provider-ns', uid: 'uid-1' });
    expect(event?.metadata?.namespace).to.equal('provider-ns');
    expect(event?.metadata?.name).to.match(/^entry-broken\.mesitis-[0-9a-f]{16}$/);
  });

  it('reports each distinct problem once per process, however often the catalog is assembled', async () => {
    await reporter.report([broken, other]);
    await reporter.report([broken, other]);
    await reporter.report([broken]);
    expect(sent().map((e) => e.involvedObject.name)).to.deep.equal(['entry-broken', 'entry-other']);
    await reporter.report([{ ...broken, message: 'must use https' }]);
    expect(create.callCount).to.equal(3);
    expect(new Set(sent().map((e) => e.metadata?.name)).size).to.equal(3);
  });

  it('takes AlreadyExists as reported before (another replica, or this broker before a restart)', async () => {
    create.rejects(status(409, 'AlreadyExists'));
    await reporter.report([broken]);
    await reporter.report([broken]);
    expect(create.callCount).to.equal(1);
    expect(logger.lines).to.deep.equal([]);
  });

  it('tries again on the next assembly after an outage, but not after a refusal', async () => {
    create.onFirstCall().rejects(status(503, 'ServiceUnavailable'));
    create.onSecondCall().rejects(status(403, 'Forbidden'));
    await reporter.report([broken]);
    await reporter.report([broken]);
    await reporter.report([broken]);
    expect(create.callCount).to.equal(2);
    expect(logger.lines.map((line) => [line.level, line.fields['kind']])).to.deep.equal([['warn', 'Unavailable'], ['warn', 'Forbidden']]);
    expect(JSON.stringify(logger.lines)).to.not.contain(SECRET);
  });

  it('never rejects, whatever the API does', async () => {
    create.rejects(new TypeError('boom'));
    await reporter.report([broken, other]);
    expect(logger.lines).to.have.length(2);
  });
});
