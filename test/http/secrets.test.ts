import { expect } from 'chai';
import { deriveServiceId } from '../../src/domain/catalog-entry.js';
import { startMemoryBroker, type MemoryBroker } from '../support/memory-broker.js';
import { osb } from '../support/osb-client.js';
import { shortId } from '../../src/domain/template-variables.js';
import type { BindingReconciler } from '../../src/application/binding-reconciler.js';
import { TOKENS } from '../../src/main/tokens.js';
import { bindingShortId } from '../../src/domain/template-variables.js';
import type { KubeObject } from '../../src/domain/kube-object.js';
import {
  GENERATED_PLAN, generatedOffering, KNOWN_PASSWORD, kubernetesContext, NS, PER_BINDING_PLAN, perBindingOffering, PLAN, platformGuids, providerFixture, SECRET_PASSWORD,
} from '../support/provider-fixture.js';

/** The promise that matters most to a providing team: credentials are handed out, never kept or logged. */
describe('credentials stay secret', () => {
  let broker: MemoryBroker;
  before(async () => { broker = await startMemoryBroker({ objects: [...providerFixture(), ...generatedOffering(), ...perBindingOffering()] }); });
  after(async () => { await broker.stop(); });

  it('never writes a credential value to the state store, a log line or an error body', async () => {
    const bodies: string[] = [];
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await osb(broker.url, method, path, body === undefined ? {} : { body });
      bodies.push(response.text);
      return response;
    };
    const url = { service_id: deriveServiceId('web', 'time-api'), plan_id: PLAN.url, ...platformGuids(NS.client), context: kubernetesContext(NS.client) };
    const pg = { service_id: deriveServiceId('data', 'postgres'), plan_id: PLAN.shared, ...platformGuids(NS.client), context: kubernetesContext(NS.client) };
    expect((await call('PUT', '/v2/service_instances/s-url', url)).status).to.equal(201);
    expect((await call('PUT', '/v2/service_instances/s-pg', pg)).status).to.equal(201);
    const bound = await call('PUT', '/v2/service_instances/s-url/service_bindings/b-url', url);
    expect(bound.body.credentials.password).to.equal(KNOWN_PASSWORD); // the consumer does get it
    expect((await call('PUT', '/v2/service_instances/s-pg/service_bindings/b-pg', pg)).body.credentials.password).to.equal(SECRET_PASSWORD);
    await call('GET', '/v2/service_instances/s-url/service_bindings/b-url');
    await call('PUT', '/v2/service_instances/s-url/service_bindings/b-url', { ...url, parameters: { x: 1 } }); // 409
    await call('PUT', '/v2/service_instances/s-pg/service_bindings/b-x', { ...pg, context: kubernetesContext(NS.other) }); // 403

    const stored = broker.store.contents().join('\n');
    expect(stored).to.contain('s-url'); // the store is not empty: the search below means something
    expect(stored).to.not.contain(KNOWN_PASSWORD);
    expect(stored).to.not.contain(SECRET_PASSWORD);
    const logs = broker.logs.join('');
    expect(logs).to.contain('b-url');
    expect(logs).to.not.contain(KNOWN_PASSWORD);
    expect(logs).to.not.contain(SECRET_PASSWORD);
    const errorBodies = bodies.filter((text) => !text.includes('"credentials"')).join('\n');
    expect(errorBodies).to.not.contain(KNOWN_PASSWORD);
    expect(errorBodies).to.not.contain(SECRET_PASSWORD);
  });

  it('hands out a generated password only from the instance\'s own Secret: never stored, logged or in an error body', async () => {
    const bodies: string[] = [];
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await osb(broker.url, method, path, body === undefined ? {} : { body });
      bodies.push(response.text);
      return response;
    };
    const own = { service_id: deriveServiceId('data', 'own-db'), plan_id: GENERATED_PLAN, ...platformGuids(NS.client), context: kubernetesContext(NS.client) };
    expect((await call('PUT', '/v2/service_instances/s-gen', own)).status).to.equal(201);
    const made = broker.cluster.get({ kind: 'Secret', namespace: NS.target, name: `db-${shortId('s-gen')}` });
    const generated = Buffer.from(String((made?.['data'] as Record<string, string>)['password']), 'base64').toString('utf8');
    expect(generated).to.match(/^[A-Za-z0-9]{32}$/);
    const config = broker.cluster.get({ kind: 'ConfigMap', namespace: NS.target, name: `db-config-${shortId('s-gen')}` });
    expect((config?.['data'] as Record<string, string>)['init.sql']).to.equal(`CREATE USER app PASSWORD '${generated}';`);

    const bound = await call('PUT', '/v2/service_instances/s-gen/service_bindings/b-gen', own);
    expect(bound.status).to.equal(201);
    expect(bound.body.credentials).to.deep.include({ username: 'app', password: generated, host: `db-${shortId('s-gen')}.${NS.target}.svc.cluster.local` });
    expect((await call('GET', '/v2/service_instances/s-gen/service_bindings/b-gen')).body.credentials.password).to.equal(generated);
    expect((await call('PUT', '/v2/service_instances/s-gen', { ...own, parameters: { x: 1 } })).status).to.equal(409);
    await call('PUT', '/v2/service_instances/s-gen/service_bindings/b-gen', { ...own, parameters: { x: 1 } }); // 409
    // A second instance gets a password of its own.
    expect((await call('PUT', '/v2/service_instances/s-gen-2', own)).status).to.equal(201);
    const second = (await call('PUT', '/v2/service_instances/s-gen-2/service_bindings/b-gen-2', own)).body.credentials.password;
    expect(second).to.be.a('string').and.not.equal(generated);

    const stored = broker.store.contents().join('\n');
    expect(stored).to.contain('s-gen').and.contain(`db-${shortId('s-gen')}`); // the reference is there, the value is not
    const logs = broker.logs.join('');
    expect(logs).to.contain('s-gen');
    const errorBodies = bodies.filter((text) => !text.includes('"credentials"')).join('\n');
    expect(errorBodies).to.contain('already exists'); // the 409s are in there
    for (const value of [generated, second]) {
      expect(stored).to.not.contain(value);
      expect(logs).to.not.contain(value);
      expect(errorBodies).to.not.contain(value);
    }
  });

  it('keeps generated values secret per instance and per binding, through rotation, unbind and expiry: never stored, logged or in an error body', async function () {
    this.timeout(20_000);
    const bodies: string[] = [];
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await osb(broker.url, method, path, body === undefined ? {} : { body });
      bodies.push(response.text);
      return response;
    };
    const request = (plan: string) => ({ service_id: deriveServiceId('data', 'own-users'), plan_id: plan, ...platformGuids(NS.client), context: kubernetesContext(NS.client) });
    const users = request(PER_BINDING_PLAN.long);
    const base = '/v2/service_instances/s-users';
    const secretValue = (name: string, key: string): string | undefined => {
      const data = broker.cluster.get({ kind: 'Secret', namespace: NS.target, name })?.['data'] as Record<string, string> | undefined;
      return data?.[key] === undefined ? undefined : Buffer.from(data[key]!, 'base64').toString('utf8');
    };
    const userSecret = (instanceId: string, bindingId: string) => `users-${shortId(instanceId)}-${bindingShortId(instanceId, bindingId)}`;

    expect((await call('PUT', base, users)).status).to.equal(201);
    const owner = secretValue(`users-${shortId('s-users')}-owner`, 'password')!;
    expect(owner).to.match(/^[A-Za-z0-9]{32}$/);

    // Two consumers, each with a user and a password of its own, neither the instance's.
    const one = await call('PUT', `${base}/service_bindings/b-1`, users);
    const two = await call('PUT', `${base}/service_bindings/b-2`, users);
    expect([one.status, two.status]).to.deep.equal([201, 201]);
    expect(one.body.credentials).to.deep.include({ username: `u${bindingShortId('s-users', 'b-1')}`, password: secretValue(userSecret('s-users', 'b-1'), 'password') });
    expect(one.body.metadata.expires_at).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const perBinding = [one.body.credentials.password as string, two.body.credentials.password as string];
    expect(new Set([owner, ...perBinding]).size).to.equal(3);
    expect((await call('PUT', `${base}/service_bindings/b-1`, users)).body.credentials.password).to.equal(perBinding[0]);
    expect((await call('GET', `${base}/service_bindings/b-1`)).body.credentials.password).to.equal(perBinding[0]);
    expect((await call('PUT', `${base}/service_bindings/b-1`, { ...users, parameters: { x: 1 } })).status).to.equal(409);

    // Rotation: the successor gets a new password; the predecessor still works until it is unbound.
    const successor = await call('PUT', `${base}/service_bindings/b-3`, { ...users, predecessor_binding_id: 'b-1' });
    expect(successor.status, successor.text).to.equal(201);
    const rotated = successor.body.credentials.password as string;
    expect([owner, ...perBinding]).to.not.include(rotated);
    expect((await call('GET', `${base}/service_bindings/b-1`)).body.credentials.password).to.equal(perBinding[0]);
    expect((await call('PUT', `${base}/service_bindings/b-4`, { ...users, predecessor_binding_id: 'b-none' })).status).to.equal(400);
    expect((await call('DELETE', `${base}/service_bindings/b-1?service_id=${users.service_id}&plan_id=${users.plan_id}`)).status).to.equal(200);
    expect(secretValue(userSecret('s-users', 'b-1'), 'password')).to.equal(undefined);
    expect(secretValue(userSecret('s-users', 'b-2'), 'password')).to.equal(perBinding[1]);
    expect((await call('GET', `${base}/service_bindings/b-1`)).status).to.equal(404);

    // Expiry: the broker revokes the binding itself, its Secret goes, its record says why.
    const short = request(PER_BINDING_PLAN.short);
    expect((await call('PUT', '/v2/service_instances/s-short', short)).status).to.equal(201);
    const expiring = await call('PUT', '/v2/service_instances/s-short/service_bindings/b-short', short);
    expect(expiring.status, expiring.text).to.equal(201);
    const expired = expiring.body.credentials.password as string;
    const shortOwner = secretValue(`users-${shortId('s-short')}-owner`, 'password')!;
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    // A pass now rather than the broker's next one; a periodic pass holding the lock just now makes it wait for the next try.
    const reconciler = broker.broker.container.get<BindingReconciler>(TOKENS.BindingReconciler);
    for (let tries = 0; secretValue(userSecret('s-short', 'b-short'), 'password') !== undefined && tries < 50; tries++) {
      expect((await reconciler.reconcileOnce()).ok).to.equal(true);
      if (secretValue(userSecret('s-short', 'b-short'), 'password') !== undefined) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(secretValue(userSecret('s-short', 'b-short'), 'password')).to.equal(undefined);
    expect(secretValue(`users-${shortId('s-short')}-owner`, 'password')).to.equal(shortOwner);
    expect((await call('GET', '/v2/service_instances/s-short/service_bindings/b-short')).status).to.equal(404);
    expect((await call('PUT', '/v2/service_instances/s-short/service_bindings/b-short', short)).status).to.equal(409);

    const values = [owner, shortOwner, ...perBinding, rotated, expired];
    expect(new Set(values).size).to.equal(values.length);
    const stored = broker.store.contents().join('\n');
    // The references are there (the binding's own Secret, its expiry, its predecessor), the values are not.
    expect(stored).to.contain(userSecret('s-users', 'b-2')).and.contain('"predecessorId":"b-1"').and.contain('"status":"revoked"');
    const logs = broker.logs.join('');
    expect(logs).to.contain('b-3').and.contain('b-short');
    const errorBodies = bodies.filter((text) => !text.includes('"credentials"')).join('\n');
    expect(errorBodies).to.contain('already exists').and.contain('predecessor_binding_id');
    // Only the Secrets hold values: not the ConfigMap that asks the service to accept a user, nor any other object.
    const objectsOutsideSecrets: KubeObject[] = [NS.target, NS.provider].flatMap((ns) => ['ConfigMap', 'Service'].flatMap((kind) => broker.cluster.list(kind, ns)));
    expect(objectsOutsideSecrets.map((o) => o.metadata.name)).to.include(`users-${shortId('s-users')}-role-${bindingShortId('s-users', 'b-2')}`);
    for (const value of values) {
      for (const form of [value, Buffer.from(value).toString('base64')]) {
        expect(stored, 'state store').to.not.contain(form);
        expect(logs, 'log lines').to.not.contain(form);
        expect(errorBodies, 'error bodies').to.not.contain(form);
        expect(JSON.stringify(objectsOutsideSecrets), 'objects other than Secrets').to.not.contain(form);
      }
    }
  });
});
