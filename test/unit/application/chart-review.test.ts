/**
 * A Helm entry whose chart cannot be fetched or rendered is a catalog
 * problem for that entry alone, found by a background review (the catalog
 * never waits for helm), and served again once the chart renders.
 */
import { expect } from 'chai';
import { CatalogService } from '../../../src/application/catalog-service.js';
import { ChartReview } from '../../../src/application/chart-review.js';
import type { HelmReleases } from '../../../src/application/ports/helm-releases.js';
import type { CatalogEntry } from '../../../src/domain/catalog-entry.js';
import { domainError, type ErrorKind } from '../../../src/domain/errors.js';
import type { ReleaseSpec } from '../../../src/domain/helm-release.js';
import { err, ok } from '../../../src/domain/result.js';
import { urlEntry } from '../builders.js';
import { FakeConfig, RecordingLogger, RecordingReporter } from './fakes.js';

const helmEntry = (source: string, planId: string, repository: string): CatalogEntry => urlEntry({
  source, offering: 'db', version: source, planId,
  provisioner: { kind: 'HelmChart', namespace: 'db-ns', chart: { kind: 'repository', url: repository, chart: 'db', version: '1.0.0' }, values: {} },
});

/** Renders every chart but those of the repositories in `failing`, which fail with the kind given. */
function renderer(failing: Map<string, ErrorKind>): { releases: HelmReleases; calls: string[] } {
  const calls: string[] = [];
  const render = async (spec: ReleaseSpec) => {
    const url = spec.chart.kind === 'repository' ? spec.chart.url : '';
    calls.push(url);
    const kind = failing.get(url);
    return kind === undefined ? ok([]) : err(domainError(kind, `helm: ${kind} for ${url}`));
  };
  return { releases: { render } as unknown as HelmReleases, calls };
}

describe('application/chart-review: Helm charts the catalog cannot use', () => {
  const GOOD = 'https://charts.example.com/good';
  const AWAY = 'https://charts.example.com/away';
  const entries = [helmEntry('entry-good', 'plan-good', GOOD), helmEntry('entry-away', 'plan-away', AWAY)];

  function setUp(failing: Map<string, ErrorKind>) {
    const { releases, calls } = renderer(failing);
    const retries: (() => void)[] = [];
    const review = new ChartReview(releases, new RecordingLogger(), 1_000, (run) => {
      retries.push(run);
      return { cancel: () => retries.splice(retries.indexOf(run), 1) };
    });
    const catalog = new CatalogService(new FakeConfig({ entries, templates: [], problems: [] }), new RecordingLogger(), new RecordingReporter(), undefined, undefined, review);
    const plans = () => catalog.catalog().offerings.flatMap((o) => o.plans.map((p) => p.source));
    return { review, catalog, calls, plans, retries };
  }

  it('refuses only the entry whose chart cannot be fetched, once reviewed, naming it', async () => {
    const { review, catalog, plans } = setUp(new Map([[AWAY, 'Unavailable']]));
    expect(plans(), 'not reviewed yet: nothing refused').to.have.members(['entry-good', 'entry-away']);
    await review.settled();
    expect(plans()).to.deep.equal(['entry-good']);
    expect(catalog.catalog().problems).to.deep.equal([{
      source: 'entry-away', field: 'provisiondata.chart', message: `the chart cannot be fetched: helm: Unavailable for ${AWAY}`,
    }]);
  });

  it('refuses a chart that does not render with the entry\'s values', async () => {
    const { review, catalog } = setUp(new Map([[AWAY, 'ConfigInvalid']]));
    catalog.catalog();
    await review.settled();
    expect(catalog.catalog().problems[0]?.message).to.match(/^the chart cannot be rendered with the entry's values/);
  });

  it('refuses nothing when helm itself fails (missing binary): the install decides', async () => {
    const { review, plans } = setUp(new Map([[AWAY, 'Infrastructure']]));
    plans();
    await review.settled();
    expect(plans()).to.have.members(['entry-good', 'entry-away']);
  });

  it('reviews a refused chart again later, and serves it once it renders; a good one only once', async () => {
    const failing = new Map<string, ErrorKind>([[AWAY, 'Unavailable']]);
    const { review, plans, calls, retries } = setUp(failing);
    plans();
    await review.settled();
    expect(plans()).to.deep.equal(['entry-good']);
    expect(retries).to.have.length(1);
    retries.shift()!();
    await review.settled();
    expect(plans(), 'still away').to.deep.equal(['entry-good']);
    failing.delete(AWAY);
    retries.shift()!();
    await review.settled();
    expect(plans()).to.have.members(['entry-good', 'entry-away']);
    expect(retries, 'no retry of a chart that renders').to.deep.equal([]);
    expect(calls.filter((url) => url === GOOD)).to.have.length(1);
  });
});
