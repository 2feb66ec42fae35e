/**
 * Issue 13, points 1 and 2 at the use-case level: generated values are
 * derived once per instance (the same everywhere, again on a resumed
 * provision, in no record or log line), and credentials read from the
 * instance's own Secret wait for it.
 */
import { expect } from 'chai';
import type { CatalogEntry } from '../../../src/domain/catalog-entry.js';
import { refOf } from '../../../src/domain/kube-object.js';
import { planResources } from '../../../src/domain/resource-plan.js';
import { shortId } from '../../../src/domain/template-variables.js';
import { TemplateFacts } from '../../../src/application/template-facts.js';
import { configMap, dedicatedEntry, DEDICATED_PLAN_ID, errorOf, instanceRecord, ordered, PROVIDER_NS, quickApiTemplates, apiTemplates, secret, template, valueOf } from '../builders.js';
import { bindRequest, bound, makeBroker, pollLastOperation, provisionRequest, SETTINGS, type Broker } from './harness.js';

const SID = shortId('instance-1');
const TEMPLATES = [
  template('tpl-secret', secret('db-{{ instance.shortId }}', { password: '{{ generated.pw length=32 }}' }), ordered('10')),
  template('tpl-config', configMap('cfg-{{ instance.shortId }}', { dsn: 'postgres://app:{{ generated.pw length=32 }}@db' }), ordered('20')),
];
const generatedEntry = (): CatalogEntry => dedicatedEntry({ credentials: { kind: 'FromInstanceSecret', secretName: 'db-{{ instance.shortId }}', keys: ['password'] } });

async function objectNamed(broker: Broker, kind: string, name: string): Promise<Record<string, unknown>> {
  const object = valueOf(await broker.cluster.get({ apiVersion: 'v1', kind, namespace: PROVIDER_NS, name }));
  if (!object) throw new Error(`${kind} ${name} was not created`);
  return object as unknown as Record<string, unknown>;
}

const passwordIn = async (broker: Broker, id = SID) => ((await objectNamed(broker, 'Secret', `db-${id}`))['stringData'] as Record<string, string>)['password']!;
const dsnIn = async (broker: Broker, id = SID) => ((await objectNamed(broker, 'ConfigMap', `cfg-${id}`))['data'] as Record<string, string>)['dsn']!;

describe('application/generated values', () => {
  it('derives a value once per instance: the same in every object that names it, in no record and no log line', async () => {
    const broker = makeBroker({ entries: [generatedEntry()], templates: TEMPLATES });
    expect(valueOf(await broker.provision.execute(provisionRequest()))).to.deep.equal({ outcome: 'created' });
    const password = await passwordIn(broker);
    expect(password).to.match(/^[A-Za-z0-9]{32}$/);
    expect(await dsnIn(broker)).to.equal(`postgres://app:${password}@db`);
    expect(broker.store.contents().join('\n')).to.contain('instance-1').and.not.contain(password);
    expect(JSON.stringify(broker.logger.lines)).to.not.contain(password);
  });

  it('renders the value a first attempt delivered again when a resumed provision creates the rest', async () => {
    const broker = makeBroker({ entries: [generatedEntry()], templates: TEMPLATES });
    const entry = generatedEntry();
    const record = instanceRecord({ serviceId: entry.serviceId, planId: DEDICATED_PLAN_ID, parameters: {}, status: 'provisioning' });
    // The first attempt, rendered on its own, created the Secret and died.
    const facts = valueOf(await new TemplateFacts(broker.generator).of(entry, TEMPLATES, record));
    const plan = valueOf(planResources(entry, TEMPLATES, facts));
    broker.cluster.seed(plan[0]!);
    valueOf(await broker.store.createInstance({
      ...record, objects: plan.map(refOf),
      operation: { id: 'op-dead', type: 'provision', state: 'in progress', startedAt: '2024-05-01T11:59:00.000Z' },
    }));
    const callsBefore = broker.generator.calls;

    valueOf(await broker.reconciler.reconcileOnce());
    expect(broker.generator.calls).to.be.greaterThan(callsBefore); // rendered afresh, not copied from anywhere
    expect(await dsnIn(broker)).to.equal(`postgres://app:${await passwordIn(broker)}@db`);
  });

  it('gives each instance a value of its own', async () => {
    const broker = makeBroker({ entries: [generatedEntry()], templates: TEMPLATES });
    valueOf(await broker.provision.execute(provisionRequest()));
    valueOf(await broker.provision.execute(provisionRequest({ instanceId: 'instance-2' })));
    expect(await passwordIn(broker)).to.not.equal(await passwordIn(broker, shortId('instance-2')));
  });

  it('refuses a provision that needs a generated value while the key Secret is missing, changing nothing', async () => {
    const broker = makeBroker({ entries: [generatedEntry()], templates: TEMPLATES, generationKey: 'missing' });
    const refused = errorOf(await broker.provision.execute(provisionRequest()));
    expect(refused.kind).to.equal('ConfigInvalid');
    expect(refused.message).to.contain('generation key Secret');
    expect(broker.store.contents()).to.deep.equal([]);
    expect(broker.cluster.contents()).to.deep.equal([]);
    // Plans without generated values do not need the key at all.
    const plain = makeBroker({ generationKey: 'missing' });
    expect(valueOf(await plain.provision.execute(provisionRequest({ acceptsIncomplete: true }))).outcome).to.equal('accepted');
  });
});

describe('application/credentials from the instance\'s own Secret', () => {
  const operatorSecret = `${PROVIDER_NS}/made-by-operator-${SID}`;
  const entry = () => dedicatedEntry({ credentials: { kind: 'FromInstanceSecret', secretName: 'made-by-operator-{{ instance.shortId }}', keys: ['password'] } });
  const bind = (broker: Broker) => broker.bind.execute(bindRequest({ serviceId: entry().serviceId, planId: DEDICATED_PLAN_ID }));

  it('keeps an async provision in progress until the Secret exists, then succeeds', async () => {
    const broker = makeBroker({ entries: [entry()], templates: apiTemplates() });
    valueOf(await broker.provision.execute(provisionRequest({ acceptsIncomplete: true })));
    await broker.jobs.drain();
    expect(valueOf(await pollLastOperation(broker)).state).to.equal('in progress');
    broker.secrets.secrets.set(operatorSecret, { password: 'from-the-operator', other: 'not handed out' });
    expect(valueOf(await pollLastOperation(broker)).state).to.equal('succeeded');
    const answer = bound(await bind(broker));
    expect(answer.credentials['password']).to.equal('from-the-operator');
    expect(answer.credentials).to.not.have.property('other');
  });

  it('fails the provision when the Secret does not appear within the readiness timeout, naming it', async () => {
    const broker = makeBroker({ entries: [entry()], templates: apiTemplates() });
    valueOf(await broker.provision.execute(provisionRequest({ acceptsIncomplete: true })));
    await broker.jobs.drain();
    broker.runtime.advance(SETTINGS.readinessTimeoutMs + 1);
    const polled = valueOf(await pollLastOperation(broker));
    expect(polled.state).to.equal('failed');
    expect(polled.description).to.contain(`Secret ${operatorSecret}`);
  });

  it('answers a bind before the Secret (or a listed key) exists with a ConcurrencyError the platform retries, recording nothing', async () => {
    const broker = makeBroker({ entries: [entry()], templates: quickApiTemplates() });
    valueOf(await broker.provision.execute(provisionRequest()));
    const early = errorOf(await bind(broker));
    expect(early.kind).to.equal('ConcurrencyError');
    expect(early.message).to.contain('does not exist yet');
    broker.secrets.secrets.set(operatorSecret, { username: 'u' });
    expect(errorOf(await bind(broker)).message).to.contain('has no key password yet');
    expect(valueOf(await broker.store.listBindings('instance-1'))).to.deep.equal([]);
    broker.secrets.secrets.set(operatorSecret, { password: 'now-there' });
    expect(bound(await bind(broker)).credentials['password']).to.equal('now-there');
  });

  it('pins the resolved name and namespace in the record, never a value', async () => {
    const broker = makeBroker({ entries: [entry()], templates: quickApiTemplates() });
    valueOf(await broker.provision.execute(provisionRequest()));
    const record = valueOf(await broker.store.getInstance('instance-1'))?.record;
    expect(record?.pinned?.credentials).to.deep.equal({ kind: 'FromInstanceSecret', namespace: PROVIDER_NS, secretName: `made-by-operator-${SID}`, keys: ['password'] });
  });
});


