import { expect } from 'chai';
import { domainError } from '../../../src/domain/errors.js';
import { OTHER_NS, dedicatedEntry, errorOf, urlEntry, valueOf } from '../builders.js';
import { bindRequest, makeBroker, urlProvisionRequest } from './harness.js';

const secretEntry = () => urlEntry({ credentials: { kind: 'FromClusterSecret', secretName: 'db-credentials' } });

describe('application/unbind', () => {
  it('answers Gone for an unknown binding', async () => {
    const broker = makeBroker();
    expect(errorOf(await broker.unbind.execute({ instanceId: 'instance-1', bindingId: 'binding-1', caller: {} }))).to.deep.equal(
      domainError('Gone', 'binding binding-1 does not exist'),
    );
  });

  it('forgets the binding, then answers Gone', async () => {
    const broker = makeBroker();
    valueOf(await broker.provision.execute(urlProvisionRequest()));
    valueOf(await broker.bind.execute(bindRequest()));
    const request = { instanceId: 'instance-1', bindingId: 'binding-1', caller: {} };
    expect(valueOf(await broker.unbind.execute(request))).to.deep.equal({ outcome: 'deleted' });
    expect(broker.store.bindingCount).to.equal(0);
    expect(errorOf(await broker.unbind.execute(request)).kind).to.equal('Gone');
  });

  it('answers Gone through another namespace\'s view and keeps the binding', async () => {
    const broker = makeBroker();
    valueOf(await broker.provision.execute(urlProvisionRequest()));
    valueOf(await broker.bind.execute(bindRequest()));
    expect(errorOf(await broker.unbind.execute({ instanceId: 'instance-1', bindingId: 'binding-1', caller: { viewNamespace: OTHER_NS } })).kind).to.equal('Gone');
    expect(broker.store.bindingCount).to.equal(1);
  });
});

describe('application/fetch-binding', () => {
  it('derives the credentials again, as the configuration says now', async () => {
    const broker = makeBroker({ entries: [secretEntry()], secrets: { 'db-credentials': { username: 'reader', password: 'old-password' } } });
    valueOf(await broker.provision.execute(urlProvisionRequest()));
    valueOf(await broker.bind.execute(bindRequest({ parameters: { role: 'ro' } })));
    broker.secrets.secrets.set('db-credentials', { username: 'reader', password: 'rotated-password' });

    const fetched = valueOf(await broker.fetchBinding.execute({ instanceId: 'instance-1', bindingId: 'binding-1', caller: {} }));
    expect(fetched.credentials).to.include({ username: 'reader', password: 'rotated-password', host: 'db.example.com' });
    expect(fetched.parameters).to.deep.equal({ role: 'ro' });
    expect(fetched.endpoints).to.deep.equal([{ host: 'db.example.com', ports: ['5432'], protocol: 'tcp' }]);
  });

  it('answers NotFound for an unknown binding or through another namespace\'s view', async () => {
    const broker = makeBroker();
    expect(errorOf(await broker.fetchBinding.execute({ instanceId: 'instance-1', bindingId: 'binding-1', caller: {} })).kind).to.equal('NotFound');
    valueOf(await broker.provision.execute(urlProvisionRequest()));
    valueOf(await broker.bind.execute(bindRequest()));
    expect(errorOf(await broker.fetchBinding.execute({ instanceId: 'instance-1', bindingId: 'binding-1', caller: { viewNamespace: OTHER_NS } })).kind).to.equal('NotFound');
  });

  it('still answers when the plan left the catalog: coordinates pinned, catalog values gone with their entry', async () => {
    const broker = makeBroker();
    valueOf(await broker.provision.execute(urlProvisionRequest()));
    valueOf(await broker.bind.execute(bindRequest()));
    broker.config.set({ entries: [dedicatedEntry()], templates: [], problems: [] });
    const answer = valueOf(await broker.fetchBinding.execute({ instanceId: 'instance-1', bindingId: 'binding-1', caller: {} }));
    expect(answer.credentials).to.deep.equal({ type: 'postgres', provider: 'data', host: 'db.example.com', port: 5432, uri: 'postgres://db.example.com:5432/app' });
  });
});
