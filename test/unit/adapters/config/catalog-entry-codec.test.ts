import { expect } from 'chai';
import { decodeCatalogEntry } from '../../../../src/adapters/config/catalog-entry-codec.js';
import type { ConfigMapDocument } from '../../../../src/adapters/config/config-map-document.js';
import { deriveServiceId, type CatalogEntry, type ConfigProblem } from '../../../../src/domain/catalog-entry.js';
import { DESCRIPTION_ENTRY, jsonDoc, textDoc, urlEntryFields } from './entry-docs.js';

function entryOf(doc: ConfigMapDocument): CatalogEntry {
  const decoded = decodeCatalogEntry(doc);
  if (!decoded.ok) throw new Error(`expected an entry, got ${JSON.stringify(decoded.error)}`);
  return decoded.value;
}

function problemsOf(doc: ConfigMapDocument): ConfigProblem[] {
  const decoded = decodeCatalogEntry(doc);
  if (decoded.ok) throw new Error(`expected problems, got ${JSON.stringify(decoded.value)}`);
  return decoded.error;
}

const fieldsOf = (problems: readonly ConfigProblem[]): string[] => problems.map((p) => p.field);

describe('adapters/config/catalog-entry-codec', () => {
  describe('the two spellings', () => {
    it("decodes the original description's entry", () => {
      expect(entryOf(jsonDoc('wrapped-entry-api-api-service', DESCRIPTION_ENTRY))).to.deep.equal({
        source: 'wrapped-entry-api-api-service',
        team: 'api',
        offering: 'api-service',
        description: 'An api service offered by the API team',
        version: '1',
        planId: '3',
        serviceId: deriveServiceId('api', 'api-service'),
        whitelist: ['client-ns'],
        provisioner: { kind: 'NewClusterObjects', namespace: 'api-ns', name: 'api-service', labelSelector: 'mesitis/offering=api-service' },
        credentials: { kind: 'FromCatalog', values: { username: 'iamtheuser', password: 'iamthepassword' } },
      });
    });

    it('reads the kind-as-key spelling as the same entry', () => {
      const { provisionkind: _p, provisiondata, credentialkind: _c, credentialdata, ...common } = DESCRIPTION_ENTRY;
      const asKeys = { ...common, ProvisionConfigMapObjects: provisiondata, CredentialFromCatalog: credentialdata };
      expect(entryOf(jsonDoc('e', asKeys))).to.deep.equal(entryOf(jsonDoc('e', DESCRIPTION_ENTRY)));
    });

    it('refuses both spellings at once', () => {
      const problems = problemsOf(jsonDoc('e', urlEntryFields({ ProvisionNonClusterURL: { url: 'https://other.example.com' } })));
      expect(problems).to.have.length(1);
      expect(problems[0]).to.include({ source: 'e', field: 'provisionnonclusterurl' });
      expect(problems[0]!.message).to.match(/one spelling/);
    });

    it('refuses two provisioners given as keys', () => {
      const fields = urlEntryFields({ provisionkind: undefined, provisiondata: undefined, ProvisionNonClusterURL: { url: 'https://a.example.com' }, ProvisionExistingClusterService: { namespace: 'x', name: 'y' } });
      const [problem] = problemsOf(jsonDoc('e', fields));
      expect(problem!.message).to.match(/exactly one/);
    });

    it('refuses two credential kinds given as keys', () => {
      const fields = urlEntryFields({ credentialkind: undefined, credentialdata: undefined, CredentialNoCredential: {}, CredentialFromSecret: { secretname: 's' } });
      expect(problemsOf(jsonDoc('e', fields))[0]!.message).to.match(/exactly one/);
    });
  });

  describe('keys and values', () => {
    it('ignores the case of keys at every level but keeps the case of credential keys', () => {
      const entry = entryOf(jsonDoc('e', {
        TEAM: 'weather', Offering: 'forecast', Description: 'Forecasts', UUID: 'plan-1', Version: '2', WhiteList: ['client-ns'],
        ProvisionKind: 'ProvisionNewClusterObjects', ProvisionData: { NameSpace: 'api-ns', Name: 'api', LabelSelector: 'app=api', PORT: 8080 },
        CredentialKind: 'CredentialFromCatalog', CredentialData: { userName: 'example-user', API_KEY: 'example-key-1' },
      }));
      expect(entry.team).to.equal('weather');
      expect(entry.whitelist).to.deep.equal(['client-ns']);
      expect(entry.provisioner).to.deep.equal({ kind: 'NewClusterObjects', namespace: 'api-ns', name: 'api', labelSelector: 'app=api', port: 8080 });
      expect(entry.credentials).to.deep.equal({ kind: 'FromCatalog', values: { userName: 'example-user', API_KEY: 'example-key-1' } });
    });

    it('accepts kind names in any case', () => {
      expect(entryOf(jsonDoc('e', urlEntryFields({ provisionkind: 'provisionnonclusterurl' }))).provisioner.kind).to.equal('NonClusterURL');
    });

    it('refuses two keys that differ only in case', () => {
      const problems = problemsOf(jsonDoc('e', { ...urlEntryFields(), Team: 'other' }));
      expect(problems).to.deep.equal([{ source: 'e', field: 'team', message: 'is given twice (keys ignore case)' }]);
    });

    it('takes numbers for uuid, version and serviceuuid as text, and uses serviceuuid as the service id', () => {
      const entry = entryOf(jsonDoc('e', urlEntryFields({ uuid: 3, version: 1.5, serviceuuid: 42 })));
      expect([entry.planId, entry.version, entry.serviceId]).to.deep.equal(['3', '1.5', '42']);
    });

    it('derives the service id from team and offering when serviceuuid is absent', () => {
      const entry = entryOf(jsonDoc('e', urlEntryFields()));
      expect(entry.serviceId).to.equal(deriveServiceId('weather', 'forecast'));
    });

    it('ignores fields it does not know', () => {
      const entry = entryOf(jsonDoc('e', urlEntryFields({ owner: 'someone', tags: ['a'] })));
      expect(entry).to.not.have.property('owner');
      expect(entry.team).to.equal('weather');
    });

    it('stringifies numbers and booleans among catalog credentials', () => {
      const entry = entryOf(jsonDoc('e', urlEntryFields({ credentialdata: { pin: 1234, tls: true } })));
      expect(entry.credentials).to.deep.equal({ kind: 'FromCatalog', values: { pin: '1234', tls: 'true' } });
    });

    it('refuses a nested credential value without quoting any credential', () => {
      const problems = problemsOf(jsonDoc('e', urlEntryFields({ credentialdata: { password: { secret: 'example-password-9' } } })));
      expect(fieldsOf(problems)).to.deep.equal(['credentialdata.password']);
      expect(JSON.stringify(problems)).to.not.include('example-password-9');
    });
  });

  describe('payload', () => {
    it('reads YAML', () => {
      const yaml = [
        'team: weather', 'offering: forecast', 'description: Forecasts', 'uuid: plan-1', 'version: 1', 'whitelist: [client-ns]',
        'ProvisionNonClusterURL:', '  url: https://forecast.example.com',
      ].join('\n');
      const entry = entryOf(textDoc('e', yaml));
      expect(entry.version).to.equal('1');
      expect(entry.provisioner).to.deep.equal({ kind: 'NonClusterURL', url: 'https://forecast.example.com' });
    });

    it('reads the older embedded-resource key', () => {
      expect(entryOf(jsonDoc('e', urlEntryFields(), 'embedded-resource')).team).to.equal('weather');
    });

    it('refuses a ConfigMap with both payload keys', () => {
      const doc = { name: 'e', labels: {}, data: { 'wrapped-resource': '{}', 'embedded-resource': '{}' } };
      expect(problemsOf(doc)[0]!.message).to.match(/both/);
    });

    it('refuses a ConfigMap with neither payload key, naming the whole ConfigMap', () => {
      expect(problemsOf({ name: 'e', labels: {}, data: { other: '{}' } })).to.deep.equal([
        { source: 'e', field: '', message: 'has no data key "wrapped-resource" or "embedded-resource"' },
      ]);
    });

    it('refuses text that is neither JSON nor YAML, without quoting it', () => {
      const problems = problemsOf(textDoc('e', '{ "password": "example-password-7", '));
      expect(problems).to.have.length(1);
      expect(problems[0]).to.include({ source: 'e', field: 'wrapped-resource' });
      expect(problems[0]!.message).to.not.include('example-password-7');
    });

    it('refuses a payload that is not a mapping', () => {
      expect(problemsOf(textDoc('e', '["team"]'))).to.deep.equal([{ source: 'e', field: 'wrapped-resource', message: 'must hold a mapping of entry fields' }]);
    });

    it('refuses several YAML documents in one payload', () => {
      expect(problemsOf(textDoc('e', 'team: a\n---\nteam: b'))[0]!.message).to.match(/2 YAML documents/);
    });
  });

  describe('provisioners', () => {
    it('reads an existing cluster service with its port', () => {
      const entry = entryOf(jsonDoc('e', urlEntryFields({ provisionkind: 'ProvisionExistingClusterService', provisiondata: { namespace: 'provider-ns', name: 'time', port: 8080 } })));
      expect(entry.provisioner).to.deep.equal({ kind: 'ExistingClusterService', namespace: 'provider-ns', name: 'time', port: 8080 });
    });

    it('reads ProvisionNewClusterObjects and its alias ProvisionConfigMapObjects alike', () => {
      const data = { namespace: 'api-ns', name: 'api', labelselector: 'a=b' };
      const modern = entryOf(jsonDoc('e', urlEntryFields({ provisionkind: 'ProvisionNewClusterObjects', provisiondata: data })));
      const legacy = entryOf(jsonDoc('e', urlEntryFields({ provisionkind: 'ProvisionConfigMapObjects', provisiondata: data })));
      expect(modern.provisioner).to.deep.equal({ kind: 'NewClusterObjects', namespace: 'api-ns', name: 'api', labelSelector: 'a=b' });
      expect(legacy.provisioner).to.deep.equal(modern.provisioner);
    });

    it('reads ProvisionHelmChart (helm-entry-codec.test.ts has the details)', () => {
      const data = { namespace: 'db-ns', chart: { repository: 'https://charts.example.com', name: 'db', version: '1.2.3' } };
      expect(entryOf(jsonDoc('e', urlEntryFields({ provisionkind: 'ProvisionHelmChart', provisiondata: data }))).provisioner).to.deep.equal({
        kind: 'HelmChart', namespace: 'db-ns', chart: { kind: 'repository', url: 'https://charts.example.com', chart: 'db', version: '1.2.3' }, values: {},
      });
    });

    it('refuses an unknown kind, listing the supported ones', () => {
      const [problem] = problemsOf(jsonDoc('e', urlEntryFields({ provisionkind: 'ProvisionMagic' })));
      expect(problem).to.include({ field: 'provisionkind' });
      expect(problem!.message).to.include('"ProvisionMagic"');
      for (const kind of ['ProvisionNonClusterURL', 'ProvisionExistingClusterService', 'ProvisionNewClusterObjects', 'ProvisionConfigMapObjects', 'ProvisionHelmChart']) {
        expect(problem!.message).to.include(kind);
      }
    });

    it('refuses an unknown kind given as a key', () => {
      const fields = urlEntryFields({ provisionkind: undefined, provisiondata: undefined, ProvisionMagic: {} });
      expect(problemsOf(jsonDoc('e', fields))[0]).to.include({ field: 'provisionmagic' });
    });

    it('requires a provisioner', () => {
      const fields = urlEntryFields({ provisionkind: undefined, provisiondata: undefined });
      expect(fieldsOf(problemsOf(jsonDoc('e', fields)))).to.deep.equal(['provisionkind']);
    });

    it('requires provisionkind when provisiondata is given', () => {
      const problems = problemsOf(jsonDoc('e', urlEntryFields({ provisionkind: undefined })));
      expect(problems).to.deep.equal([{ source: 'e', field: 'provisionkind', message: 'is required when provisiondata is given' }]);
    });

    it('reports a missing provisioner field with its path', () => {
      const problems = problemsOf(jsonDoc('e', urlEntryFields({ provisiondata: { uri: 'https://typo.example.com' } })));
      expect(problems).to.deep.equal([{ source: 'e', field: 'provisiondata.url', message: 'is required' }]);
    });

    it('reports a missing provisioner field under the kind key in the kind-as-key spelling', () => {
      const fields = urlEntryFields({ provisionkind: undefined, provisiondata: undefined, ProvisionExistingClusterService: { namespace: 'ns' } });
      expect(fieldsOf(problemsOf(jsonDoc('e', fields)))).to.deep.equal(['provisionexistingclusterservice.name']);
    });

    it('refuses a port outside 1-65535', () => {
      const problems = problemsOf(jsonDoc('e', urlEntryFields({ provisionkind: 'ProvisionExistingClusterService', provisiondata: { namespace: 'n', name: 's', port: 70000 } })));
      expect(problems).to.deep.equal([{ source: 'e', field: 'provisiondata.port', message: 'must be a port number (1-65535)' }]);
    });

    it('refuses provisiondata that is not a mapping', () => {
      expect(problemsOf(jsonDoc('e', urlEntryFields({ provisiondata: 'https://x.example.com' })))).to.deep.equal([
        { source: 'e', field: 'provisiondata', message: 'must be a mapping' },
      ]);
    });
  });

  describe('credentials', () => {
    it('reads CredentialFromClusterSecret and its alias CredentialFromSecret, secretName in any case', () => {
      const modern = entryOf(jsonDoc('e', urlEntryFields({ credentialkind: 'CredentialFromClusterSecret', credentialdata: { secretName: 'db-login' } })));
      const legacy = entryOf(jsonDoc('e', urlEntryFields({ credentialkind: 'CredentialFromSecret', credentialdata: { SECRETNAME: 'db-login' } })));
      expect(modern.credentials).to.deep.equal({ kind: 'FromClusterSecret', secretName: 'db-login' });
      expect(legacy.credentials).to.deep.equal(modern.credentials);
    });

    it('refuses a Secret name the API server would refuse', () => {
      const problems = problemsOf(jsonDoc('e', urlEntryFields({ credentialkind: 'CredentialFromSecret', credentialdata: { secretname: 'DB_Login' } })));
      expect(problems).to.deep.equal([{ source: 'e', field: 'credentialdata.secretname', message: 'is not a valid Secret name' }]);
    });

    it('reads CredentialNoCredential with or without data', () => {
      expect(entryOf(jsonDoc('e', urlEntryFields({ credentialkind: 'CredentialNoCredential', credentialdata: undefined }))).credentials).to.deep.equal({ kind: 'NoCredential' });
      expect(entryOf(jsonDoc('e', urlEntryFields({ credentialkind: undefined, credentialdata: undefined, CredentialNoCredential: null }))).credentials).to.deep.equal({ kind: 'NoCredential' });
    });

    it('takes an entry without any credential kind as NoCredential', () => {
      const entry = entryOf(jsonDoc('e', urlEntryFields({ credentialkind: undefined, credentialdata: undefined })));
      expect(entry.credentials).to.deep.equal({ kind: 'NoCredential' });
    });

    it('reads CredentialFromVault with a mount as a KV v2 secret, keys of its data in any case', () => {
      const fields = urlEntryFields({ credentialkind: undefined, credentialdata: undefined, CredentialFromVault: { Mount: 'secret', path: 'teams/{{ consumer.namespace }}/db', version: 3, keys: ['password'] } });
      expect(entryOf(jsonDoc('e', fields)).credentials).to.deep.equal({ kind: 'FromVault', mount: 'secret', path: 'teams/{{ consumer.namespace }}/db', version: 3, keys: ['password'] });
    });

    it('reads CredentialFromVault without a mount as a lease per binding, its body kept as written', () => {
      const data = { path: 'pki/issue/client', body: { common_name: '{{ binding.shortId }}.example', TTL: '1h' }, renewBefore: '10m' };
      const entry = entryOf(jsonDoc('e', urlEntryFields({ credentialkind: 'CredentialFromVault', credentialdata: data })));
      expect(entry.credentials).to.deep.equal({ kind: 'FromVaultLease', path: 'pki/issue/client', body: { common_name: '{{ binding.shortId }}.example', TTL: '1h' }, renewBeforeMs: 600_000 });
    });

    it('refuses a Vault lease with a bad renewBefore or keys that are not a list', () => {
      const vault = (data: unknown) => problemsOf(jsonDoc('e', urlEntryFields({ credentialkind: 'CredentialFromVault', credentialdata: data })));
      expect(vault({ path: 'pki/issue/client', renewbefore: 'soon' })).to.deep.equal([{ source: 'e', field: 'credentialdata.renewbefore', message: 'must be a duration such as 10m or 1h' }]);
      expect(vault({ path: 'pki/issue/client', keys: 'certificate' })[0]).to.include({ field: 'credentialdata.keys', message: 'must be a list' });
    });

    it('requires the data of CredentialFromCatalog', () => {
      expect(problemsOf(jsonDoc('e', urlEntryFields({ credentialdata: undefined })))).to.deep.equal([{ source: 'e', field: 'credentialdata', message: 'is required' }]);
    });

    it('treats an unknown credential-like key as an unknown kind rather than ignoring it', () => {
      const fields = urlEntryFields({ credentialkind: undefined, credentialdata: undefined, credentials: { username: 'u' } });
      const [problem] = problemsOf(jsonDoc('e', fields));
      expect(problem).to.include({ field: 'credentials' });
      expect(problem!.message).to.include('CredentialFromCatalog');
    });
  });

  describe('entry fields', () => {
    it('reports every missing field with its name, and every other problem at once', () => {
      const problems = problemsOf(jsonDoc('e', { team: 'weather', whitelist: ['client-ns', 7], provisionkind: 'ProvisionHelmChart', credentialkind: 'CredentialFromVault' }));
      expect(fieldsOf(problems)).to.deep.equal(['offering', 'description', 'uuid', 'version', 'whitelist[1]', 'provisiondata', 'credentialdata']);
      expect(problems.find((p) => p.field === 'whitelist[1]')!.message).to.equal('must be a string');
      expect(problems.find((p) => p.field === 'offering')!.message).to.equal('is required');
    });

    it('refuses a whitelist that is not a list', () => {
      expect(problemsOf(jsonDoc('e', urlEntryFields({ whitelist: 'client-ns' })))).to.deep.equal([{ source: 'e', field: 'whitelist', message: 'must be a list' }]);
    });

    it('refuses a version that is neither text nor a number', () => {
      expect(problemsOf(jsonDoc('e', urlEntryFields({ version: ['1'] })))).to.deep.equal([{ source: 'e', field: 'version', message: 'must be a string or number' }]);
    });
  });
});

describe('adapters/config/catalog-entry-codec: updates and maintenance', () => {
  it('reads updatableTo / updatableFrom (any case), maintenanceVersion and parametersUpdatable', () => {
    const entry = entryOf(jsonDoc('e-upd', urlEntryFields({ UpdatableTo: ['2', 3], updatablefrom: ['0'], maintenanceVersion: '1.2.0', parametersUpdatable: true })));
    expect(entry).to.deep.include({ updatableTo: ['2', '3'], updatableFrom: ['0'], maintenanceVersion: '1.2.0', parametersUpdatable: true });
    expect(entryOf(jsonDoc('e-none', urlEntryFields()))).to.not.have.any.keys('updatableTo', 'updatableFrom', 'maintenanceVersion', 'parametersUpdatable');
  });

  it('names the field when they are malformed', () => {
    expect(fieldsOf(problemsOf(jsonDoc('e-bad', urlEntryFields({ updatableto: 'v2', parametersupdatable: 'yes' }))))).to.include.members(['updatableto', 'parametersupdatable']);
  });
});
