import { expect } from 'chai';
import { shortId } from '../../../src/domain/template-variables.js';
import { apiTemplates, configMap, dedicatedEntry, errorOf, ordered, PROVIDER_NS, service, template, urlEntry, valueOf } from '../builders.js';
import { bindRequest, makeBroker, pollLastOperation, provisionRequest, type Broker } from './harness.js';

const fetchBinding = (broker: Broker) => broker.fetchBinding.execute({ instanceId: 'instance-1', bindingId: 'binding-1', caller: {} });
const dedicatedBind = () => bindRequest({ serviceId: dedicatedEntry().serviceId, planId: dedicatedEntry().planId });

/** A dedicated instance, provisioned asynchronously until ready, with one binding. */
async function boundDedicated(broker: Broker): Promise<void> {
  valueOf(await broker.provision.execute(provisionRequest({ acceptsIncomplete: true })));
  await broker.jobs.drain();
  expect(valueOf(await pollLastOperation(broker)).state).to.equal('succeeded');
  valueOf(await broker.bind.execute(dedicatedBind()));
}

describe('application: instances pinned to what was provisioned', () => {
  let broker: Broker;
  beforeEach(() => (broker = makeBroker()));
  const host = `api-${shortId('instance-1')}.${PROVIDER_NS}.svc.cluster.local`;

  it('keeps a binding\'s port when the provider changes the Service template afterwards', async () => {
    await boundDedicated(broker);
    const changed = [...apiTemplates().filter((t) => t.source !== 'tpl-service'), template('tpl-service', service('api-{{ instance.shortId }}', 9999), ordered('30'))];
    broker.config.set({ entries: [urlEntry(), dedicatedEntry()], templates: changed, problems: [] });
    const answer = valueOf(await fetchBinding(broker));
    expect(answer.credentials).to.include({ host, port: 8080 });
    expect(answer.endpoints).to.deep.equal([{ host, ports: ['8080'], protocol: 'tcp' }]);
  });

  it('keeps a binding\'s host when the provider renames the Service template afterwards', async () => {
    await boundDedicated(broker);
    broker.config.set({ entries: [urlEntry(), dedicatedEntry({ provisioner: { kind: 'NewClusterObjects', namespace: PROVIDER_NS, name: 'renamed', labelSelector: 'mesitis/offering=api' } })], templates: apiTemplates(), problems: [] });
    expect(valueOf(await fetchBinding(broker)).credentials).to.include({ host, port: 8080 });
  });

  it('still fetches, unbinds and deprovisions an instance whose entry was deleted', async () => {
    await boundDedicated(broker);
    broker.config.set({ entries: [urlEntry()], templates: [template('other', configMap('x'))], problems: [] });
    expect(valueOf(await fetchBinding(broker)).credentials).to.include({ host, port: 8080 });
    expect(valueOf(await broker.fetchInstance.execute({ instanceId: 'instance-1', caller: {} }))).to.include({ planId: dedicatedEntry().planId });
    valueOf(await broker.unbind.execute({ instanceId: 'instance-1', bindingId: 'binding-1', caller: {} }));
    expect(valueOf(await broker.deprovision.execute({ instanceId: 'instance-1', acceptsIncomplete: true, caller: {} })).outcome).to.equal('accepted');
    await broker.jobs.drain();
    expect(broker.cluster.contents()).to.deep.equal([]);
  });

  it('keeps no credential value in the pinned record, only where to read it', async () => {
    valueOf(await broker.provision.execute(provisionRequest({ serviceId: urlEntry().serviceId, planId: urlEntry().planId })));
    const record = valueOf(await broker.store.getInstance('instance-1'))!.record;
    expect(record.pinned).to.deep.equal({
      type: 'postgres', provider: 'data', credentials: { kind: 'FromCatalog' },
      coordinates: { uri: 'postgres://db.example.com:5432/app', host: 'db.example.com', port: 5432 },
    });
    expect(JSON.stringify(record)).to.not.contain('s3cr3t-pa55');
  });
});

describe('application: bindings die with their instance', () => {
  it('refuses a bind sent during a synchronous deprovision, and leaves no binding record behind', async () => {
    const broker = makeBroker({ templates: [template('tpl-config', configMap('api-config-{{ instance.shortId }}'), ordered('10'))] });
    valueOf(await broker.provision.execute(provisionRequest()));
    valueOf(await broker.bind.execute(dedicatedBind()));
    const gate = broker.cluster.hold('delete', `api-config-${shortId('instance-1')}`);
    const deprovision = broker.deprovision.execute({ instanceId: 'instance-1', acceptsIncomplete: false, caller: {} });
    await gate.reached;
    expect(errorOf(await broker.bind.execute({ ...dedicatedBind(), bindingId: 'binding-2' })).kind).to.equal('ConcurrencyError');
    gate.release();
    expect(valueOf(await deprovision).outcome).to.equal('deleted');
    expect(broker.store.bindingCount).to.equal(0);
  });

  it('refuses a bind once an asynchronous deprovision has started, and leaves no binding record behind', async () => {
    const broker = makeBroker();
    await boundDedicated(broker);
    const gate = broker.cluster.hold('delete', `api-${shortId('instance-1')}`);
    expect(valueOf(await broker.deprovision.execute({ instanceId: 'instance-1', acceptsIncomplete: true, caller: {} })).outcome).to.equal('accepted');
    await gate.reached;
    const refused = errorOf(await broker.bind.execute({ ...dedicatedBind(), bindingId: 'binding-2' }));
    expect(refused.kind).to.equal('ConcurrencyError');
    gate.release();
    await broker.jobs.drain();
    expect(broker.store.bindingCount).to.equal(0);
  });
});

describe('application: a deprovision waits for objects held by a finalizer', () => {
  const quick = () => makeBroker({ templates: [template('tpl-config', configMap('api-config-{{ instance.shortId }}'), ordered('10'))] });
  const name = `api-config-${shortId('instance-1')}`;

  it('asynchronously: in progress while the object terminates, gone only after it is', async () => {
    const broker = quick();
    valueOf(await broker.provision.execute(provisionRequest()));
    broker.cluster.holdByFinalizer(name);
    valueOf(await broker.deprovision.execute({ instanceId: 'instance-1', acceptsIncomplete: true, caller: {} }));
    await broker.jobs.drain();
    expect(valueOf(await pollLastOperation(broker)).state).to.equal('in progress');
    expect(broker.cluster.contents()).to.have.length(1);
    broker.cluster.releaseFinalizer(name);
    expect(errorOf(await pollLastOperation(broker)).kind).to.equal('Gone');
  });

  it('synchronously: 503 and the record kept, deprovisioning, until the reconciler sees the object gone', async () => {
    const broker = quick();
    valueOf(await broker.provision.execute(provisionRequest()));
    broker.cluster.holdByFinalizer(name);
    expect(errorOf(await broker.deprovision.execute({ instanceId: 'instance-1', acceptsIncomplete: false, caller: {} })).kind).to.equal('Unavailable');
    expect(valueOf(await broker.store.getInstance('instance-1'))?.record.status).to.equal('deprovisioning');
    broker.cluster.releaseFinalizer(name);
    valueOf(await broker.reconciler.reconcileOnce());
    expect(valueOf(await broker.store.getInstance('instance-1'))?.record.status).to.equal('gone');
  });
});
