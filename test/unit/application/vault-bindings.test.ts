import { expect } from 'chai';
import sinon from 'sinon';
import { MemoryVault } from '../../../src/adapters/memory/memory-vault.js';
import type { CatalogEntry } from '../../../src/domain/catalog-entry.js';
import { domainError } from '../../../src/domain/errors.js';
import { err } from '../../../src/domain/result.js';
import { bindingShortId } from '../../../src/domain/template-variables.js';
import { CLIENT_NS, errorOf, urlEntry, valueOf } from '../builders.js';
import { bindRequest, bound, makeBroker, urlProvisionRequest } from './harness.js';

const HOUR = 3600;
const START = Date.parse('2024-05-01T12:00:00.000Z');

/** A PKI-like engine: each call a certificate of its own, named by the request's common name. */
function pkiVault(runtime: { now(): Date }, ttlSeconds = HOUR): MemoryVault {
  const vault = new MemoryVault(() => runtime.now().getTime());
  vault.addLeasingPath('pki/issue/client', ttlSeconds, (body, serial) => ({
    certificate: `-----BEGIN CERTIFICATE-----${serial}/${String(body?.['common_name'])}`,
    private_key: `-----BEGIN PRIVATE KEY-----${serial}`,
    serial_number: serial,
  }));
  return vault;
}

const leaseEntry = (overrides: Partial<CatalogEntry> = {}) => urlEntry({
  credentials: { kind: 'FromVaultLease', path: 'pki/issue/client', body: { common_name: '{{ binding.shortId }}.example', ttl: '1h' }, keys: ['certificate', 'private_key'] },
  ...overrides,
});

/** A broker whose only plan leases a certificate per binding, with instance-1 provisioned. */
async function leasing(entry: CatalogEntry = leaseEntry(), ttlSeconds = HOUR) {
  const clock = { now: () => new Date(START) };
  const vault = pkiVault(clock, ttlSeconds);
  const broker = makeBroker({ entries: [entry], vault });
  clock.now = () => broker.runtime.now();
  valueOf(await broker.provision.execute(urlProvisionRequest()));
  return { broker, vault };
}

const unbindRequest = (bindingId = 'binding-1') => ({ instanceId: 'instance-1', bindingId, caller: {} });

describe('application/Vault lease per binding', () => {
  it('gives two bindings certificates of their own, each under its own lease, and stores only the lease ids', async () => {
    const { broker, vault } = await leasing();
    const first = bound(await broker.bind.execute(bindRequest()));
    const second = bound(await broker.bind.execute(bindRequest({ bindingId: 'binding-2' })));

    expect(first.credentials['certificate']).to.match(new RegExp(`/${bindingShortId('instance-1', 'binding-1')}\\.example$`));
    expect(first.credentials['certificate']).to.not.equal(second.credentials['certificate']);
    expect(first.credentials).to.include({ host: 'db.example.com' }).and.not.have.property('serial_number');
    const records = valueOf(await broker.store.listBindings('instance-1'));
    const leases = records.map((record) => record.lease);
    expect(leases).to.have.length(2).and.to.have.members(vault.openLeases());
    const stored = broker.store.contents().join('\n');
    for (const value of [first, second].flatMap((answer) => [answer.credentials['certificate'], answer.credentials['private_key']])) {
      expect(stored).to.not.contain(String(value));
    }
  });

  it('expires a binding with its lease: expires_at at the lease end, renew_before a third ahead', async () => {
    const { broker } = await leasing();
    const answer = bound(await broker.bind.execute(bindRequest()));
    expect(answer.metadata).to.deep.equal({ expires_at: '2024-05-01T13:00:00Z', renew_before: '2024-05-01T12:40:00Z' });
  });

  it('unbinding one binding revokes its lease and leaves the other valid', async () => {
    const { broker, vault } = await leasing();
    bound(await broker.bind.execute(bindRequest()));
    bound(await broker.bind.execute(bindRequest({ bindingId: 'binding-2' })));
    const [, second] = valueOf(await broker.store.listBindings('instance-1')).sort((a, b) => a.id.localeCompare(b.id));

    expect(valueOf(await broker.unbind.execute(unbindRequest()))).to.deep.equal({ outcome: 'deleted' });
    expect(vault.openLeases()).to.deep.equal([second!.lease]);
    expect(broker.store.bindingCount).to.equal(1);
  });

  it('rotation takes a new lease for the successor; the predecessor keeps its own until unbound', async () => {
    const { broker, vault } = await leasing();
    const first = bound(await broker.bind.execute(bindRequest()));
    const successor = bound(await broker.bind.execute(bindRequest({ bindingId: 'binding-2', predecessorBindingId: 'binding-1' })));
    expect(successor.credentials['certificate']).to.not.equal(first.credentials['certificate']);
    expect(vault.openLeases()).to.have.length(2);
    valueOf(await broker.unbind.execute(unbindRequest()));
    expect(vault.openLeases()).to.have.length(1);
  });

  it('the broker revokes an expired binding\'s lease (a lifetime shorter than the lease) and keeps the record as revoked', async () => {
    const { broker, vault } = await leasing(leaseEntry({ bindingLifetime: { lifetimeMs: 10 * 60_000 } }));
    const answer = bound(await broker.bind.execute(bindRequest()));
    expect(answer.metadata?.expires_at).to.equal('2024-05-01T12:10:00Z');
    broker.runtime.advance(10 * 60_000 + 1);

    valueOf(await broker.bindingReconciler.reconcileOnce());
    expect(vault.openLeases()).to.deep.equal([]);
    const record = valueOf(await broker.store.getBinding('instance-1', 'binding-1'));
    expect(record?.status).to.equal('revoked');
    expect(record).to.not.have.property('lease');
  });

  it('a Vault outage at bind answers Unavailable and leaves neither a record nor a lease', async () => {
    const { broker, vault } = await leasing();
    for (const outage of ['sealed', 'unreachable'] as const) {
      vault.setOutage(outage);
      expect(errorOf(await broker.bind.execute(bindRequest())).kind).to.equal('Unavailable');
    }
    vault.setOutage(undefined);
    expect(broker.store.bindingCount).to.equal(0);
    expect(vault.openLeases()).to.deep.equal([]);
  });

  it('a record that cannot be written has its lease revoked at once', async () => {
    const { broker, vault } = await leasing();
    sinon.stub(broker.store, 'createBinding').resolves(err(domainError('Unavailable', 'the store is away')));
    expect(errorOf(await broker.bind.execute(bindRequest())).kind).to.equal('Unavailable');
    expect(vault.openLeases()).to.deep.equal([]);
  });

  it('a lease missing a listed key is revoked and the entry blamed', async () => {
    const { broker, vault } = await leasing(leaseEntry({ credentials: { kind: 'FromVaultLease', path: 'pki/issue/client', keys: ['ca_chain'] } }));
    expect(errorOf(await broker.bind.execute(bindRequest()))).to.deep.include({ kind: 'ConfigInvalid' });
    expect(vault.openLeases()).to.deep.equal([]);
    expect(broker.store.bindingCount).to.equal(0);
  });

  it('a revocation that fails keeps the binding unbinding with its lease; the reconciler revokes it once Vault is back', async () => {
    const { broker, vault } = await leasing();
    bound(await broker.bind.execute(bindRequest()));
    const [lease] = vault.openLeases();
    vault.setOutage('sealed');
    expect(errorOf(await broker.unbind.execute(unbindRequest())).kind).to.equal('Unavailable');
    const kept = valueOf(await broker.store.getBinding('instance-1', 'binding-1'));
    expect(kept).to.deep.include({ status: 'unbinding', lease });

    valueOf(await broker.bindingReconciler.reconcileOnce());
    expect(broker.store.bindingCount, 'still sealed: kept').to.equal(1);
    vault.setOutage(undefined);
    expect(valueOf(await broker.bindingReconciler.reconcileOnce())).to.deep.equal({ pending: 1, done: 1 });
    expect(broker.store.bindingCount).to.equal(0);
    expect(vault.openLeases()).to.deep.equal([]);
  });

  it('an asynchronous unbind while Vault is sealed is accepted, polled as in progress, and done once the lease is revoked', async () => {
    const { broker, vault } = await leasing();
    bound(await broker.bind.execute(bindRequest()));
    vault.setOutage('unreachable');
    const accepted = valueOf(await broker.unbind.execute({ ...unbindRequest(), acceptsIncomplete: true }));
    expect(accepted.outcome).to.equal('accepted');
    const poll = () => broker.lastBindingOperation.execute({ instanceId: 'instance-1', bindingId: 'binding-1', caller: {} });
    expect(valueOf(await poll()).state).to.equal('in progress');
    expect(vault.openLeases()).to.have.length(1);
    vault.setOutage(undefined);
    expect(errorOf(await poll()).kind, 'revoked and forgotten: Gone').to.equal('Gone');
    expect(vault.openLeases()).to.deep.equal([]);
  });

  it('an expiry whose revocation fails is retried on the next pass', async () => {
    const { broker, vault } = await leasing(leaseEntry({ bindingLifetime: { lifetimeMs: 60_000 } }));
    bound(await broker.bind.execute(bindRequest()));
    broker.runtime.advance(60_001);
    vault.setOutage('unreachable');
    expect(valueOf(await broker.bindingReconciler.reconcileOnce())).to.deep.equal({ pending: 1, done: 0 });
    const kept = valueOf(await broker.store.getBinding('instance-1', 'binding-1'));
    expect(kept?.status).to.not.equal('revoked');
    expect(kept).to.have.property('lease');
    vault.setOutage(undefined);
    expect(valueOf(await broker.bindingReconciler.reconcileOnce())).to.deep.equal({ pending: 1, done: 1 });
    expect(vault.openLeases()).to.deep.equal([]);
  });

  it('deprovisioning revokes the leases of the bindings it forgets', async () => {
    const { broker, vault } = await leasing();
    bound(await broker.bind.execute(bindRequest()));
    valueOf(await broker.deprovision.execute({ instanceId: 'instance-1', caller: {}, acceptsIncomplete: false }));
    expect(vault.openLeases()).to.deep.equal([]);
  });

  it('a fetch answers the coordinates only: Vault handed the credential out once', async () => {
    const { broker } = await leasing();
    bound(await broker.bind.execute(bindRequest()));
    const fetched = valueOf(await broker.fetchBinding.execute({ instanceId: 'instance-1', bindingId: 'binding-1', caller: {} }));
    expect(fetched.credentials).to.deep.equal({ type: 'postgres', provider: 'data', host: 'db.example.com', port: 5432, uri: 'postgres://db.example.com:5432/app' });
    expect(fetched.metadata?.expires_at).to.equal('2024-05-01T13:00:00Z');
  });

  it('an identical bind again answers a new certificate under a new lease, the old one revoked: one lease per binding', async () => {
    const { broker, vault } = await leasing();
    const first = bound(await broker.bind.execute(bindRequest()));
    const [old] = vault.openLeases();
    const again = bound(await broker.bind.execute(bindRequest()));
    expect(again.outcome).to.equal('exists');
    expect(again.credentials['certificate']).to.be.a('string').and.not.equal(first.credentials['certificate']);
    const lease = valueOf(await broker.store.getBinding('instance-1', 'binding-1'))?.lease;
    expect(vault.openLeases()).to.deep.equal([lease]).and.not.include(old);
    expect(errorOf(await broker.bind.execute(bindRequest({ parameters: { other: 1 } }))).kind).to.equal('Conflict');
  });

  it('an identical bind again while Vault is sealed changes nothing: the record keeps its lease, still open', async () => {
    const { broker, vault } = await leasing();
    bound(await broker.bind.execute(bindRequest()));
    const [old] = vault.openLeases();
    vault.setOutage('sealed');
    expect(errorOf(await broker.bind.execute(bindRequest())).kind).to.equal('Unavailable');
    vault.setOutage(undefined);
    expect(valueOf(await broker.store.getBinding('instance-1', 'binding-1'))?.lease).to.equal(old);
    expect(vault.openLeases()).to.deep.equal([old]);
  });

  it('an installation without Vault refuses the bind and says how to configure it', async () => {
    const broker = makeBroker({ entries: [leaseEntry()], vault: 'none' });
    valueOf(await broker.provision.execute(urlProvisionRequest()));
    expect(errorOf(await broker.bind.execute(bindRequest())).message).to.contain('no Vault configured (--vault-address');
    expect(broker.store.bindingCount).to.equal(0);
  });
});

describe('application/Vault static secret', () => {
  const staticEntry = () => urlEntry({ credentials: { kind: 'FromVault', mount: 'secret', path: 'teams/{{ consumer.namespace }}/db', keys: ['username', 'password'] } });

  it('reads the KV secret of the consumer namespace at bind and again at fetch', async () => {
    const vault = new MemoryVault();
    vault.writeStatic('secret', `teams/${CLIENT_NS}/db`, { username: 'app', password: 'first-pass', extra: 'not handed out' });
    vault.writeStatic('secret', 'teams/other-ns/db', { username: 'other', password: 'other-pass' });
    const broker = makeBroker({ entries: [staticEntry()], vault });
    valueOf(await broker.provision.execute(urlProvisionRequest()));
    const answer = bound(await broker.bind.execute(bindRequest()));
    expect(answer.credentials).to.include({ username: 'app', password: 'first-pass' }).and.not.have.property('extra');

    vault.writeStatic('secret', `teams/${CLIENT_NS}/db`, { username: 'app', password: 'second-pass' });
    const fetched = valueOf(await broker.fetchBinding.execute({ instanceId: 'instance-1', bindingId: 'binding-1', caller: {} }));
    expect(fetched.credentials).to.include({ password: 'second-pass' });
    expect(broker.store.contents().join('\n')).to.not.match(/first-pass|second-pass/);
  });

  it('answers Unavailable while Vault is sealed, and records nothing', async () => {
    const vault = new MemoryVault();
    vault.writeStatic('secret', `teams/${CLIENT_NS}/db`, { username: 'app', password: 'pass' });
    const broker = makeBroker({ entries: [staticEntry()], vault });
    valueOf(await broker.provision.execute(urlProvisionRequest()));
    vault.setOutage('sealed');
    expect(errorOf(await broker.bind.execute(bindRequest())).kind).to.equal('Unavailable');
    expect(broker.store.bindingCount).to.equal(0);
  });
});
