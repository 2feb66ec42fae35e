/**
 * The catalog service with an access review: an entry whose kinds the
 * broker may not create in its namespace is a catalog problem (reported),
 * the others serve; a grant reassembles the catalog without a request; a
 * configuration change has the answers reviewed again.
 */
import { expect } from 'chai';
import { MemoryAccessReview } from '../../../src/adapters/memory/memory-access-review.js';
import { MemoryCluster } from '../../../src/adapters/memory/memory-cluster.js';
import { MemoryKindResolver } from '../../../src/adapters/memory/memory-kind-resolver.js';
import { CatalogService } from '../../../src/application/catalog-service.js';
import { describeProblem } from '../../../src/domain/catalog-entry.js';
import { apiTemplates, dedicatedEntry, PROVIDER_NS, template, urlEntry } from '../builders.js';
import { FakeConfig, RecordingLogger, RecordingReporter } from './fakes.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('application/catalog-service with an access review', () => {
  const store = dedicatedEntry({ source: 'entry-store', offering: 'store', planId: '77777777-7777-4777-8777-777777777777', serviceId: '88888888-8888-4888-8888-888888888888', provisioner: { kind: 'NewClusterObjects', namespace: PROVIDER_NS, name: 'store', labelSelector: 'mesitis/offering=store' } });
  const templates = [
    ...apiTemplates(),
    template('tpl-store', { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'store-{{ instance.shortId }}' } }, { 'mesitis/offering': 'store' }),
  ];
  let access: MemoryAccessReview;
  let config: FakeConfig;
  let reporter: RecordingReporter;
  let service: CatalogService;

  beforeEach(() => {
    access = new MemoryAccessReview();
    config = new FakeConfig({ entries: [urlEntry(), dedicatedEntry(), store], templates, problems: [] });
    reporter = new RecordingReporter();
    service = new CatalogService(config, new RecordingLogger(), reporter, new MemoryKindResolver(new MemoryCluster()), access);
  });

  const served = () => service.catalog().offerings.flatMap((o) => o.plans.map((p) => p.source)).sort();

  it('refuses an entry whose kind the broker may not create, naming the ConfigMaps, kind, namespace and grant; the others serve', () => {
    access.deny(PROVIDER_NS, 'apps', 'statefulsets');
    expect(served()).to.deep.equal(['entry-api-v1', 'entry-db-v1']);
    expect(service.catalog().problems.map(describeProblem)).to.deep.equal([
      `entry-store (provisiondata): resource ConfigMap tpl-store: the broker may not create StatefulSet (apps/v1) in namespace ${PROVIDER_NS}: add {apiGroup: "apps", resources: [statefulsets]} to the chart's targetKinds`,
    ]);
  });

  it('reassembles and reports when a denial is given or withdrawn, without a catalog request', async () => {
    const unfollow = service.followChanges();
    try {
      expect(served()).to.deep.equal(['entry-api-v1', 'entry-db-v1', 'entry-store']);
      access.deny(PROVIDER_NS, 'apps', 'statefulsets');
      await tick();
      expect(reporter.reports.at(-1)?.map((p) => p.source)).to.deep.equal(['entry-store']);
      access.allow(PROVIDER_NS, 'apps', 'statefulsets');
      await tick();
      expect(reporter.reports.at(-1)).to.deep.equal([]);
    } finally {
      unfollow();
    }
  });

  it('changes its revision when access does, so views cached by it (the OSB document) follow', () => {
    const before = service.revision();
    expect(service.revision()).to.equal(before);
    access.deny(PROVIDER_NS, 'apps', 'statefulsets');
    expect(service.revision()).to.not.equal(before);
  });

  it('has the answers reviewed again on a configuration change', async () => {
    let refreshes = 0;
    access.refresh = async () => { refreshes += 1; };
    const unfollow = service.followChanges();
    try {
      config.set({ entries: [urlEntry()], templates: [], problems: [] });
      await tick();
      expect(refreshes).to.equal(1);
    } finally {
      unfollow();
    }
  });
});
