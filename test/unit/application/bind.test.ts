import { expect } from 'chai';
import { domainError } from '../../../src/domain/errors.js';
import { shortId } from '../../../src/domain/template-variables.js';
import { CLIENT_NS, OTHER_NS, PROVIDER_NS, dedicatedEntry, errorOf, urlEntry, valueOf } from '../builders.js';
import { bindRequest, bound, failedByTimeout, makeBroker, provisionRequest, provisionedAsync, urlProvisionRequest, type Broker } from './harness.js';

const PASSWORD = 's3cr3t-pa55';
const SECRET_PASSWORD = 'fr0m-the-s3cret';
const secretEntry = () => urlEntry({ credentials: { kind: 'FromClusterSecret', secretName: 'db-credentials' } });
const URL_CREDENTIALS = {
  type: 'postgres', provider: 'data', host: 'db.example.com', port: 5432, uri: 'postgres://db.example.com:5432/app', username: 'app', password: PASSWORD,
};

describe('application/bind', () => {
  let broker: Broker;

  async function withInstance(setup: Parameters<typeof makeBroker>[0] = {}): Promise<void> {
    broker = makeBroker(setup);
    valueOf(await broker.provision.execute(urlProvisionRequest()));
  }

  it('derives credentials from the catalog and the coordinates', async () => {
    await withInstance();
    expect(valueOf(await broker.bind.execute(bindRequest()))).to.deep.equal({
      outcome: 'created',
      credentials: URL_CREDENTIALS,
      endpoints: [{ host: 'db.example.com', ports: ['5432'], protocol: 'tcp' }],
    });
  });

  it('derives credentials from the entry\'s Secret', async () => {
    await withInstance({ entries: [secretEntry()], secrets: { 'db-credentials': { username: 'reader', password: SECRET_PASSWORD } } });
    const answer = bound(await broker.bind.execute(bindRequest()));
    expect(answer.credentials).to.deep.equal({ ...URL_CREDENTIALS, username: 'reader', password: SECRET_PASSWORD });
  });

  it('refuses when the entry\'s Secret is missing, recording nothing', async () => {
    await withInstance({ entries: [secretEntry()] });
    expect(errorOf(await broker.bind.execute(bindRequest()))).to.deep.equal(
      domainError('ConfigInvalid', 'entry entry-db-v1: credential Secret "db-credentials" does not exist in the broker namespace'),
    );
    expect(broker.store.bindingCount).to.equal(0);
  });

  it('derives the in-cluster host and Service port of a dedicated instance', async () => {
    broker = makeBroker();
    await provisionedAsync(broker);
    const entry = dedicatedEntry();
    const answer = bound(await broker.bind.execute(bindRequest({ serviceId: entry.serviceId, planId: entry.planId })));
    const host = `api-${shortId('instance-1')}.${PROVIDER_NS}.svc.cluster.local`;
    expect(answer.credentials).to.deep.equal({ type: 'api', provider: 'web', host, port: 8080 });
  });

  it('records no credential value, in the store or in the log', async () => {
    await withInstance({ entries: [secretEntry()], secrets: { 'db-credentials': { username: 'reader', password: SECRET_PASSWORD } } });
    valueOf(await broker.bind.execute(bindRequest()));
    valueOf(await broker.fetchBinding.execute({ instanceId: 'instance-1', bindingId: 'binding-1', caller: {} }));
    const recorded = broker.store.dump();
    expect(recorded).to.contain('binding-1');
    expect(recorded).to.not.contain(SECRET_PASSWORD);
    expect(JSON.stringify(broker.logger.lines)).to.not.contain(SECRET_PASSWORD);

    const fromCatalog = makeBroker();
    valueOf(await fromCatalog.provision.execute(urlProvisionRequest()));
    valueOf(await fromCatalog.bind.execute(bindRequest()));
    expect(fromCatalog.store.dump()).to.not.contain(PASSWORD);
    expect(JSON.stringify(fromCatalog.logger.lines)).to.not.contain(PASSWORD);
  });

  it('answers an identical bind with exists and the same credentials', async () => {
    await withInstance();
    valueOf(await broker.bind.execute(bindRequest({ parameters: { role: 'ro' } })));
    const again = bound(await broker.bind.execute(bindRequest({ parameters: { role: 'ro' } })));
    expect(again.outcome).to.equal('exists');
    expect(again.credentials).to.deep.equal(URL_CREDENTIALS);
    expect(broker.store.bindingCount).to.equal(1);
  });

  it('answers the same binding id with different parameters with Conflict', async () => {
    await withInstance();
    valueOf(await broker.bind.execute(bindRequest({ parameters: { role: 'ro' } })));
    expect(errorOf(await broker.bind.execute(bindRequest({ parameters: { role: 'rw' } })))).to.deep.equal(
      domainError('Conflict', 'binding binding-1 already exists with different attributes'),
    );
  });

  it('refuses to bind while the instance is still being provisioned, also while its objects start', async () => {
    broker = makeBroker();
    broker.cluster.workloadsBecomeReady = false;
    const gate = broker.cluster.hold('create', `api-${shortId('instance-1')}`);
    valueOf(await broker.provision.execute(provisionRequest({ acceptsIncomplete: true })));
    await gate.reached;
    const entry = dedicatedEntry();
    const bind = () => broker.bind.execute(bindRequest({ serviceId: entry.serviceId, planId: entry.planId }));
    expect(errorOf(await bind())).to.deep.equal(domainError('ConcurrencyError', 'instance instance-1 is still being provisioned'));
    gate.release();
    await broker.jobs.drain();
    expect(valueOf(await broker.store.getInstance('instance-1'))?.record.status).to.equal('starting');
    expect(errorOf(await bind())).to.deep.equal(domainError('ConcurrencyError', 'instance instance-1 is still being provisioned'));
    expect(broker.store.bindingCount).to.equal(0);
  });

  it('refuses to bind an instance that failed to provision', async () => {
    broker = makeBroker();
    await failedByTimeout(broker);
    const entry = dedicatedEntry();
    expect(errorOf(await broker.bind.execute(bindRequest({ serviceId: entry.serviceId, planId: entry.planId }))).kind).to.equal('Unsupported');
    expect(broker.store.bindingCount).to.equal(0);
  });

  it('answers NotFound for an unknown instance and InvalidRequest for the wrong plan', async () => {
    broker = makeBroker();
    expect(errorOf(await broker.bind.execute(bindRequest()))).to.deep.equal(domainError('NotFound', 'instance instance-1 does not exist'));
    valueOf(await broker.provision.execute(urlProvisionRequest()));
    const entry = dedicatedEntry();
    expect(errorOf(await broker.bind.execute(bindRequest({ serviceId: entry.serviceId, planId: entry.planId }))).kind).to.equal('InvalidRequest');
    expect(broker.store.bindingCount).to.equal(0);
  });

  it('refuses a namespace that is not whitelisted', async () => {
    await withInstance();
    expect(errorOf(await broker.bind.execute(bindRequest({ context: { namespace: OTHER_NS } }))).kind).to.equal('NotWhitelisted');
    expect(broker.store.bindingCount).to.equal(0);
  });

  it('takes the instance\'s namespace when the bind has no context', async () => {
    await withInstance();
    valueOf(await broker.bind.execute(bindRequest({ context: undefined })));
    const record = valueOf(await broker.store.getBinding('instance-1', 'binding-1'));
    expect(record?.consumerNamespace).to.equal(CLIENT_NS);
  });

  it('does not let another namespace\'s view bind to an instance it does not own', async () => {
    await withInstance({ entries: [urlEntry({ whitelist: [CLIENT_NS, OTHER_NS] })] });
    const result = await broker.bind.execute(bindRequest({ context: { namespace: OTHER_NS }, caller: { viewNamespace: OTHER_NS } }));
    expect(result.ok, 'a bind through other-ns\'s view must not hand out client-ns\'s credentials').to.equal(false);
    // Indistinguishable from an instance that does not exist: the view must not learn the id is taken elsewhere.
    const unknown = errorOf(await makeBroker({ entries: [urlEntry({ whitelist: [CLIENT_NS, OTHER_NS] })] }).bind.execute(bindRequest({ context: { namespace: OTHER_NS }, caller: { viewNamespace: OTHER_NS } })));
    expect(errorOf(result)).to.deep.equal(unknown);
    expect(unknown).to.deep.equal(domainError('NotFound', 'instance instance-1 does not exist'));
    expect(broker.store.bindingCount).to.equal(0);
  });

  it('records who asked and the app guid', async () => {
    await withInstance();
    const originatingIdentity = { platform: 'kubernetes', value: { username: 'alice' } };
    valueOf(await broker.bind.execute(bindRequest({ appGuid: 'app-1', caller: { originatingIdentity } })));
    const record = valueOf(await broker.store.getBinding('instance-1', 'binding-1'));
    expect(record).to.include({ appGuid: 'app-1', instanceId: 'instance-1', createdAt: '2024-05-01T12:00:00.000Z' });
    expect(record?.originatingIdentity).to.deep.equal(originatingIdentity);
  });
});
