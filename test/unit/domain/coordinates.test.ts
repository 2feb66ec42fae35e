import { expect } from 'chai';
import type { CatalogEntry } from '../../../src/domain/catalog-entry.js';
import { coordinatesOf } from '../../../src/domain/coordinates.js';
import { shortId } from '../../../src/domain/template-variables.js';
import { PROVIDER_NS, dedicatedEntry, errorOf, facts, service, urlEntry, valueOf } from '../builders.js';

const atUrl = (url: string) => valueOf(coordinatesOf(urlEntry({ provisioner: { kind: 'NonClusterURL', url } }), facts(), []));
const existing = (port?: number): CatalogEntry =>
  urlEntry({ provisioner: { kind: 'ExistingClusterService', namespace: 'db-ns', name: 'postgres', ...(port !== undefined ? { port } : {}) } });

describe('domain/coordinates', () => {
  describe('NonClusterURL', () => {
    it('takes host and port from a URL with a port', () => {
      expect(atUrl('postgres://db.example.com:5432/app')).to.deep.equal({ uri: 'postgres://db.example.com:5432/app', host: 'db.example.com', port: 5432 });
    });

    it('uses the scheme\'s default port for http and https', () => {
      expect(atUrl('https://api.example.com/v1')).to.deep.equal({ uri: 'https://api.example.com/v1', host: 'api.example.com', port: 443 });
      expect(atUrl('http://api.example.com')).to.deep.equal({ uri: 'http://api.example.com', host: 'api.example.com', port: 80 });
    });

    it('gives no port when the URL has none and the scheme has no default', () => {
      expect(atUrl('postgres://db.example.com/app')).to.deep.equal({ uri: 'postgres://db.example.com/app', host: 'db.example.com' });
    });
  });

  describe('ExistingClusterService', () => {
    it('gives the in-cluster host name, with the port when it is known, and no uri', () => {
      expect(valueOf(coordinatesOf(existing(5432), facts(), []))).to.deep.equal({
        host: 'postgres.db-ns.svc.cluster.local', port: 5432,
      });
    });

    it('gives only the host when the port is unknown', () => {
      expect(valueOf(coordinatesOf(existing(), facts(), []))).to.deep.equal({ host: 'postgres.db-ns.svc.cluster.local' });
    });
  });

  describe('NewClusterObjects', () => {
    const host = `api-${shortId('instance-1')}.${PROVIDER_NS}.svc.cluster.local`;

    it('substitutes the instance variables in the name and takes the port from the planned Service', () => {
      const plan = [service('other', 1111), service(`api-${shortId('instance-1')}`, 8443)];
      expect(valueOf(coordinatesOf(dedicatedEntry(), facts(), plan))).to.deep.equal({ host, port: 8443 });
    });

    it('prefers the port the provisioner names', () => {
      const entry = dedicatedEntry({ provisioner: { kind: 'NewClusterObjects', namespace: PROVIDER_NS, name: 'api-{{ instance.shortId }}', labelSelector: 'a=b', port: 9000 } });
      expect(valueOf(coordinatesOf(entry, facts(), [service(`api-${shortId('instance-1')}`, 8443)])).port).to.equal(9000);
    });

    it('gives only the host when no planned Service has that name', () => {
      expect(valueOf(coordinatesOf(dedicatedEntry(), facts(), [service('other', 1111)]))).to.deep.equal({ host });
    });

    it('refuses a name using an unknown variable', () => {
      const entry = dedicatedEntry({ provisioner: { kind: 'NewClusterObjects', namespace: PROVIDER_NS, name: '{{ nope }}', labelSelector: 'a=b' } });
      expect(errorOf(coordinatesOf(entry, facts(), [])).kind).to.equal('ConfigInvalid');
    });
  });
});
