/**
 * The access review cache on a stubbed apiserver: what it answers before and
 * after the review, which SelfSubjectAccessReviews it sends, when it asks
 * again (refresh(), every refreshMs, a failed question after retryMs), whom
 * it tells (only when a denial is given or withdrawn), and what it keeps
 * when a review fails.
 */
import { ApiException } from '@kubernetes/client-node';
import { expect } from 'chai';
import sinon from 'sinon';
import type { KubernetesApis } from '../../../../src/adapters/kubernetes/api-clients.js';
import { KubernetesAccessReview, type AccessReviewOptions } from '../../../../src/adapters/kubernetes/kubernetes-access-review.js';
import { RecordingLogger } from '../../application/fakes.js';

interface Attributes { namespace: string; group: string; resource: string; verb: string }

const unavailable = () => new ApiException(503, 'Service Unavailable', '{"kind":"Status","code":503,"reason":"ServiceUnavailable"}', {});
/** Lets background reviews finish. */
const settle = async () => { for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve)); };

describe('adapters/kubernetes/kubernetes-access-review', () => {
  let granted: Set<string>;
  let failing: boolean;
  let clock: number;
  let logger: RecordingLogger;
  let create: sinon.SinonSpy;
  const reviews: KubernetesAccessReview[] = [];
  const asked = () => create.getCalls().map((call) => {
    const attributes = (call.args[0] as { body: { spec: { resourceAttributes: Attributes } } }).body.spec.resourceAttributes;
    return `${attributes.verb} ${attributes.namespace} ${attributes.group}/${attributes.resource}`;
  });

  function review(options: AccessReviewOptions = {}): KubernetesAccessReview {
    create = sinon.spy(async ({ body }: { body: { spec: { resourceAttributes: Attributes } } }) => {
      if (failing) throw unavailable();
      const { namespace, group, resource } = body.spec.resourceAttributes;
      return { ...body, status: { allowed: granted.has(`${namespace} ${group}/${resource}`) } };
    });
    const made = new KubernetesAccessReview({ authorization: { createSelfSubjectAccessReview: create } } as unknown as Pick<KubernetesApis, 'authorization'>, logger, { refreshMs: 60_000, retryMs: 10_000, now: () => clock, ...options });
    reviews.push(made);
    return made;
  }

  beforeEach(() => {
    granted = new Set(['api-ns /configmaps', 'api-ns apps/deployments']);
    failing = false;
    clock = 0;
    logger = new RecordingLogger();
  });

  afterEach(async () => {
    await Promise.all(reviews.splice(0).map((r) => r.stop()));
  });

  it('answers unknown at first, reviews in the background with a SelfSubjectAccessReview for create, then answers from its cache', async () => {
    const access = review();
    expect(access.mayCreate('api-ns', 'apps', 'deployments')).to.equal('unknown');
    expect(access.mayCreate('api-ns', 'apps', 'statefulsets')).to.equal('unknown');
    await settle();
    expect(asked()).to.deep.equal(['create api-ns apps/deployments', 'create api-ns apps/statefulsets']);
    expect(access.mayCreate('api-ns', 'apps', 'deployments')).to.equal('allowed');
    expect(access.mayCreate('api-ns', 'apps', 'statefulsets')).to.equal('denied');
    expect(access.mayCreate('other-ns', 'apps', 'deployments')).to.equal('unknown');
    await settle();
    expect(create.callCount, 'one review per namespace and resource').to.equal(3);
  });

  it('tells its listeners once per batch, and only when a denial is given or withdrawn', async () => {
    const access = review();
    const heard: number[] = [];
    access.onChange(() => heard.push(access.revision()));
    access.mayCreate('api-ns', '', 'configmaps');
    await settle();
    expect(heard, 'unknown to allowed changes nothing the catalog does').to.deep.equal([]);
    access.mayCreate('api-ns', 'apps', 'statefulsets');
    access.mayCreate('api-ns', 'batch', 'jobs');
    await settle();
    expect(heard).to.deep.equal([1]);
    await access.refresh();
    expect(heard, 'the same answers again').to.deep.equal([1]);
    granted.add('api-ns apps/statefulsets');
    await access.refresh();
    expect(heard).to.deep.equal([1, 2]);
    expect(access.mayCreate('api-ns', 'apps', 'statefulsets')).to.equal('allowed');
  });

  it('start() reviews what was asked so far before it resolves, then reviews again every refreshMs', async () => {
    const access = review({ refreshMs: 20 });
    access.mayCreate('api-ns', 'apps', 'statefulsets');
    await access.start();
    expect(access.mayCreate('api-ns', 'apps', 'statefulsets')).to.equal('denied');
    granted.add('api-ns apps/statefulsets');
    const deadline = Date.now() + 2_000;
    while (access.mayCreate('api-ns', 'apps', 'statefulsets') !== 'allowed' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(access.mayCreate('api-ns', 'apps', 'statefulsets')).to.equal('allowed');
  });

  it('shares one pass among calls made during a pass, plus one more after it', async () => {
    const access = review();
    access.mayCreate('api-ns', 'apps', 'statefulsets');
    await settle();
    const before = create.callCount;
    await Promise.all([access.refresh(), access.refresh(), access.refresh(), access.refresh()]);
    expect(create.callCount - before).to.equal(2);
  });

  it('keeps the last answer when a review fails, and asks a never-answered question again only after retryMs', async () => {
    const access = review();
    access.mayCreate('api-ns', 'apps', 'statefulsets');
    await settle();
    failing = true;
    await access.refresh();
    expect(access.mayCreate('api-ns', 'apps', 'statefulsets'), 'a failed review changes no answer').to.equal('denied');
    expect(logger.lines.map((l) => [l.level, l.message])).to.deep.include(['warn', 'access review failed; keeping the answers known so far']);

    expect(access.mayCreate('api-ns', 'batch', 'jobs')).to.equal('unknown');
    await settle();
    const calls = create.callCount;
    failing = false;
    clock += 5_000;
    expect(access.mayCreate('api-ns', 'batch', 'jobs')).to.equal('unknown');
    await settle();
    expect(create.callCount, 'not before retryMs').to.equal(calls);
    clock += 5_000;
    access.mayCreate('api-ns', 'batch', 'jobs');
    await settle();
    expect(create.callCount).to.equal(calls + 1);
    expect(access.mayCreate('api-ns', 'batch', 'jobs')).to.equal('denied');
  });
});
