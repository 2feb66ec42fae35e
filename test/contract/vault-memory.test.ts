/** MemoryVault keeps the Vault contract the real server is tested against, outages included. */
import { expect } from 'chai';
import { MemoryVault } from '../../src/adapters/memory/memory-vault.js';
import { describeVault, expectFailure, expectOk } from './vault.contract.js';

const ISSUE = 'pki/issue/client';
const newVault = (now?: () => number): MemoryVault => {
  const vault = new MemoryVault(now);
  vault.addLeasingPath(ISSUE, 600, (body, serial) => ({ certificate: `cert for ${String(body?.['common_name'])} #${serial}`, serial_number: serial }));
  return vault;
};

describeVault('MemoryVault', async () => {
  const vault = newVault();
  return {
    vault,
    kvMount: 'secret',
    writeStatic: async (path, data) => vault.writeStatic('secret', path, data),
    deleteVersions: async (path, versions) => vault.deleteVersions('secret', path, versions),
    leasing: { path: ISSUE, body: (commonName) => ({ common_name: commonName }), uniqueKeys: ['certificate', 'serial_number'] },
    leaseExists: async (leaseId) => vault.openLeases().includes(leaseId),
    cleanup: async () => {},
  };
});

describe('MemoryVault beyond the contract', function () {
  it('fails every call with the sealed or unreachable kind during an outage, and serves again after', async function () {
    const vault = newVault();
    vault.writeStatic('secret', 'app', { a: '1' });
    for (const outage of ['sealed', 'unreachable'] as const) {
      vault.setOutage(outage);
      expect(expectFailure(await vault.health(), outage).kind).to.equal('Unavailable');
      expectFailure(await vault.readStatic({ mount: 'secret', path: 'app' }), outage);
      expectFailure(await vault.leaseCredential(ISSUE, {}), outage);
      expectFailure(await vault.revokeLease('x'), outage);
    }
    vault.setOutage(undefined);
    expectOk(await vault.readStatic({ mount: 'secret', path: 'app' }));
  });

  it('lets a lease expire by its TTL', async function () {
    let clock = 0;
    const vault = newVault(() => clock);
    const lease = expectOk(await vault.leaseCredential(ISSUE, { common_name: 'a' }));
    clock += 599_000;
    expect(vault.openLeases()).to.deep.equal([lease.leaseId]);
    clock += 1_000;
    expect(vault.openLeases()).to.deep.equal([]);
    expect(expectOk(await vault.lookupLease(lease.leaseId))).to.equal('absent');
  });
});
