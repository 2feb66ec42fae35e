import { expect } from 'chai';
import type { CatalogEntry } from '../../../src/domain/catalog-entry.js';
import { coordinatesOf } from '../../../src/domain/coordinates.js';
import { pinBinding } from '../../../src/domain/credentials.js';
import { generatedSpecs } from '../../../src/domain/generated-values.js';
import { checkEntryParameters, defaultReleaseName, planRelease, type HelmEntry } from '../../../src/domain/helm-plan.js';
import { osbParameterSchema } from '../../../src/domain/parameter-schema.js';
import { shortId, type InstanceFacts } from '../../../src/domain/template-variables.js';
import { CLIENT_NS, urlEntry } from '../builders.js';

const ARCHIVE = new Uint8Array([1, 2, 3]);

function helmEntry(overrides: Partial<HelmEntry['provisioner']> = {}, entry: Partial<CatalogEntry> = {}): HelmEntry {
  return urlEntry({
    source: 'entry-db-helm', offering: 'db',
    provisioner: {
      kind: 'HelmChart', namespace: 'db-ns', chart: { kind: 'packaged', configMap: 'db-chart', key: 'db.tgz', archive: ARCHIVE, digest: 'abc' },
      values: { replicas: '{{ parameters.replicas }}', label: 'r{{ parameters.replicas }}', password: '{{ generated.password length=16 }}', nested: ['{{ release.name }}'] },
      port: 5432, ...overrides,
    },
    credentials: { kind: 'FromInstanceSecret', secretName: '{{ release.name }}-credentials', keys: ['password'] },
    parameters: { replicas: { type: 'integer', minimum: 1, maximum: 3, default: 1 } },
    ...entry,
  }) as HelmEntry;
}

const facts = (parameters: Record<string, unknown> = {}): InstanceFacts => ({
  instanceId: 'instance-1', instanceName: 'mine', consumerNamespace: CLIENT_NS, team: 'data', offering: 'db', version: 'v1', parameters,
  generated: { password: 'p'.repeat(16) },
});

describe('domain/helm-plan', () => {
  it('renders the release: default name from the short id, values typed where a whole string is one parameter', () => {
    const planned = planRelease(helmEntry(), facts({ replicas: 2 }));
    if (!planned.ok) throw new Error(planned.error.message);
    const name = `db-${shortId('instance-1')}`;
    expect(planned.value.spec).to.deep.equal({
      namespace: 'db-ns', name, chart: { kind: 'packaged', archive: ARCHIVE },
      values: { replicas: 2, label: 'r2', password: 'p'.repeat(16), nested: [name] },
    });
  });

  it('fills in declared defaults', () => {
    const planned = planRelease(helmEntry(), facts());
    expect(planned.ok && planned.value.spec.values['replicas']).to.equal(1);
  });

  it('keeps a default release name within Helm\'s 53 characters', () => {
    const name = defaultReleaseName('A'.repeat(80));
    expect(name.replace('{{ instance.shortId }}', 'abcdef12')).to.have.length(53);
    expect(defaultReleaseName('Fancy.Offering')).to.equal('fancy-offering-{{ instance.shortId }}');
  });

  it('points coordinates at the release\'s Service and credentials at its Secret', () => {
    const entry = helmEntry();
    const planned = planRelease(entry, facts());
    if (!planned.ok) throw new Error(planned.error.message);
    const coordinates = coordinatesOf(entry, planned.value.facts, []);
    const name = `db-${shortId('instance-1')}`;
    expect(coordinates).to.deep.equal({ ok: true, value: { host: `${name}.db-ns.svc.cluster.local`, port: 5432 } });
    if (!coordinates.ok) return;
    expect(pinBinding(entry, coordinates.value, planned.value.facts).credentials).to.deep.equal({
      kind: 'FromInstanceSecret', namespace: 'db-ns', secretName: `${name}-credentials`, keys: ['password'],
    });
  });

  it('asks for the generated values the values use', () => {
    expect(generatedSpecs(helmEntry(), [])).to.deep.equal({ ok: true, value: [{ name: 'password', length: 16, alphabet: 'alnum' }] });
  });

  it('accepts only declared parameters, of their type and within limits; none when a Helm entry declares none', () => {
    const entry = helmEntry();
    expect(checkEntryParameters(entry, { replicas: 2 }).ok).to.equal(true);
    const tooMany = checkEntryParameters(entry, { replicas: 4 });
    expect(!tooMany.ok && tooMany.error).to.deep.equal({ kind: 'InvalidRequest', message: 'parameter "replicas" must be at most 3' });
    const wrongType = checkEntryParameters(entry, { replicas: 'two' });
    expect(!wrongType.ok && wrongType.error.message).to.equal('parameter "replicas" must be a whole number');
    const unknown = checkEntryParameters(entry, { size: 1 });
    expect(!unknown.ok && unknown.error.message).to.equal('parameter "size" is not accepted by this plan (accepted: replicas)');
    const { parameters: _declared, ...undeclared } = entry;
    const none = checkEntryParameters(undeclared, { replicas: 1 });
    expect(!none.ok && none.error.message).to.contain('it accepts none');
    expect(checkEntryParameters(urlEntry(), { anything: 1 }).ok, 'other entries without a declaration: unchanged').to.equal(true);
  });

  it('publishes the declaration as a draft-04 JSON schema of exactly these properties', () => {
    expect(osbParameterSchema({ tier: { type: 'string', enum: ['a', 'b'], required: true, description: 'size' } })).to.deep.equal({
      $schema: 'http://json-schema.org/draft-04/schema#', type: 'object', additionalProperties: false,
      properties: { tier: { type: 'string', enum: ['a', 'b'], description: 'size' } }, required: ['tier'],
    });
  });
});
