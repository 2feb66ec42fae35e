import { expect } from 'chai';
import { CatalogService } from '../../../src/application/catalog-service.js';
import { InstanceRecords } from '../../../src/application/instance-records.js';
import { OperationJobs } from '../../../src/application/operation-jobs.js';
import { instanceRecord, urlEntry, valueOf } from '../builders.js';
import { FakeConfig, FakeRuntime, FakeStore, RecordingLogger, RecordingReporter } from './fakes.js';
import { SETTINGS, settle } from './harness.js';

describe('application/catalog-service', () => {
  it('assembles the catalog once per configuration revision and logs each refused entry', () => {
    const config = new FakeConfig({ entries: [urlEntry(), urlEntry({ source: 'entry-db-v2' })], templates: [], problems: [] });
    const logger = new RecordingLogger();
    const reporter = new RecordingReporter();
    const service = new CatalogService(config, logger, reporter);

    const first = service.catalog();
    expect(service.catalog()).to.equal(first);
    expect(first.offerings[0]!.plans.map((p) => p.source)).to.deep.equal(['entry-db-v1']);
    expect(logger.lines.map((l) => [l.level, l.message, l.fields['configMap']])).to.deep.equal([
      ['info', 'catalog loaded', undefined],
      ['warn', 'catalog entry refused', 'entry-db-v2'],
    ]);

    config.set({ entries: [urlEntry({ version: 'v9' })], templates: [], problems: [] });
    expect(service.catalog()).to.not.equal(first);
    expect(service.findPlan(urlEntry().serviceId, urlEntry().planId)?.version).to.equal('v9');
    expect(service.revision()).to.equal(2);
    expect(reporter.reports.map((problems) => problems.map((p) => p.source))).to.deep.equal([['entry-db-v2'], []]);
  });

  it('keeps serving the catalog when reporting problems fails', async () => {
    const config = new FakeConfig({ entries: [urlEntry(), urlEntry({ source: 'entry-db-v2' })], templates: [], problems: [] });
    const logger = new RecordingLogger();
    const service = new CatalogService(config, logger, { report: async () => { throw new Error('events forbidden'); } });
    expect(service.catalog().offerings).to.have.length(1);
    await settle(1);
    expect(logger.lines.at(-1)).to.deep.equal({ level: 'warn', message: 'could not report catalog problems', fields: { error: 'Error: events forbidden' } });
  });
});

describe('application/instance-records', () => {
  it('applies a transition for the operation that owns the record and ignores a superseded one or one that does not apply', async () => {
    const store = new FakeStore();
    const runtime = new FakeRuntime();
    const records = new InstanceRecords(store, SETTINGS, runtime);
    valueOf(await store.createInstance(instanceRecord({ status: 'provisioning', operation: { id: 'op-1', type: 'provision', state: 'in progress', startedAt: 'x' } })));

    expect(valueOf(await records.apply('instance-1', 'op-0', { type: 'provisionFailed', reason: 'x', rolledBack: true }))).to.equal('superseded');
    expect(valueOf(await store.getInstance('instance-1'))?.record.status).to.equal('provisioning');
    expect(valueOf(await records.apply('instance-1', 'op-1', { type: 'removed' }))).to.equal('superseded');

    runtime.advance(5000);
    expect(valueOf(await records.apply('instance-1', 'op-1', { type: 'becameReady', description: 'done' }))).to.equal('recorded');
    const record = valueOf(await store.getInstance('instance-1'))?.record;
    expect(record?.status).to.equal('ready');
    expect(record?.operation).to.deep.equal({ id: 'op-1', type: 'provision', state: 'succeeded', startedAt: 'x', finishedAt: '2024-05-01T12:00:05.000Z', description: 'done' });
    expect(record?.updatedAt).to.equal('2024-05-01T12:00:05.000Z');
  });

  it('treats a tombstone as absent only after tombstoneMs', async () => {
    const store = new FakeStore();
    const runtime = new FakeRuntime();
    const records = new InstanceRecords(store, SETTINGS, runtime);
    valueOf(await store.createInstance(instanceRecord({ status: 'gone', updatedAt: runtime.now().toISOString() })));
    runtime.advance(SETTINGS.tombstoneMs);
    expect(valueOf(await records.get('instance-1'))?.record.status).to.equal('gone');
    runtime.advance(1);
    expect(valueOf(await records.get('instance-1'))).to.equal(undefined);
  });
});

describe('application/operation-jobs', () => {
  it('cancels a job by aborting its signal and waits until it has stopped', async () => {
    const jobs = new OperationJobs();
    const seen: string[] = [];
    jobs.start('i', async (signal) => {
      while (!signal.aborted) await settle(1);
      await settle(2);
      seen.push('stopped');
    }, () => seen.push('crash'));
    expect(jobs.size).to.equal(1);
    await jobs.cancel('i');
    expect(seen).to.deep.equal(['stopped']);
    expect(jobs.size).to.equal(0);
  });

  it('reports a crashing job instead of throwing, and drain waits for all jobs', async () => {
    const jobs = new OperationJobs();
    const crashes: unknown[] = [];
    let finished = false;
    jobs.start('a', async () => { throw new Error('boom'); }, (e) => crashes.push(e));
    jobs.start('b', async () => { await settle(3); finished = true; }, (e) => crashes.push(e));
    await jobs.drain();
    expect((crashes as Error[]).map((e) => e.message)).to.deep.equal(['boom']);
    expect(finished).to.equal(true);
    expect(jobs.size).to.equal(0);
  });

  it('does nothing when cancelling an instance without a job', async () => {
    const jobs = new OperationJobs();
    await jobs.cancel('nothing');
    expect(jobs.size).to.equal(0);
  });
});
