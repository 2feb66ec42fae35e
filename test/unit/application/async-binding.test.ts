/**
 * Issue 13, point 3, the asynchronous part, at the use-case level: a bind
 * whose objects need time to become ready (a Job that creates the user, a
 * credential Secret an operator writes) answers 202 and is polled through
 * binding last_operation; an unbind whose objects take time to go likewise;
 * and a bind whose broker died is finished (or undone) by another replica.
 */
import { expect } from 'chai';
import { BindingCredentials } from '../../../src/application/binding-credentials.js';
import { BindingReconciler } from '../../../src/application/binding-reconciler.js';
import { BindingWork } from '../../../src/application/binding-work.js';
import { CatalogService } from '../../../src/application/catalog-service.js';
import { InstanceObjects } from '../../../src/application/instance-objects.js';
import { InstanceRecords } from '../../../src/application/instance-records.js';
import { TemplateFacts } from '../../../src/application/template-facts.js';
import { FetchBinding } from '../../../src/application/use-cases/fetch-binding.js';
import { LastBindingOperation } from '../../../src/application/use-cases/last-binding-operation.js';
import type { CatalogEntry } from '../../../src/domain/catalog-entry.js';
import type { KubeObject } from '../../../src/domain/kube-object.js';
import { ok } from '../../../src/domain/result.js';
import { bindingShortId } from '../../../src/domain/template-variables.js';
import { configMap, DEDICATED_PLAN_ID, dedicatedEntry, errorOf, ordered, PROVIDER_NS, quickApiTemplates, secret, template, valueOf } from '../builders.js';
import { RecordingLogger, RecordingReporter } from './fakes.js';
import { bindRequest, bound, makeBroker, provisionRequest, SETTINGS, type Broker } from './harness.js';

const BINDING_LABELS = { 'mesitis/offering': 'none', 'mesitis/binding-of': 'api' };
const entry = (overrides: Partial<CatalogEntry> = {}): CatalogEntry => dedicatedEntry({
  provisioner: { kind: 'NewClusterObjects', namespace: PROVIDER_NS, name: 'api-{{ instance.shortId }}', labelSelector: 'mesitis/offering=api', bindingLabelSelector: 'mesitis/binding-of=api' },
  credentials: { kind: 'FromInstanceSecret', secretName: 'user-{{ binding.shortId }}', keys: ['username', 'password'] },
  ...overrides,
});
const job = (name: string): KubeObject => ({
  apiVersion: 'batch/v1', kind: 'Job', metadata: { name },
  spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'create-user', image: 'postgres:16' }] } } },
});
const userSecret = template('tpl-user', secret('user-{{ binding.shortId }}', { username: 'u-{{ binding.shortId }}', password: '{{ generated.pw length=32 }}' }), ordered('10', BINDING_LABELS));
const userJob = template('tpl-user-job', job('create-user-{{ binding.shortId }}'), ordered('20', BINDING_LABELS));
/** The user's Secret and the Job that makes the database accept it: the Job takes time. */
const WITH_JOB = [...quickApiTemplates(), userSecret, userJob];
const SECRET_ONLY = [...quickApiTemplates(), userSecret];

function broker(templates = WITH_JOB, setup: Partial<CatalogEntry> = {}): Broker {
  const made = makeBroker({ entries: [entry(setup)], templates });
  // A binding's Secret is read where the cluster keeps it.
  made.secrets.readIn = async (namespace, name) => {
    const object = made.cluster.peek({ apiVersion: 'v1', kind: 'Secret', namespace, name });
    return object ? ok({ ...(object['stringData'] as Record<string, string>) }) : made.secrets.read(`${namespace}/${name}`);
  };
  return made;
}

const ids = { instanceId: 'instance-1', bindingId: 'b-1', caller: {} };
const request = (extra = {}) => bindRequest({ bindingId: 'b-1', serviceId: entry().serviceId, planId: DEDICATED_PLAN_ID, ...extra });
const asyncBind = (b: Broker, extra = {}) => b.bind.execute(request({ acceptsIncomplete: true, ...extra }));
const jobRef = (bindingId = 'b-1') => ({ apiVersion: 'batch/v1', kind: 'Job', namespace: PROVIDER_NS, name: `create-user-${bindingShortId('instance-1', bindingId)}` });
const secretRef = (bindingId = 'b-1') => ({ apiVersion: 'v1', kind: 'Secret', namespace: PROVIDER_NS, name: `user-${bindingShortId('instance-1', bindingId)}` });
const completeJob = (b: Broker, bindingId = 'b-1') => b.cluster.setStatus(jobRef(bindingId), { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] });
const poll = (b: { lastBindingOperation: Broker['lastBindingOperation'] }) => b.lastBindingOperation.execute(ids);
const stored = async (b: Broker) => valueOf(await b.store.getBinding('instance-1', 'b-1'));

function accepted(result: Awaited<ReturnType<Broker['bind']['execute']>>): string {
  const answer = valueOf(result);
  if (answer.outcome !== 'accepted') throw new Error(`expected 202 Accepted, got ${answer.outcome}`);
  return answer.operation;
}

describe('application/asynchronous binds', () => {
  let b: Broker;
  beforeEach(async () => {
    b = broker();
    valueOf(await b.provision.execute(provisionRequest()));
  });

  it('answers AsyncRequired to a bind without accepts_incomplete whose objects need time, writing and creating nothing', async () => {
    const refused = errorOf(await b.bind.execute(request()));
    expect(refused.kind).to.equal('AsyncRequired');
    expect(refused.message).to.contain('Job');
    expect(b.store.bindingCount).to.equal(0);
    expect(b.cluster.has(secretRef())).to.equal(false);
  });

  it('accepts with accepts_incomplete, stays in progress until the Job is complete, then hands out the credentials', async () => {
    const operation = accepted(await asyncBind(b));
    // A repeat while the job still holds the lock: the same operation, at once.
    expect(accepted(await asyncBind(b))).to.equal(operation);
    await b.jobs.drain();
    expect((await stored(b))?.status).to.equal('starting');
    expect(errorOf(await b.fetchBinding.execute(ids)).kind).to.equal('NotFound');
    expect(valueOf(await poll(b))).to.deep.equal({ state: 'in progress', description: 'objects created, waiting until they are ready' });
    expect(accepted(await asyncBind(b))).to.equal(operation);
    expect(errorOf(await asyncBind(b, { parameters: { role: 'admin' } })).kind).to.equal('Conflict');
    expect(errorOf(await b.bind.execute(request())).kind).to.equal('ConcurrencyError');

    completeJob(b);
    expect(valueOf(await poll(b))).to.deep.equal({ state: 'succeeded', description: 'all objects are ready' });
    const fetched = valueOf(await b.fetchBinding.execute(ids));
    expect(fetched.credentials['password']).to.match(/^[A-Za-z0-9]{32}$/);
    const again = bound(await asyncBind(b));
    expect(again.outcome).to.equal('exists');
    expect(again.credentials['password']).to.equal(fetched.credentials['password']);
    expect(b.store.contents().join('\n')).to.not.contain(fetched.credentials['password']);
    expect(JSON.stringify(b.logger.lines)).to.not.contain(fetched.credentials['password']);
  });

  it('fails a bind whose Job does not complete in time and removes what it made; a new bind with the id starts over', async () => {
    const first = accepted(await asyncBind(b));
    await b.jobs.drain();
    b.runtime.advance(SETTINGS.readinessTimeoutMs + 1);
    const failed = valueOf(await poll(b));
    expect(failed.state).to.equal('failed');
    expect(failed.description).to.contain(`not ready within ${SETTINGS.readinessTimeoutMs / 1000}s`).and.contain('Job');
    expect([b.cluster.has(secretRef()), b.cluster.has(jobRef())]).to.deep.equal([false, false]);
    expect((await stored(b))).to.deep.include({ status: 'failed', objects: [] });
    expect(errorOf(await b.fetchBinding.execute(ids)).kind).to.equal('NotFound');

    const second = accepted(await asyncBind(b));
    expect(second).to.not.equal(first);
    await b.jobs.drain();
    completeJob(b);
    expect(valueOf(await poll(b)).state).to.equal('succeeded');
  });

  it('waits for a credential Secret that something else writes, such as an operator asked for a user', async () => {
    const user = template('tpl-user-request', configMap('user-request-{{ binding.shortId }}', { database: 'app' }), ordered('10', BINDING_LABELS));
    b = broker([...quickApiTemplates(), user]);
    valueOf(await b.provision.execute(provisionRequest()));
    expect(errorOf(await b.bind.execute(request())).message).to.contain(`Secret ${PROVIDER_NS}/user-${bindingShortId('instance-1', 'b-1')}`);
    accepted(await asyncBind(b));
    await b.jobs.drain();
    expect(valueOf(await poll(b)).state).to.equal('in progress');
    b.cluster.seed({ ...secret(secretRef().name, { username: 'app_b1', password: 'written-by-the-operator' }), metadata: { name: secretRef().name, namespace: PROVIDER_NS } });
    expect(valueOf(await poll(b)).state).to.equal('succeeded');
    expect(valueOf(await b.fetchBinding.execute(ids)).credentials).to.include({ username: 'app_b1', password: 'written-by-the-operator' });
  });

  it('unbinds a binding still waiting for readiness: its objects go, and last_operation then answers Gone', async () => {
    accepted(await asyncBind(b));
    await b.jobs.drain();
    expect(errorOf(await b.unbind.execute(ids)).kind).to.equal('AsyncRequired');
    expect(valueOf(await b.unbind.execute({ ...ids, acceptsIncomplete: true }))).to.deep.equal({ outcome: 'deleted' });
    expect([b.cluster.has(secretRef()), b.cluster.has(jobRef())]).to.deep.equal([false, false]);
    expect(errorOf(await poll(b)).kind).to.equal('Gone');
  });
});

describe('application/asynchronous unbinds', () => {
  let b: Broker;
  beforeEach(async () => {
    b = broker(SECRET_ONLY);
    valueOf(await b.provision.execute(provisionRequest()));
    bound(await b.bind.execute(request()));
    b.cluster.holdByFinalizer(secretRef().name);
  });

  it('answers 202 while an object is held by a finalizer, in progress until it is gone, then Gone', async () => {
    const answer = valueOf(await b.unbind.execute({ ...ids, acceptsIncomplete: true }));
    if (answer.outcome !== 'accepted') throw new Error('expected an accepted unbind');
    expect(valueOf(await b.unbind.execute({ ...ids, acceptsIncomplete: true }))).to.deep.equal(answer);
    expect(errorOf(await b.unbind.execute(ids)).kind).to.equal('ConcurrencyError');
    const waiting = valueOf(await poll(b));
    expect(waiting.state).to.equal('in progress');
    expect(waiting.description).to.contain(`Secret ${PROVIDER_NS}/${secretRef().name}`);
    expect(b.store.bindingCount).to.equal(1);
    b.cluster.releaseFinalizer(secretRef().name);
    expect(errorOf(await poll(b)).kind).to.equal('Gone');
    expect(b.store.bindingCount).to.equal(0);
  });

  it('synchronously: 503 with the record kept (unbinding) until the reconciler sees the object gone', async () => {
    expect(errorOf(await b.unbind.execute(ids)).kind).to.equal('Unavailable');
    expect((await stored(b))?.status).to.equal('unbinding');
    valueOf(await b.bindingReconciler.reconcileOnce());
    expect(b.store.bindingCount).to.equal(1);
    b.cluster.releaseFinalizer(secretRef().name);
    valueOf(await b.bindingReconciler.reconcileOnce());
    expect(b.store.bindingCount).to.equal(0);
  });
});

/** Another broker replica over the same store, cluster and configuration: what takes over from a dead one. */
function secondReplica(first: Broker) {
  const logger = new RecordingLogger();
  const catalog = new CatalogService(first.config, logger, new RecordingReporter());
  const records = new InstanceRecords(first.store, SETTINGS, first.runtime);
  const credentials = new BindingCredentials(first.secrets);
  const work = new BindingWork(first.store, first.cluster, new InstanceObjects(first.cluster, logger), records, credentials, catalog,
    new TemplateFacts(first.generator), logger, SETTINGS, first.runtime);
  return {
    reconciler: new BindingReconciler(first.store, work, logger, SETTINGS, first.runtime),
    lastBindingOperation: new LastBindingOperation(first.store, work),
    fetchBinding: new FetchBinding(catalog, first.store, records, credentials),
  };
}

describe('application/a broker that dies in the middle of an asynchronous bind', () => {
  let b: Broker;
  beforeEach(async () => {
    b = broker();
    valueOf(await b.provision.execute(provisionRequest()));
  });

  /** Starts a bind and kills its broker once the Secret exists and the Job's create is on its way: its lock then expires. */
  async function killedMidBind(): Promise<void> {
    const gate = b.cluster.hold('create', jobRef().name);
    accepted(await asyncBind(b));
    await gate.reached;
    expect(b.cluster.has(secretRef())).to.equal(true);
    // kill -9: the job never goes on (the gate is never released) and its lock runs out.
    b.store.holdLock('instance-1')();
  }

  it('is finished by another replica: the rest created (the Secret adopted, not doubled), then ready', async () => {
    await killedMidBind();
    const other = secondReplica(b);
    expect(valueOf(await other.lastBindingOperation.execute(ids)).state).to.equal('in progress');
    valueOf(await other.reconciler.reconcileOnce());
    expect((await stored(b))?.status).to.equal('starting');
    expect((await stored(b))?.objects?.every((ref) => ref.uid !== undefined)).to.equal(true);
    completeJob(b);
    valueOf(await other.reconciler.reconcileOnce());
    expect((await stored(b))?.status).to.equal('ready');
    expect(valueOf(await other.lastBindingOperation.execute(ids)).state).to.equal('succeeded');
    const credentials = valueOf(await other.fetchBinding.execute(ids)).credentials;
    expect(credentials['password']).to.equal((b.cluster.peek(secretRef())?.['stringData'] as Record<string, string>)['password']);
    expect(b.cluster.contents().filter((name) => name.includes(bindingShortId('instance-1', 'b-1')))).to.have.length(2);
  });

  it('is undone by another replica when the entry changed meanwhile: nothing left, last_operation failed', async () => {
    await killedMidBind();
    b.config.set({ entries: [entry()], templates: SECRET_ONLY, problems: [] });
    const other = secondReplica(b);
    valueOf(await other.reconciler.reconcileOnce());
    expect(b.cluster.has(secretRef())).to.equal(false);
    const polled = valueOf(await other.lastBindingOperation.execute(ids));
    expect(polled.state).to.equal('failed');
    expect(polled.description).to.contain('plan has changed');
  });

  it('is settled by another replica when it died after creating everything, while waiting for readiness', async () => {
    accepted(await asyncBind(b));
    await b.jobs.drain();
    const other = secondReplica(b);
    completeJob(b);
    valueOf(await other.reconciler.reconcileOnce());
    expect((await stored(b))?.status).to.equal('ready');
  });
});
