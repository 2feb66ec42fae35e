/**
 * Issue 13, points 3-5 at the use-case level: per-binding objects made at
 * bind and removed (exactly those) at unbind, generated per binding;
 * rotation; expiry revoked by the binding reconciler.
 */
import { expect } from 'chai';
import type { CatalogEntry } from '../../../src/domain/catalog-entry.js';
import { BINDING_LABEL, bindingLabelValue } from '../../../src/domain/resource-plan.js';
import { bindingShortId, shortId } from '../../../src/domain/template-variables.js';
import { ok } from '../../../src/domain/result.js';
import { DEDICATED_PLAN_ID, dedicatedEntry, errorOf, ordered, PROVIDER_NS, quickApiTemplates, secret, template, valueOf } from '../builders.js';
import { bindRequest, bound, makeBroker, provisionRequest, type Broker } from './harness.js';

const entry = (overrides: Partial<CatalogEntry> = {}): CatalogEntry => dedicatedEntry({
  provisioner: { kind: 'NewClusterObjects', namespace: PROVIDER_NS, name: 'api-{{ instance.shortId }}', labelSelector: 'mesitis/offering=api', bindingLabelSelector: 'mesitis/binding-of=api' },
  credentials: { kind: 'FromInstanceSecret', secretName: 'user-{{ binding.shortId }}', keys: ['username', 'password'] },
  ...overrides,
});
const TEMPLATES = [
  ...quickApiTemplates(),
  template('tpl-user', secret('user-{{ binding.shortId }}', { username: 'u-{{ binding.shortId }}', password: '{{ generated.pw length=32 }}' }),
    ordered('10', { 'mesitis/offering': 'none', 'mesitis/binding-of': 'api' })),
];

function broker(setup: Partial<CatalogEntry> = {}): Broker {
  const made = makeBroker({ entries: [entry(setup)], templates: TEMPLATES });
  // The binding's Secret is read where the cluster keeps it.
  made.secrets.readIn = async (namespace, name) => {
    const object = made.cluster.peek({ apiVersion: 'v1', kind: 'Secret', namespace, name });
    return object ? ok({ ...(object['stringData'] as Record<string, string>) }) : made.secrets.read(`${namespace}/${name}`);
  };
  return made;
}

const dedicatedBind = (bindingId: string, extra = {}) =>
  bindRequest({ bindingId, serviceId: entry().serviceId, planId: DEDICATED_PLAN_ID, ...extra });
const userSecret = (b: Broker, bindingId: string) => b.cluster.peek({ apiVersion: 'v1', kind: 'Secret', namespace: PROVIDER_NS, name: `user-${bindingShortId('instance-1', bindingId)}` });

describe('application/per-binding objects', () => {
  let b: Broker;
  beforeEach(async () => {
    b = broker({ bindingLifetime: { lifetimeMs: 3_600_000, renewBeforeMs: 600_000 } });
    valueOf(await b.provision.execute(provisionRequest()));
  });

  it('gives each binding its own Secret and credentials, labelled as the binding\'s, generated per binding and stable', async () => {
    const one = bound(await b.bind.execute(dedicatedBind('b-1')));
    const two = bound(await b.bind.execute(dedicatedBind('b-2')));
    expect(one.outcome).to.equal('created');
    expect(one.credentials['password']).to.match(/^[A-Za-z0-9]{32}$/);
    expect(one.credentials['password']).to.not.equal(two.credentials['password']);
    expect(userSecret(b, 'b-1')?.metadata.labels?.[BINDING_LABEL]).to.equal(bindingLabelValue('instance-1', 'b-1'));
    const again = bound(await b.bind.execute(dedicatedBind('b-1')));
    expect(again.outcome).to.equal('exists');
    expect(again.credentials['password']).to.equal(one.credentials['password']);
    const fetched = valueOf(await b.fetchBinding.execute({ instanceId: 'instance-1', bindingId: 'b-1', caller: {} }));
    expect(fetched.credentials['password']).to.equal(one.credentials['password']);
    const record = valueOf(await b.store.getBinding('instance-1', 'b-1'))!;
    expect(record.objects?.[0]?.uid).to.be.a('string');
    expect(b.store.contents().join('\n')).to.not.contain(one.credentials['password']).and.not.contain(two.credentials['password']);
    expect(JSON.stringify(b.logger.lines)).to.not.contain(one.credentials['password']);
  });

  it('unbind removes exactly what that bind made; deprovision removes every binding\'s objects', async () => {
    valueOf(await b.bind.execute(dedicatedBind('b-1')));
    valueOf(await b.bind.execute(dedicatedBind('b-2')));
    valueOf(await b.unbind.execute({ instanceId: 'instance-1', bindingId: 'b-1', caller: {} }));
    expect(userSecret(b, 'b-1')).to.equal(undefined);
    expect(userSecret(b, 'b-2')).to.not.equal(undefined);
    expect(b.cluster.peek({ apiVersion: 'v1', kind: 'Secret', namespace: PROVIDER_NS, name: `api-secret-${shortId('instance-1')}` })).to.not.equal(undefined);
    valueOf(await b.deprovision.execute({ instanceId: 'instance-1', acceptsIncomplete: false, caller: {} }));
    expect(userSecret(b, 'b-2')).to.equal(undefined);
    expect(b.store.bindingCount).to.equal(0);
  });

  it('carries expires_at and renew_before, and the reconciler revokes an expired binding alone', async () => {
    const one = bound(await b.bind.execute(dedicatedBind('b-1')));
    expect(one.metadata?.expires_at).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(one.metadata!.expires_at!) - Date.parse(one.metadata!.renew_before!)).to.equal(600_000);
    b.runtime.advance(1_800_000);
    valueOf(await b.bind.execute(dedicatedBind('b-2')));
    b.runtime.advance(1_800_001);
    expect(valueOf(await b.bindingReconciler.reconcileOnce())).to.deep.equal({ pending: 1, done: 1 });
    expect(userSecret(b, 'b-1')).to.equal(undefined);
    expect(userSecret(b, 'b-2')).to.not.equal(undefined);
    expect(valueOf(await b.store.getBinding('instance-1', 'b-1'))?.status).to.equal('revoked');
    expect(errorOf(await b.fetchBinding.execute({ instanceId: 'instance-1', bindingId: 'b-1', caller: {} })).kind).to.equal('NotFound');
    valueOf(await b.unbind.execute({ instanceId: 'instance-1', bindingId: 'b-1', caller: {} }));
    expect(valueOf(await b.store.getBinding('instance-1', 'b-1'))).to.equal(undefined);
  });

  it('rotates: a successor gets new credentials while the predecessor stays valid', async () => {
    const old = bound(await b.bind.execute(dedicatedBind('b-1')));
    const successor = bound(await b.bind.execute(dedicatedBind('b-2', { predecessorBindingId: 'b-1' })));
    expect(successor.credentials['password']).to.not.equal(old.credentials['password']);
    expect(userSecret(b, 'b-1')).to.not.equal(undefined);
    expect(errorOf(await b.bind.execute(dedicatedBind('b-3', { predecessorBindingId: 'nope' }))).kind).to.equal('InvalidRequest');
  });

  it('finishes an interrupted bind by rolling it back', async () => {
    valueOf(await b.bind.execute(dedicatedBind('b-1')));
    const record = valueOf(await b.store.getBinding('instance-1', 'b-1'))!;
    valueOf(await b.store.putBinding({ ...record, status: 'binding', objects: record.objects!.map(({ uid: _u, ...ref }) => ref) }));
    valueOf(await b.bindingReconciler.reconcileOnce());
    expect(userSecret(b, 'b-1')).to.equal(undefined);
    expect(valueOf(await b.store.getBinding('instance-1', 'b-1'))).to.equal(undefined);
  });
});

describe('application/rotation refused', () => {
  it('refuses predecessor_binding_id on a plan without per-binding objects', async () => {
    const b = makeBroker();
    expect(errorOf(await b.bind.execute(bindRequest({ predecessorBindingId: 'b-0' }))).kind).to.equal('InvalidRequest');
  });
});
