import { expect } from 'chai';
import { decodeBinding, decodeInstance, encodeBinding, encodeInstance } from '../../../../src/adapters/state/record-codec.js';
import type { BindingRecord } from '../../../../src/domain/records.js';
import { bindingRecord, instanceRecord, valueOf } from '../../builders.js';

describe('adapters/state/record-codec: Vault references', () => {
  it('keeps a binding\'s lease id and an instance\'s pinned Vault references through a write and a read', () => {
    const binding = bindingRecord({ lease: 'pki/issue/client/3f1c', expiresAt: '2024-05-01T13:00:00Z' });
    expect(valueOf(decodeBinding(encodeBinding(binding), 'b'))).to.deep.equal(binding);
    const pinned = { type: 'client-cert', provider: 'security', coordinates: { uri: 'https://mtls.example.com' } };
    for (const credentials of [
      { kind: 'FromVaultLease', path: 'pki/issue/client', body: { common_name: '{{ binding.shortId }}.example', ttl: '1h' }, keys: ['certificate'], renewBeforeMs: 600_000 },
      { kind: 'FromVault', mount: 'secret', path: 'teams/client-ns/db', version: 2, keys: ['password'] },
    ] as const) {
      const instance = instanceRecord({ pinned: { ...pinned, credentials } });
      expect(valueOf(decodeInstance(encodeInstance(instance), 'i')).pinned).to.deep.equal(instance.pinned);
    }
  });

  it('never stores a credential a caller attached to a binding record', () => {
    const leaked = { ...bindingRecord({ lease: 'pki/issue/client/3f1c' }), certificate: '-----BEGIN CERTIFICATE-----x', private_key: 'k' } as BindingRecord;
    expect(encodeBinding(leaked)).to.not.match(/CERTIFICATE|private_key/);
  });
});
