import { expect } from 'chai';
import { checkEntry, deriveServiceId, type CatalogEntry, describeProblem, mayUse, planName, serviceName } from '../../../src/domain/catalog-entry.js';
import { CLIENT_NS, OTHER_NS, dedicatedEntry, urlEntry } from '../builders.js';

describe('domain/catalog-entry', () => {
  describe('checkEntry', () => {
    it('finds nothing wrong with a valid entry', () => {
      expect(checkEntry(urlEntry())).to.deep.equal([]);
      expect(checkEntry(dedicatedEntry())).to.deep.equal([]);
    });

    it('refuses Vault paths and lease bodies a caller could steer, a .. segment, and a lease combined with binding objects', () => {
      const fieldsOf = (credentials: CatalogEntry['credentials'], entry = urlEntry({ credentials })) => checkEntry({ ...entry, credentials }).map((p) => p.field);
      expect(fieldsOf({ kind: 'FromVault', mount: 'secret', path: 'teams/{{ consumer.namespace }}/db' })).to.deep.equal([]);
      expect(fieldsOf({ kind: 'FromVault', mount: 'secret', path: 'teams/{{ parameters.team }}' })).to.deep.equal(['credentialdata.path']);
      expect(fieldsOf({ kind: 'FromVault', mount: 'secret', path: 'a/../b' })).to.deep.equal(['credentialdata.path']);
      expect(fieldsOf({ kind: 'FromVaultLease', path: 'pki/issue/{{ instance.id }}' })).to.deep.equal(['credentialdata.path']);
      expect(fieldsOf({ kind: 'FromVaultLease', path: 'pki/issue/client', body: { common_name: '{{ binding.shortId }}.{{ team }}' } })).to.deep.equal([]);
      expect(fieldsOf({ kind: 'FromVaultLease', path: 'pki/issue/client', body: { common_name: '{{ binding.id }}' } })).to.deep.equal(['credentialdata.body']);
      const withBindingObjects = dedicatedEntry({ provisioner: { kind: 'NewClusterObjects', namespace: 'provider-ns', name: 'api', labelSelector: 'a=b', bindingLabelSelector: 'b=c' } });
      expect(fieldsOf({ kind: 'FromVaultLease', path: 'pki/issue/client' }, withBindingObjects)).to.deep.equal(['credentialdata.path']);
    });

    it('reports names that are not CLI-friendly, naming the ConfigMap and field', () => {
      expect(checkEntry(urlEntry({ team: 'data team', version: 'v_1' }))).to.deep.equal([
        { source: 'entry-db-v1', field: 'team', message: '"data team" must be letters, digits, "." and "-"' },
        { source: 'entry-db-v1', field: 'version', message: '"v_1" must be letters, digits, "." and "-"' },
      ]);
    });

    it('reports empty ids', () => {
      const fields = checkEntry(urlEntry({ planId: ' ', serviceId: '' })).map((p) => p.field);
      expect(fields).to.deep.equal(['uuid', 'serviceuuid']);
    });

    it('reports whitelist entries that are not namespace names, by index', () => {
      const problems = checkEntry(urlEntry({ whitelist: [CLIENT_NS, 'Bad_NS'] }));
      expect(problems).to.deep.equal([{ source: 'entry-db-v1', field: 'whitelist[1]', message: '"Bad_NS" is not a namespace name' }]);
    });

    it('reports a URL that is not absolute', () => {
      const problems = checkEntry(urlEntry({ provisioner: { kind: 'NonClusterURL', url: 'db.example.com:5432' } }));
      expect(problems.map((p) => p.field)).to.deep.equal(['provisiondata.url']);
    });

    it('reports a provisioner namespace that is not a namespace name', () => {
      const problems = checkEntry(urlEntry({ provisioner: { kind: 'ExistingClusterService', namespace: 'Provider', name: 'db' } }));
      expect(problems.map((p) => p.field)).to.deep.equal(['provisiondata.namespace']);
    });
  });

  describe('describeProblem', () => {
    it('names the ConfigMap, the field when there is one, and the message', () => {
      expect(describeProblem({ source: 'cm', field: 'uuid', message: 'bad' })).to.equal('cm (uuid): bad');
      expect(describeProblem({ source: 'cm', field: '', message: 'bad' })).to.equal('cm: bad');
    });
  });

  describe('mayUse', () => {
    it('allows exactly the whitelisted namespaces', () => {
      const entry = urlEntry({ whitelist: [CLIENT_NS] });
      expect(mayUse(entry, CLIENT_NS)).to.equal(true);
      expect(mayUse(entry, OTHER_NS)).to.equal(false);
      expect(mayUse(urlEntry({ whitelist: [] }), CLIENT_NS)).to.equal(false);
    });
  });

  describe('names', () => {
    it('names the service <team>-<offering> and the plan <team>-<offering>-<version>', () => {
      expect(serviceName(urlEntry())).to.equal('data-postgres');
      expect(planName(urlEntry())).to.equal('data-postgres-v1');
    });
  });

  describe('deriveServiceId', () => {
    it('is a stable UUIDv5 of team/offering', () => {
      const id = deriveServiceId('data', 'postgres');
      expect(id).to.equal(deriveServiceId('data', 'postgres'));
      expect(id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    });

    it('differs per team and per offering', () => {
      const id = deriveServiceId('data', 'postgres');
      expect(deriveServiceId('data', 'redis')).to.not.equal(id);
      expect(deriveServiceId('web', 'postgres')).to.not.equal(id);
    });
  });
});

describe('domain/catalog-entry: maintenance and update fields', () => {
  it('refuses a maintenanceVersion that is not semver and a version name that is not one', async () => {
    const { checkEntry } = await import('../../../src/domain/catalog-entry.js');
    const { urlEntry } = await import('../builders.js');
    expect(checkEntry(urlEntry({ maintenanceVersion: '1.0.0+abc' }))).to.deep.equal([]);
    expect(checkEntry(urlEntry({ maintenanceVersion: 'v1' })).map((p) => p.field)).to.deep.equal(['maintenanceversion']);
    expect(checkEntry(urlEntry({ updatableTo: ['no spaces'] })).map((p) => p.field)).to.deep.equal(['updatableto[0]']);
  });
});
