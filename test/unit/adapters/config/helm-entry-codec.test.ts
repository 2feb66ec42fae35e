/**
 * ProvisionHelmChart entries read from ConfigMaps: both spellings, the
 * three chart sources, a chart packaged into a ConfigMap's binaryData and
 * resolved to its bytes, declared parameters, and the catalog problems of a
 * broken entry (for that entry only, naming the ConfigMap).
 */
import { expect } from 'chai';
import type { ConfigMapDocument } from '../../../../src/adapters/config/config-map-document.js';
import { toConfigMapDocument } from '../../../../src/adapters/config/config-map-document.js';
import { decodeProviderConfig } from '../../../../src/adapters/config/decode-provider-config.js';
import { assembleCatalog } from '../../../../src/domain/catalog.js';
import type { CatalogEntry } from '../../../../src/domain/catalog-entry.js';
import { maintenanceVersionOf } from '../../../../src/domain/maintenance.js';
import { jsonDoc, urlEntryFields } from './entry-docs.js';

const ARCHIVE = new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3]);
const chartDoc = (name: string, binary: Record<string, Uint8Array> = { 'fixture-db-0.1.0.tgz': ARCHIVE }): ConfigMapDocument => ({
  name, labels: { 'mesitis/kind': 'helm-chart' }, data: {}, binaryData: binary,
});

const helmData = (overrides: Record<string, unknown> = {}) => ({
  namespace: 'db-ns', chart: { configMap: 'db-chart' }, values: { image: { tag: '{{ version }}' }, password: '{{ generated.password length=16 }}' }, port: 5432, ...overrides,
});
const helmEntry = (name: string, data: Record<string, unknown> = helmData(), extra: Record<string, unknown> = {}) =>
  jsonDoc(name, urlEntryFields({ offering: 'db', uuid: `plan-${name}`, version: name, provisionkind: 'ProvisionHelmChart', provisiondata: data, ...extra }));

function onlyEntry(docs: ConfigMapDocument[]): CatalogEntry {
  const catalog = assembleCatalog(decodeProviderConfig(docs));
  expect(catalog.problems).to.deep.equal([]);
  const [entry] = catalog.offerings.flatMap((o) => o.plans);
  return entry!;
}

describe('adapters/config: ProvisionHelmChart entries', () => {
  it('reads a chart packaged into a ConfigMap, in either spelling, resolved to its bytes', () => {
    const explicit = onlyEntry([helmEntry('v1'), chartDoc('db-chart')]);
    expect(explicit.provisioner).to.deep.include({ kind: 'HelmChart', namespace: 'db-ns', port: 5432 });
    const chart = explicit.provisioner.kind === 'HelmChart' ? explicit.provisioner.chart : undefined;
    expect(chart).to.deep.include({ kind: 'packaged', configMap: 'db-chart', key: 'fixture-db-0.1.0.tgz', archive: ARCHIVE });

    const { provisionkind: _k, provisiondata: _d, ...rest } = urlEntryFields({ offering: 'db', uuid: 'plan-v1', version: 'v1' });
    const asKey = onlyEntry([jsonDoc('v1', { ...rest, ProvisionHelmChart: helmData() }), chartDoc('db-chart')]);
    expect(asKey.provisioner).to.deep.equal(explicit.provisioner);
  });

  it('reads binaryData as base64 from a ConfigMap object (API server, manifest)', () => {
    const doc = toConfigMapDocument({
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'db-chart', labels: { 'mesitis/kind': 'helm-chart' } },
      binaryData: { 'c.tgz': Buffer.from(ARCHIVE).toString('base64') },
    });
    expect(doc.binaryData?.['c.tgz']).to.deep.equal(ARCHIVE);
  });

  it('reads repository and OCI charts as written', () => {
    const repo = onlyEntry([helmEntry('v1', helmData({ chart: { Repository: 'https://charts.example.com/stable', Name: 'db', Version: '1.2.3' } }))]);
    expect(repo.provisioner).to.deep.include({ chart: { kind: 'repository', url: 'https://charts.example.com/stable', chart: 'db', version: '1.2.3' } });
    const oci = onlyEntry([helmEntry('v1', helmData({ chart: { oci: 'oci://registry.example.com/charts/db', version: '1.2.3' } }))]);
    expect(oci.provisioner).to.deep.include({ chart: { kind: 'oci', reference: 'oci://registry.example.com/charts/db', version: '1.2.3' } });
  });

  it('refuses, for that entry only, a chart ConfigMap that is missing, naming it', () => {
    const catalog = assembleCatalog(decodeProviderConfig([helmEntry('v1'), helmEntry('v2', helmData({ chart: { configMap: 'gone-chart' } })), chartDoc('db-chart')]));
    expect(catalog.offerings.flatMap((o) => o.plans).map((p) => p.source)).to.deep.equal(['v1']);
    expect(catalog.problems).to.have.length(1);
    expect(catalog.problems[0]).to.include({ source: 'v2', field: 'provisiondata.chart.configmap' });
    expect(catalog.problems[0]!.message).to.contain('gone-chart');
  });

  it('refuses a chart ConfigMap with several packages when the entry names no key, and one without binaryData', () => {
    const several = assembleCatalog(decodeProviderConfig([helmEntry('v1'), chartDoc('db-chart', { 'a.tgz': ARCHIVE, 'b.tgz': ARCHIVE })]));
    expect(several.problems.map((p) => p.source)).to.deep.equal(['v1']);
    const keyed = onlyEntry([helmEntry('v1', helmData({ chart: { configMap: 'db-chart', key: 'b.tgz' } })), chartDoc('db-chart', { 'a.tgz': ARCHIVE, 'b.tgz': ARCHIVE })]);
    expect(keyed.provisioner).to.deep.include({ kind: 'HelmChart' });
    const empty = assembleCatalog(decodeProviderConfig([helmEntry('v1'), chartDoc('db-chart', {})]));
    expect(empty.problems.map((p) => `${p.source} ${p.field}`)).to.have.members(['db-chart binaryData', 'v1 provisiondata.chart.configmap']);
  });

  it('refuses a chart named two ways, or by no source', () => {
    const both = assembleCatalog(decodeProviderConfig([helmEntry('v1', helmData({ chart: { configMap: 'x', oci: 'oci://r.example/c' } }))]));
    expect(both.problems).to.have.length(1);
    expect(both.problems[0]).to.include({ field: 'provisiondata.chart' });
    const repoWithoutVersion = assembleCatalog(decodeProviderConfig([helmEntry('v1', helmData({ chart: { repository: 'https://c.example', name: 'db' } }))]));
    expect(repoWithoutVersion.problems[0]).to.include({ field: 'provisiondata.chart.version', message: 'is required with repository' });
  });

  it('refuses a repository URL with credentials in it, and an OCI reference Helm would not take', () => {
    const withUser = assembleCatalog(decodeProviderConfig([helmEntry('v1', helmData({ chart: { repository: 'https://user:pw@c.example', name: 'db', version: '1' } }))]));
    expect(withUser.problems[0]).to.include({ source: 'v1', field: 'provisiondata.chart' });
    expect(withUser.problems[0]!.message).not.to.contain('pw');
    const badOci = assembleCatalog(decodeProviderConfig([helmEntry('v1', helmData({ chart: { oci: 'https://r.example/c' } }))]));
    expect(badOci.problems[0]).to.include({ source: 'v1', field: 'provisiondata.chart' });
  });

  it('refuses a release name a caller could choose, or one without the short id', () => {
    const chosen = assembleCatalog(decodeProviderConfig([helmEntry('v1', helmData({ releaseName: 'db-{{ parameters.name }}' })), chartDoc('db-chart')]));
    expect(chosen.problems[0]).to.include({ field: 'provisiondata.releasename' });
    expect(chosen.problems[0]!.message).to.contain('parameters.name');
    const shared = assembleCatalog(decodeProviderConfig([helmEntry('v1', helmData({ releaseName: 'db-{{ consumer.namespace }}' })), chartDoc('db-chart')]));
    expect(shared.problems[0]!.message).to.contain('instance.shortId');
    const fine = onlyEntry([helmEntry('v1', helmData({ releaseName: 'db-{{ consumer.namespace }}-{{ instance.shortId }}' })), chartDoc('db-chart')]);
    expect(fine.provisioner).to.deep.include({ releaseName: 'db-{{ consumer.namespace }}-{{ instance.shortId }}' });
  });

  it('refuses values with an unknown variable, and generated values under a bad shape', () => {
    const unknown = assembleCatalog(decodeProviderConfig([helmEntry('v1', helmData({ values: { a: '{{ nope }}' } })), chartDoc('db-chart')]));
    expect(unknown.problems[0]).to.include({ field: 'provisiondata.values' });
    const badGenerated = assembleCatalog(decodeProviderConfig([helmEntry('v1', helmData({ values: { a: '{{ generated.p length=2 }}' } })), chartDoc('db-chart')]));
    expect(badGenerated.problems[0]).to.include({ field: 'provisiondata.values' });
  });

  it('decodes declared parameters and refuses a bad declaration under its path', () => {
    const parameters = { size: { type: 'integer', minimum: 1, maximum: 5, default: 1 }, tier: { Type: 'string', enum: ['small', 'large'], required: true } };
    const entry = onlyEntry([helmEntry('v1', helmData(), { parameters }), chartDoc('db-chart')]);
    expect(entry.parameters).to.deep.equal({ size: { type: 'integer', minimum: 1, maximum: 5, default: 1 }, tier: { type: 'string', enum: ['small', 'large'], required: true } });
    const bad = assembleCatalog(decodeProviderConfig([helmEntry('v1', helmData(), { parameters: { size: { type: 'integer', default: 9, maximum: 5 }, n: { type: 'list' } } }), chartDoc('db-chart')]));
    expect(bad.problems.map((p) => p.field)).to.deep.equal(['parameters.n.type']);
    const badDefault = assembleCatalog(decodeProviderConfig([helmEntry('v1', helmData(), { parameters: { size: { type: 'integer', default: 9, maximum: 5 } } }), chartDoc('db-chart')]));
    expect(badDefault.problems.map((p) => `${p.field}: ${p.message}`)).to.deep.equal(['parameters.size.default: must be at most 5']);
  });

  it('gives a new maintenance version when the packaged chart changes, not when it is read again', () => {
    const before = onlyEntry([helmEntry('v1'), chartDoc('db-chart')]);
    const again = onlyEntry([helmEntry('v1'), chartDoc('db-chart', { 'fixture-db-0.1.0.tgz': new Uint8Array(ARCHIVE) })]);
    const changed = onlyEntry([helmEntry('v1'), chartDoc('db-chart', { 'fixture-db-0.1.0.tgz': new Uint8Array([...ARCHIVE, 9]) })]);
    expect(maintenanceVersionOf(again, [])).to.equal(maintenanceVersionOf(before, []));
    expect(maintenanceVersionOf(changed, [])).not.to.equal(maintenanceVersionOf(before, []));
  });
});
