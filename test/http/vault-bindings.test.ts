/**
 * CredentialFromVault through the real Koa app and container, on the fake
 * cluster with a MemoryVault: what a platform sees (201s with certificates
 * of their own, 503 while Vault is sealed, binding_rotatable), what /readyz
 * says, and that no certificate, key or secret value reaches the state
 * store, a log line or an error body.
 */
import { expect } from 'chai';
import { MemoryVault } from '../../src/adapters/memory/memory-vault.js';
import type { BindingReconciler } from '../../src/application/binding-reconciler.js';
import { TOKENS } from '../../src/main/tokens.js';
import { startMemoryBroker, type MemoryBroker } from '../support/memory-broker.js';
import { osb } from '../support/osb-client.js';
import { VAULT_NS, VAULT_PLAN, vaultOffering, vaultRequest } from '../support/vault-offering-fixture.js';

const API_KEY = 'vault-kv-api-key-5f1e';

function pki(): MemoryVault {
  const vault = new MemoryVault();
  vault.addLeasingPath('pki/issue/client', 600, (body, serial) => ({
    certificate: `-----BEGIN CERTIFICATE-----cert-${serial}-${String(body?.['common_name'])}`,
    private_key: `-----BEGIN PRIVATE KEY-----key-${serial}`,
    issuing_ca: '-----BEGIN CERTIFICATE-----ca',
  }));
  vault.writeStatic('secret', `teams/${VAULT_NS.client}/api`, { apikey: API_KEY });
  return vault;
}

describe('Vault credentials over OSB (memory cluster, MemoryVault)', () => {
  let broker: MemoryBroker;
  let vault: MemoryVault;
  const bodies: string[] = [];
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await osb(broker.url, method, path, body === undefined ? {} : { body });
    bodies.push(response.text);
    return response;
  };
  const cert = vaultRequest('certificate');

  before(async () => {
    vault = pki();
    broker = await startMemoryBroker({ objects: vaultOffering({ issuePath: 'pki/issue/client', ttl: '10m', kvPath: 'teams/{{ consumer.namespace }}/api' }), vault });
    expect((await call('PUT', '/v2/service_instances/i-cert', cert)).status).to.equal(201);
  });
  after(async () => { await broker.stop(); });

  it('lists the leased plan as binding_rotatable', async () => {
    const catalog = await call('GET', '/v2/catalog');
    const plans = catalog.body.services.flatMap((service: { plans: { id: string; binding_rotatable: boolean }[] }) => service.plans);
    expect(plans.find((plan: { id: string }) => plan.id === VAULT_PLAN.certificate).binding_rotatable).to.equal(true);
    expect(plans.find((plan: { id: string }) => plan.id === VAULT_PLAN.apiKey).binding_rotatable).to.equal(false);
  });

  it('gives each binding a certificate of its own with the lease\'s expiry; unbinding one revokes only its lease', async () => {
    const first = await call('PUT', '/v2/service_instances/i-cert/service_bindings/b-1', cert);
    const second = await call('PUT', '/v2/service_instances/i-cert/service_bindings/b-2', cert);
    expect([first.status, second.status]).to.deep.equal([201, 201]);
    expect(first.body.credentials.certificate).to.not.equal(second.body.credentials.certificate);
    expect(first.body.credentials).to.include({ uri: 'https://mtls.example.com:8443' }).and.have.property('private_key');
    expect(first.body.metadata.expires_at).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(vault.openLeases()).to.have.length(2);

    expect((await call('DELETE', `/v2/service_instances/i-cert/service_bindings/b-1?service_id=${cert.service_id}&plan_id=${cert.plan_id}`)).status).to.equal(200);
    expect(vault.openLeases()).to.have.length(1);
    const fetched = await call('GET', '/v2/service_instances/i-cert/service_bindings/b-2');
    expect(fetched.status).to.equal(200);
    expect(fetched.body.credentials).to.not.have.property('private_key');

    const again = await call('PUT', '/v2/service_instances/i-cert/service_bindings/b-2', cert);
    expect(again.status, 'the same bind again: a new certificate, the old lease revoked').to.equal(200);
    expect(again.body.credentials.certificate).to.not.equal(second.body.credentials.certificate);
    expect(vault.openLeases()).to.have.length(1);
  });

  it('answers 503 while Vault is sealed, leaves nothing half-made, and finishes an unbind once it is back', async () => {
    vault.setOutage('sealed');
    try {
      const refused = await call('PUT', '/v2/service_instances/i-cert/service_bindings/b-3', cert);
      expect(refused.status).to.equal(503);
      expect((await call('GET', '/v2/service_instances/i-cert/service_bindings/b-3')).status).to.equal(404);
      const ready = await osb(broker.url, 'GET', '/readyz');
      expect(ready.status).to.equal(503);
      expect(ready.body.checks.vault).to.contain('sealed');
      expect((await call('DELETE', `/v2/service_instances/i-cert/service_bindings/b-2?service_id=${cert.service_id}&plan_id=${cert.plan_id}`)).status).to.equal(503);
      expect(vault.openLeases(), 'the lease of b-2 is still open: its record is kept').to.have.length(1);
    } finally {
      vault.setOutage(undefined);
    }
    await broker.broker.container.get<BindingReconciler>(TOKENS.BindingReconciler).reconcileOnce();
    expect(vault.openLeases()).to.deep.equal([]);
    expect((await call('GET', '/v2/service_instances/i-cert/service_bindings/b-2')).status).to.equal(404);
    expect((await osb(broker.url, 'GET', '/readyz')).body.checks.vault).to.equal('reachable');
  });

  it('reads a static KV secret per consumer namespace at bind', async () => {
    const kv = vaultRequest('apiKey');
    expect((await call('PUT', '/v2/service_instances/i-kv', kv)).status).to.equal(201);
    const bound = await call('PUT', '/v2/service_instances/i-kv/service_bindings/b-kv', kv);
    expect(bound.status).to.equal(201);
    expect(bound.body.credentials.apikey).to.equal(API_KEY);
  });

  it('never writes a certificate, private key or secret value to the state store, a log line or an error body', async () => {
    const handedOut = bodies.flatMap((text) => {
      const credentials = (JSON.parse(text || '{}') as { credentials?: Record<string, unknown> }).credentials ?? {};
      return ['certificate', 'private_key', 'apikey'].map((key) => credentials[key]).filter((value): value is string => typeof value === 'string' && !value.endsWith('-----ca'));
    });
    expect(handedOut.length, 'the search below means something').to.be.greaterThan(2);
    const secrets = handedOut.map((value) => value.replace(/^-----BEGIN [A-Z ]+-----/, ''));
    const stored = broker.store.contents().join('\n');
    const logs = broker.logs.join('');
    const errorBodies = bodies.filter((text) => !text.includes('"credentials"')).join('\n');
    expect(stored).to.contain('i-cert');
    expect(logs).to.contain('lease'); // lease ids are references, logged as such
    for (const secret of secrets) {
      expect(stored).to.not.contain(secret);
      expect(logs).to.not.contain(secret);
      expect(errorBodies).to.not.contain(secret);
    }
  });
});
