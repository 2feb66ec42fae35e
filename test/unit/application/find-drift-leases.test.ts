import { expect } from 'chai';
import { MemoryVault } from '../../../src/adapters/memory/memory-vault.js';
import { driftJson, driftTable, summary } from '../../../src/adapters/provider-cli/doctor-report.js';
import { FindDrift, isClean } from '../../../src/application/use-cases/find-drift.js';
import { errorOf, urlEntry, valueOf } from '../builders.js';
import { bindRequest, bound, makeBroker, urlProvisionRequest } from './harness.js';

describe('application/find-drift: Vault leases of bindings being removed', () => {
  async function unbindWhileSealed() {
    const vault = new MemoryVault();
    vault.addLeasingPath('pki/issue/client', 3600, (_body, serial) => ({ certificate: `cert-${serial}` }));
    const broker = makeBroker({ entries: [urlEntry({ credentials: { kind: 'FromVaultLease', path: 'pki/issue/client' } })], vault });
    valueOf(await broker.provision.execute(urlProvisionRequest()));
    bound(await broker.bind.execute(bindRequest()));
    bound(await broker.bind.execute(bindRequest({ bindingId: 'binding-2' })));
    vault.setOutage('sealed');
    expect(errorOf(await broker.unbind.execute({ instanceId: 'instance-1', bindingId: 'binding-1', caller: {} })).kind).to.equal('Unavailable');
    vault.setOutage(undefined);
    return { broker, vault };
  }

  it('lists the open lease of a binding whose revocation failed, not those of live bindings, until the reconciler revokes it', async () => {
    const { broker, vault } = await unbindWhileSealed();
    const lease = valueOf(await broker.store.getBinding('instance-1', 'binding-1'))?.lease;
    const find = new FindDrift(broker.cluster, broker.store, broker.catalog, vault);
    const report = valueOf(await find.execute());
    expect(report.leases).to.have.length(1);
    expect(report.leases[0]).to.include({ instanceId: 'instance-1', bindingId: 'binding-1', leaseId: lease });
    expect(isClean(report)).to.equal(false);
    expect(driftTable(report)).to.contain(`Vault lease ${lease} is still open`);
    expect(summary(report)).to.contain('1 open Vault lease of removed bindings');
    expect((driftJson(report) as { leases: unknown[]; clean: boolean })).to.deep.include({ clean: false }).and.have.property('leases').with.length(1);

    valueOf(await broker.bindingReconciler.reconcileOnce());
    expect(valueOf(await find.execute()).leases).to.deep.equal([]);
  });

  it('checks no lease without the broker\'s Vault', async () => {
    const { broker } = await unbindWhileSealed();
    expect(valueOf(await new FindDrift(broker.cluster, broker.store, broker.catalog).execute()).leases).to.deep.equal([]);
  });
});
