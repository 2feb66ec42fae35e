import { expect } from 'chai';
import { domainError } from '../../../src/domain/errors.js';
import { INSTANCE_LABEL, MANAGED_BY_LABEL, instanceLabelValue } from '../../../src/domain/resource-plan.js';
import { shortId } from '../../../src/domain/template-variables.js';
import { CLIENT_NS, OTHER_NS, PROVIDER_NS, configMap, dedicatedEntry, errorOf, ordered, quickApiTemplates, service, template, urlEntry, valueOf } from '../builders.js';
import { SETTINGS, failedByTimeout, makeBroker, pollLastOperation, provisionRequest, provisionedAsync, urlProvisionRequest, type Broker } from './harness.js';

const SHORT = shortId('instance-1');
const CONFIG = `ConfigMap ${PROVIDER_NS}/api-config-${SHORT}`;
const SECRET = `Secret ${PROVIDER_NS}/api-secret-${SHORT}`;
const DEPLOYMENT = `Deployment ${PROVIDER_NS}/api-${SHORT}`;
const SERVICE = `Service ${PROVIDER_NS}/api-${SHORT}`;

const stored = async (broker: Broker, id = 'instance-1') => valueOf(await broker.store.getInstance(id))?.record;

describe('application/provision', () => {
  let broker: Broker;
  beforeEach(() => (broker = makeBroker()));

  describe('synchronously (a plan without kinds that take time)', () => {
    beforeEach(() => (broker = makeBroker({ templates: quickApiTemplates() })));

    it('creates the objects in template order and records the instance ready', async () => {
      expect(valueOf(await broker.provision.execute(provisionRequest()))).to.deep.equal({ outcome: 'created' });
      expect(broker.cluster.calls).to.deep.equal([`create ${CONFIG}`, `create ${SECRET}`, `create ${SERVICE}`]);
      const record = await stored(broker);
      expect(record).to.include({ status: 'ready', consumerNamespace: CLIENT_NS, instanceName: 'my-api', entrySource: 'entry-api-v1' });
      expect(record!.operation).to.include({ type: 'provision', state: 'succeeded' });
      expect(record!.objects.map((o) => `${o.kind} ${o.namespace}/${o.name}`)).to.deep.equal([CONFIG, SECRET, SERVICE]);
      expect(broker.store.isLocked('instance-1')).to.equal(false);
    });

    it('labels what it creates as the instance\'s', async () => {
      valueOf(await broker.provision.execute(provisionRequest()));
      const object = valueOf(await broker.cluster.get({ apiVersion: 'v1', kind: 'Service', namespace: PROVIDER_NS, name: `api-${SHORT}` }));
      expect(object?.metadata.labels).to.include({ [MANAGED_BY_LABEL]: 'mesitis', [INSTANCE_LABEL]: instanceLabelValue('instance-1'), 'mesitis/consumer-namespace': CLIENT_NS });
    });

    it('records a plan without objects ready at once, touching no cluster', async () => {
      expect(valueOf(await broker.provision.execute(urlProvisionRequest()))).to.deep.equal({ outcome: 'created' });
      expect(broker.cluster.calls).to.deep.equal([]);
      expect((await stored(broker))?.status).to.equal('ready');
    });

    it('rolls back in reverse order when an object fails, and leaves no record', async () => {
      broker.cluster.failCreateOf(`api-${SHORT}`);
      const error = errorOf(await broker.provision.execute(provisionRequest()));
      expect(error.kind).to.equal('ConfigInvalid');
      expect(broker.cluster.calls.filter((c) => !c.startsWith('list'))).to.deep.equal([
        `create ${CONFIG}`, `create ${SECRET}`, `create ${SERVICE}`, `delete ${SECRET}`, `delete ${CONFIG}`,
      ]);
      expect(broker.cluster.contents()).to.deep.equal([]);
      expect(broker.store.instanceCount).to.equal(0);
    });

    it('rolls back every created object in reverse order when the last one fails', async () => {
      const templates = [...quickApiTemplates().filter((t) => t.source !== 'tpl-service'), template('tpl-service', service('svc-{{ instance.shortId }}'), ordered('30'))];
      const failing = makeBroker({ templates });
      failing.cluster.failCreateOf(`svc-${SHORT}`, domainError('Forbidden', 'services are not allowed'));
      expect(errorOf(await failing.provision.execute(provisionRequest()))).to.deep.equal(domainError('Forbidden', 'services are not allowed'));
      expect(failing.cluster.calls.filter((c) => !c.startsWith('list'))).to.deep.equal([
        `create ${CONFIG}`, `create ${SECRET}`, `create Service ${PROVIDER_NS}/svc-${SHORT}`, `delete ${SECRET}`, `delete ${CONFIG}`,
      ]);
      expect(failing.cluster.contents()).to.deep.equal([]);
      expect(failing.store.instanceCount).to.equal(0);
    });

    it('refuses when a planned object already exists and is not ours, leaving it and nothing else', async () => {
      broker.cluster.seed({ ...service(`api-${SHORT}`), metadata: { name: `api-${SHORT}`, namespace: PROVIDER_NS, labels: { team: 'someone' } } });
      const error = errorOf(await broker.provision.execute(provisionRequest()));
      expect(error).to.deep.equal(domainError('ObjectsExist', `${SERVICE} already exists and does not belong to this instance`));
      expect(broker.cluster.contents()).to.deep.equal([SERVICE]);
      expect(valueOf(await broker.cluster.get({ apiVersion: 'v1', kind: 'Service', namespace: PROVIDER_NS, name: `api-${SHORT}` }))?.metadata.labels).to.deep.equal({ team: 'someone' });
      expect(broker.store.instanceCount).to.equal(0);
    });

    it('adopts a planned object that already carries this instance\'s labels', async () => {
      const labels = { [MANAGED_BY_LABEL]: 'mesitis', [INSTANCE_LABEL]: instanceLabelValue('instance-1') };
      broker.cluster.seed({ ...configMap(`api-config-${SHORT}`), metadata: { name: `api-config-${SHORT}`, namespace: PROVIDER_NS, labels } });
      expect(valueOf(await broker.provision.execute(provisionRequest()))).to.deep.equal({ outcome: 'created' });
      expect(broker.cluster.contents()).to.deep.equal([CONFIG, SECRET, SERVICE]);
    });

    it('answers an identical repeat with exists and creates nothing more', async () => {
      valueOf(await broker.provision.execute(provisionRequest()));
      const calls = broker.cluster.calls.length;
      expect(valueOf(await broker.provision.execute(provisionRequest()))).to.deep.equal({ outcome: 'exists' });
      expect(broker.cluster.calls).to.have.length(calls);
    });

    it('answers the same id with different attributes with Conflict and keeps the record', async () => {
      valueOf(await broker.provision.execute(provisionRequest({ parameters: { size: 'small' } })));
      const before = await stored(broker);
      expect(errorOf(await broker.provision.execute(provisionRequest({ parameters: { size: 'large' } }))).kind).to.equal('Conflict');
      const other = urlProvisionRequest();
      expect(errorOf(await broker.provision.execute(other)).kind).to.equal('Conflict');
      expect(await stored(broker)).to.deep.equal(before);
    });
  });

  describe('a plan whose objects take time, without accepts_incomplete', () => {
    const ASYNC_REQUIRED = domainError('AsyncRequired', 'this plan creates a Deployment, which needs time to become ready: send accepts_incomplete=true');

    it('answers AsyncRequired before creating or recording anything', async () => {
      expect(errorOf(await broker.provision.execute(provisionRequest()))).to.deep.equal(ASYNC_REQUIRED);
      expect(broker.cluster.calls).to.deep.equal([]);
      expect(broker.store.instanceCount).to.equal(0);
      expect(broker.store.isLocked('instance-1')).to.equal(false);
      expect(valueOf(await broker.provision.execute(provisionRequest({ acceptsIncomplete: true }))).outcome, 'the same request with accepts_incomplete').to.equal('accepted');
    });

    for (const [kind, object] of [
      ['ReplicaSet', { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs-{{ instance.shortId }}' }, spec: { selector: { matchLabels: { app: 'rs' } }, template: { metadata: { labels: { app: 'rs' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } }],
      ['Pod', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pod-{{ instance.shortId }}' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }],
    ] as const) {
      it(`answers AsyncRequired for a plan with a ${kind} too, whatever its position`, async () => {
        const slow = makeBroker({ templates: [...quickApiTemplates(), template(`tpl-${kind}`, object, ordered('90'))] });
        expect(errorOf(await slow.provision.execute(provisionRequest())).kind).to.equal('AsyncRequired');
        expect(slow.cluster.calls).to.deep.equal([]);
        expect(slow.store.instanceCount).to.equal(0);
      });
    }

    it('answers an identical repeat of a finished instance with exists, and a different one with Conflict', async () => {
      await provisionedAsync(broker);
      const before = await stored(broker);
      const calls = broker.cluster.calls.length;
      expect(valueOf(await broker.provision.execute(provisionRequest()))).to.deep.equal({ outcome: 'exists' });
      expect(errorOf(await broker.provision.execute(provisionRequest({ parameters: { size: 'large' } }))).kind).to.equal('Conflict');
      expect(broker.cluster.calls).to.have.length(calls);
      expect(await stored(broker)).to.deep.equal(before);
    });

    it('keeps a shared URL plan and a plan of ConfigMaps, Secrets and Services synchronous', async () => {
      expect(valueOf(await broker.provision.execute(urlProvisionRequest()))).to.deep.equal({ outcome: 'created' });
      const quick = makeBroker({ templates: quickApiTemplates() });
      expect(valueOf(await quick.provision.execute(provisionRequest()))).to.deep.equal({ outcome: 'created' });
      expect((await stored(quick))?.status).to.equal('ready');
    });
  });

  describe('refusals before any effect', () => {
    const expectNoEffect = (b: Broker) => {
      expect(b.store.instanceCount).to.equal(0);
      expect(b.cluster.calls).to.deep.equal([]);
    };

    it('refuses a namespace that is not whitelisted with NotWhitelisted', async () => {
      const error = errorOf(await broker.provision.execute(provisionRequest({ context: { namespace: OTHER_NS } })));
      expect(error).to.deep.equal(domainError('NotWhitelisted', `namespace "${OTHER_NS}" is not whitelisted for plan ${dedicatedEntry().planId} of web-api`));
      expectNoEffect(broker);
    });

    it('refuses a context namespace other than the view\'s with InvalidRequest', async () => {
      const both = makeBroker({ entries: [dedicatedEntry({ whitelist: [CLIENT_NS, OTHER_NS] })] });
      const error = errorOf(await both.provision.execute(provisionRequest({ caller: { viewNamespace: OTHER_NS } })));
      expect(error).to.deep.equal(domainError('InvalidRequest', `context.namespace "${CLIENT_NS}" does not match the namespace view "${OTHER_NS}"`));
      expectNoEffect(both);
    });

    it('hides plans the view may not use as UnknownPlan', async () => {
      expect(errorOf(await broker.provision.execute(provisionRequest({ caller: { viewNamespace: OTHER_NS }, context: { namespace: OTHER_NS } }))).kind).to.equal('UnknownPlan');
      expectNoEffect(broker);
    });

    it('refuses an unknown plan and a missing namespace', async () => {
      expect(errorOf(await broker.provision.execute(provisionRequest({ planId: 'nope' }))).kind).to.equal('UnknownPlan');
      expect(errorOf(await broker.provision.execute(provisionRequest({ context: {} }))).kind).to.equal('InvalidRequest');
      expectNoEffect(broker);
    });

    it('refuses a missing template parameter with InvalidRequest', async () => {
      const needs = makeBroker({ templates: [template('tpl', configMap('c-{{ parameters.size }}'))] });
      expect(errorOf(await needs.provision.execute(provisionRequest()))).to.deep.equal(
        domainError('InvalidRequest', 'parameter "size" is required and must be a string, number or boolean'),
      );
      expectNoEffect(needs);
    });
  });

  describe('asynchronously', () => {
    it('accepts, creates in the background, and reports success once a poll finds every object ready', async () => {
      const answer = valueOf(await broker.provision.execute(provisionRequest({ acceptsIncomplete: true })));
      expect(answer).to.deep.equal({ outcome: 'accepted', operation: 'op-1' });
      await broker.jobs.drain();
      expect(broker.cluster.contents()).to.deep.equal([CONFIG, DEPLOYMENT, SERVICE]);
      expect((await stored(broker))?.status).to.equal('starting');
      expect(broker.jobs.size).to.equal(0);

      expect(valueOf(await pollLastOperation(broker))).to.deep.equal({ state: 'succeeded', description: 'all objects are ready' });
      expect((await stored(broker))?.status).to.equal('ready');
      expect(valueOf(await broker.provision.execute(provisionRequest({ acceptsIncomplete: true })))).to.deep.equal({ outcome: 'exists' });
    });

    it('answers a repeat while creating or starting with the same operation', async () => {
      broker.cluster.workloadsBecomeReady = false;
      const gate = broker.cluster.hold('create', `api-${SHORT}`);
      valueOf(await broker.provision.execute(provisionRequest({ acceptsIncomplete: true })));
      await gate.reached;
      expect(valueOf(await pollLastOperation(broker))).to.deep.equal({ state: 'in progress' });
      expect(valueOf(await broker.provision.execute(provisionRequest({ acceptsIncomplete: true })))).to.deep.equal({ outcome: 'accepted', operation: 'op-1' });
      expect(errorOf(await broker.provision.execute(provisionRequest())).kind).to.equal('ConcurrencyError');
      gate.release();
      await broker.jobs.drain();

      expect(valueOf(await pollLastOperation(broker))).to.deep.equal({ state: 'in progress', description: 'objects created, waiting until they are ready' });
      expect(valueOf(await broker.provision.execute(provisionRequest({ acceptsIncomplete: true })))).to.deep.equal({ outcome: 'accepted', operation: 'op-1' });
      expect(errorOf(await broker.provision.execute(provisionRequest({ acceptsIncomplete: true, parameters: { x: 1 } }))).kind).to.equal('Conflict');
    });

    it('stays in progress until the timeout, then fails and removes every object in reverse order', async () => {
      broker.cluster.workloadsBecomeReady = false;
      valueOf(await broker.provision.execute(provisionRequest({ acceptsIncomplete: true })));
      await broker.jobs.drain();
      broker.runtime.advance(SETTINGS.readinessTimeoutMs);
      expect(valueOf(await pollLastOperation(broker)).state).to.equal('in progress');
      expect(broker.cluster.contents()).to.have.length(3);

      broker.runtime.advance(1);
      expect(valueOf(await pollLastOperation(broker))).to.deep.equal({ state: 'failed', description: `not ready within 5s: ${DEPLOYMENT}` });
      expect(broker.cluster.contents()).to.deep.equal([]);
      expect(broker.cluster.calls.filter((c) => c.startsWith('delete'))).to.deep.equal([`delete ${SERVICE}`, `delete ${DEPLOYMENT}`, `delete ${CONFIG}`]);
      expect((await stored(broker))?.status).to.equal('failed');
      expect(valueOf(await pollLastOperation(broker)).state, 'a late poll still sees the failure').to.equal('failed');
    });

    it('fails at the next poll, before the timeout, once a rollout reports its progress deadline exceeded', async () => {
      broker.cluster.workloadsBecomeReady = false;
      valueOf(await broker.provision.execute(provisionRequest({ acceptsIncomplete: true })));
      await broker.jobs.drain();
      expect(valueOf(await pollLastOperation(broker)).state).to.equal('in progress');
      // What the Deployment controller writes when the Pods cannot be scheduled within progressDeadlineSeconds.
      broker.cluster.setStatus({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: PROVIDER_NS, name: `api-${SHORT}` }, {
        replicas: 1, unavailableReplicas: 1,
        conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "api-${SHORT}-5d8f" has timed out progressing.` }],
      });
      expect(valueOf(await pollLastOperation(broker))).to.deep.equal({
        state: 'failed', description: `${DEPLOYMENT}: the rollout failed (ProgressDeadlineExceeded: ReplicaSet "api-${SHORT}-5d8f" has timed out progressing.)`,
      });
      expect(broker.cluster.contents()).to.deep.equal([]);
    });

    it('fails when an object disappears while starting, removing the rest', async () => {
      broker.cluster.workloadsBecomeReady = false;
      valueOf(await broker.provision.execute(provisionRequest({ acceptsIncomplete: true })));
      await broker.jobs.drain();
      valueOf(await broker.cluster.delete({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: PROVIDER_NS, name: `api-${SHORT}` }));
      expect(valueOf(await pollLastOperation(broker))).to.deep.equal({ state: 'failed', description: 'an object was deleted while provisioning' });
      expect(broker.cluster.contents()).to.deep.equal([]);
    });

    it('fails when a planned object is someone else\'s, leaving theirs alone', async () => {
      broker.cluster.seed({ ...service(`api-${SHORT}`), metadata: { name: `api-${SHORT}`, namespace: PROVIDER_NS } });
      valueOf(await broker.provision.execute(provisionRequest({ acceptsIncomplete: true })));
      await broker.jobs.drain();
      const status = valueOf(await pollLastOperation(broker));
      expect(status).to.deep.equal({ state: 'failed', description: `${SERVICE} already exists and does not belong to this instance` });
      expect(broker.cluster.contents()).to.deep.equal([SERVICE]);
    });

    it('provisions again over a failed attempt', async () => {
      await failedByTimeout(broker);
      expect((await stored(broker))?.status).to.equal('failed');
      await provisionedAsync(broker);
      expect((await stored(broker))?.status).to.equal('ready');
      expect(broker.cluster.contents()).to.deep.equal([CONFIG, DEPLOYMENT, SERVICE]);
    });

    it('does not delete someone else\'s object when the failed instance is deprovisioned', async () => {
      broker.cluster.seed({ ...service(`api-${SHORT}`), metadata: { name: `api-${SHORT}`, namespace: PROVIDER_NS } });
      valueOf(await broker.provision.execute(provisionRequest({ acceptsIncomplete: true })));
      await broker.jobs.drain();
      // Platforms send this DELETE for orphan mitigation after a failed provision.
      expect(valueOf(await broker.deprovision.execute({ instanceId: 'instance-1', acceptsIncomplete: false, caller: {} }))).to.deep.equal({ outcome: 'deleted' });
      expect(broker.cluster.contents(), 'the foreign Service must survive').to.deep.equal([SERVICE]);
      expect(broker.store.instanceCount).to.equal(0);
    });
  });

  it('keeps credential values out of what it records for shared plans', async () => {
    const shared = makeBroker({ entries: [urlEntry()] });
    valueOf(await shared.provision.execute(urlProvisionRequest()));
    expect(shared.store.dump()).to.not.contain('s3cr3t-pa55');
  });
});
