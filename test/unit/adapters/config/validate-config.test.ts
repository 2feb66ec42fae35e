import { expect } from 'chai';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadManifests } from '../../../../src/adapters/config/manifest-loader.js';
import { validateConfig } from '../../../../src/adapters/config/validate-config.js';
import type { KubeObject } from '../../../../src/domain/kube-object.js';

const EXAMPLES = fileURLToPath(new URL('../../../../examples/', import.meta.url));

async function load(dir: string): Promise<readonly KubeObject[]> {
  const loaded = await loadManifests([dir], 'provider-ns');
  expect(loaded.problems).to.deep.equal([]);
  return loaded.objects;
}

/** The names of the enabled catalog-entry ConfigMaps among the manifests: what must all be accepted. */
const enabledEntries = (objects: readonly KubeObject[]): string[] =>
  objects
    .filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.['mesitis/kind'] === 'catalog-entry' && o.metadata.labels['mesitis/enabled'] === 'true')
    .map((o) => o.metadata.name)
    .sort();

describe('adapters/config/validate-config', () => {
  describe('on examples/', () => {
    it('finds no problem and accepts every entry', async () => {
      const objects = await load(EXAMPLES);
      const report = validateConfig(objects, 'provider-ns');
      expect(report.problems).to.deep.equal([]);
      expect(enabledEntries(objects)).to.have.length.greaterThanOrEqual(4);
      expect(report.accepted.map((a) => a.source).sort()).to.deep.equal(enabledEntries(objects));
      expect(report.templates).to.equal(14);
    });

    it('covers every provisioner and credential kind the product supports', async () => {
      const objects = await load(EXAMPLES);
      const text = objects.map((o) => JSON.stringify(o['data'] ?? {})).join('\n');
      for (const kind of ['ProvisionNonClusterURL', 'ProvisionExistingClusterService', 'ProvisionConfigMapObjects', 'CredentialFromCatalog', 'CredentialFromClusterSecret', 'CredentialNoCredential', 'CredentialFromInstanceSecret', 'generated.password', 'embedded-resource', 'bindingLabelSelector', 'binding.shortId', 'bindingLifetime', 'renewBefore', 'ProvisionHelmChart', 'CredentialFromVault']) {
        expect(text, kind).to.include(kind);
      }
    });
  });

  describe('on a broken copy of examples/', () => {
    let dir: string;

    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'mesitis-examples-'));
      await cp(EXAMPLES, dir, { recursive: true });
    });

    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    const edit = async (path: string, from: string, to: string): Promise<void> => {
      const file = join(dir, path);
      const text = await readFile(file, 'utf8');
      expect(text, `${path} holds ${from}`).to.include(from);
      await writeFile(file, text.replace(from, to));
    };

    it('reports the broken entry by name, with its field, and accepts all the others', async () => {
      await edit('catalog/weather-forecast-v1.yaml', '"url": "https://forecast.weather.example.com/v1"', '"uri": "https://forecast.weather.example.com/v1"');
      const objects = await load(dir);
      const report = validateConfig(objects, 'provider-ns');
      expect(report.problems).to.deep.equal([{ source: 'wrapped-entry-weather-forecast-v1', field: 'provisiondata.url', message: 'is required' }]);
      const others = enabledEntries(objects).filter((name) => name !== 'wrapped-entry-weather-forecast-v1');
      expect(report.accepted.map((a) => a.source).sort()).to.deep.equal(others);
    });

    it('refuses the entry whose resource template has an unsupported kind, naming the template', async () => {
      await edit('resources/api-service-deployment.yaml', '    kind: Deployment\n', '    kind: Deploymnet\n');
      const objects = await load(dir);
      const report = validateConfig(objects, 'provider-ns');
      expect(report.problems.map((p) => p.source)).to.deep.equal(['wrapped-entry-api-api-service']);
      expect(report.problems[0]!.message).to.include('wrapped-api-service-deployment').and.include('Deploymnet');
      expect(report.accepted.map((a) => a.source)).to.not.include('wrapped-entry-api-api-service');
      expect(report.accepted).to.have.length(enabledEntries(await load(dir)).length - 1);
    });

    it('reports a template it cannot read under its own name as well as the entry that selects it', async () => {
      await edit('resources/api-service-service.yaml', '"kind": "Service",', '"kind": "Service"');
      const report = validateConfig(await load(dir), 'provider-ns');
      expect(report.problems.map((p) => p.source)).to.deep.equal(['wrapped-api-service-service', 'wrapped-entry-api-api-service']);
      expect(report.accepted).to.have.length(enabledEntries(await load(dir)).length - 1);
    });

    describe('binding templates (the entry\'s bindingLabelSelector), rendered for a stand-in binding', () => {
      const ENTRY = 'wrapped-entry-data-own-postgres';
      const USER_SECRET = 'resources/own-postgres-user-secret.yaml';
      const USER_ROLE = 'resources/own-postgres-user-role.yaml';

      /** The one problem, which must be the own-postgres entry's, at its bindingLabelSelector; every other entry still accepted. */
      async function bindingProblem(): Promise<string> {
        const report = validateConfig(await load(dir), 'provider-ns');
        expect(report.problems.map((p) => [p.source, p.field])).to.deep.equal([[ENTRY, 'provisiondata.bindinglabelselector']]);
        expect(report.accepted.map((a) => a.source)).to.not.include(ENTRY);
        expect(report.accepted).to.have.length(enabledEntries(await load(dir)).length - 1);
        return report.problems[0]!.message;
      }

      it('refuses a binding template whose name does not hold the binding, naming the template', async () => {
        await edit(USER_SECRET, 'name: "pg-{{ instance.shortId }}-user-{{ binding.shortId }}"', 'name: "pg-{{ instance.shortId }}-user"');
        expect(await bindingProblem()).to.include('wrapped-own-postgres-user-secret').and.include('{{ binding.shortId }}');
      });

      it('refuses a bindingLabelSelector that selects no enabled template, or does not parse', async () => {
        await edit('catalog/own-postgres.yaml', 'bindingLabelSelector: mesitis/binding-of=own-postgres', 'bindingLabelSelector: mesitis/binding-of=own-postgress');
        expect(await bindingProblem()).to.include('selects no enabled resource ConfigMap');
        await edit('catalog/own-postgres.yaml', 'bindingLabelSelector: mesitis/binding-of=own-postgress', 'bindingLabelSelector: "!mesitis/binding-of=x"');
        expect(await bindingProblem()).to.include('mixes ! with a value');
      });

      it('refuses an unknown template variable in a binding template, naming the template', async () => {
        await edit(USER_ROLE, 'role: "u{{ binding.shortId }}"', 'role: "u{{ binding.uid }}"');
        expect(await bindingProblem()).to.include('wrapped-own-postgres-user-role').and.include('{{ binding.uid }}');
      });

      it('refuses a generated value in a binding template\'s metadata, and generated options out of range', async () => {
        await edit(USER_ROLE, 'own-postgres/role-of: "pg-{{ instance.shortId }}"', 'own-postgres/role-of: "{{ generated.user-password length=32 alphabet=alnum }}"');
        expect(await bindingProblem()).to.include('wrapped-own-postgres-user-role').and.include('may not be used in metadata');
        await edit(USER_ROLE, 'own-postgres/role-of: "{{ generated.user-password length=32 alphabet=alnum }}"', 'own-postgres/role-of: "pg"');
        await edit(USER_SECRET, 'length=32 alphabet=alnum', 'length=3');
        expect(await bindingProblem()).to.include('length must be a whole number from 8 to 128');
      });

      it('refuses one generated NAME used with two shapes across the binding templates', async () => {
        await edit(USER_ROLE, 'grants: "ALL PRIVILEGES ON DATABASE app"', 'grants: "{{ generated.user-password length=16 }}"');
        expect(await bindingProblem()).to.include('"user-password" is used with different length or alphabet');
      });

      it('refuses a rendered name Kubernetes would refuse, and another namespace', async () => {
        await edit(USER_ROLE, 'name: "pg-{{ instance.shortId }}-role-{{ binding.shortId }}"', 'name: "PG-{{ instance.shortId }}-role-{{ binding.shortId }}"');
        expect(await bindingProblem()).to.include('wrapped-own-postgres-user-role').and.include('"PG-');
        await edit(USER_ROLE, 'name: "PG-{{ instance.shortId }}-role-{{ binding.shortId }}"', 'name: "pg-{{ instance.shortId }}-role-{{ binding.shortId }}"\n      namespace: client-ns');
        expect(await bindingProblem()).to.include('namespace "client-ns" is not the provisioner\'s namespace "api-ns"');
      });

      it('refuses a binding template of a cluster-scoped or unserved built-in kind, naming the template', async () => {
        await edit(USER_ROLE, '    kind: ConfigMap\n', '    kind: ClusterRole\n');
        await edit(USER_ROLE, '    apiVersion: v1\n', '    apiVersion: rbac.authorization.k8s.io/v1\n');
        expect(await bindingProblem()).to.include('wrapped-own-postgres-user-role').and.include('cluster-scoped');
        await edit(USER_ROLE, '    kind: ClusterRole\n', '    kind: ConfigMapp\n');
        expect(await bindingProblem()).to.include('wrapped-own-postgres-user-role').and.include('serves no kind ConfigMapp');
      });

      it('refuses a template selected both for the instance and for each binding', async () => {
        await edit(USER_ROLE, '    mesitis/binding-of: "own-postgres"\n', '    mesitis/binding-of: "own-postgres"\n    mesitis/offering: "own-postgres"\n');
        const report = validateConfig(await load(dir), 'provider-ns');
        expect(report.problems.filter((p) => p.source === ENTRY).map((p) => p.field)).to.include('provisiondata.bindinglabelselector');
        expect(report.problems.map((p) => p.message).join('\n')).to.include('wrapped-own-postgres-user-role is selected by labelSelector too');
      });
    });

    it('reports a second entry with a plan id already taken, and keeps the first', async () => {
      await edit('catalog/weather-forecast-v2.yaml', 'uuid: 6c1f5d2e-0b7a-4f3e-9d41-1a2b3c4d5e02', 'uuid: 6c1f5d2e-0b7a-4f3e-9d41-1a2b3c4d5e01');
      const report = validateConfig(await load(dir), 'provider-ns');
      expect(report.problems.map((p) => [p.source, p.field])).to.deep.equal([['wrapped-entry-weather-forecast-v2', 'uuid']]);
      expect(report.accepted.map((a) => a.source)).to.include('wrapped-entry-weather-forecast-v1');
    });
  });

  it('reports Mesitis ConfigMaps outside the broker namespace, which the broker would never see', () => {
    const misplaced: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'entry', namespace: 'elsewhere', labels: { 'mesitis/kind': 'catalog-entry', 'mesitis/enabled': 'true' } }, data: {} };
    const report = validateConfig([misplaced], 'provider-ns');
    expect(report.problems).to.deep.equal([{ source: 'entry', field: 'metadata.namespace', message: 'is "elsewhere"; the broker reads only "provider-ns"' }]);
  });

  it('reports a payload written as a mapping instead of a string', () => {
    const mapping: KubeObject = {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'entry', labels: { 'mesitis/kind': 'catalog-entry', 'mesitis/enabled': 'true' } },
      data: { 'wrapped-resource': { team: 'a' } },
    };
    const report = validateConfig([mapping]);
    expect(report.problems.map((p) => [p.source, p.field])).to.deep.equal([['entry', 'data.wrapped-resource'], ['entry', '']]);
  });

  describe('ConfigMaps the broker would skip, and labels it would read other than meant', () => {
    const configMap = (name: string, labels: Record<string, string>): KubeObject => ({
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels },
      data: { 'wrapped-resource': '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}' },
    });
    const noticed = (...objects: KubeObject[]) => validateConfig(objects).notices.map((n) => [n.source, n.field]);

    it('notices disabled entries, however disabled', () => {
      expect(noticed(
        configMap('off', { 'mesitis/kind': 'catalog-entry', 'mesitis/enabled': 'false' }),
        configMap('unlabelled', { 'mesitis/kind': 'catalog-entry' }),
      )).to.deep.equal([['off', 'metadata.labels.mesitis/enabled'], ['unlabelled', 'metadata.labels.mesitis/enabled']]);
    });

    it('notices a kind that looks like a misspelt catalog-entry, and no ordinary template kind', () => {
      const near = ['Catalog-Entry', 'catalog_entry', 'catalog-entries', 'catalogentry', 'catalog-entri', 'catalog'];
      expect(noticed(...near.map((kind, i) => configMap(`c${i}`, { 'mesitis/kind': kind, 'mesitis/enabled': 'true' })))).to.have.length(near.length);
      const far = ['wrapped-configmap', 'template', 'resource', 'wrapped-deployment'];
      expect(noticed(...far.map((kind, i) => configMap(`t${i}`, { 'mesitis/kind': kind, 'mesitis/enabled': 'true' })))).to.deep.equal([]);
    });

    it('notices Mesitis labels without mesitis/kind, and leaves other ConfigMaps alone', () => {
      expect(noticed(configMap('forgot-kind', { 'mesitis/enabled': 'true' }), configMap('someone-else', { app: 'x' })))
        .to.deep.equal([['forgot-kind', 'metadata.labels.mesitis/kind']]);
    });

    it('reports a mesitis/order that is not a whole number as a problem, accepting negative and padded ones', () => {
      const order = (value: string) => configMap(`order-${value.trim() || 'blank'}`, { 'mesitis/kind': 'template', 'mesitis/enabled': 'true', 'mesitis/order': value });
      const report = validateConfig([order('first'), order('1.5'), order('-2'), order(' 3 ')]);
      expect(report.problems.map((p) => [p.source, p.field])).to.deep.equal([
        ['order-first', 'metadata.labels.mesitis/order'], ['order-1.5', 'metadata.labels.mesitis/order'],
      ]);
      expect(report.notices).to.deep.equal([]);
    });
  });
});
