import { expect } from 'chai';
import type { CatalogEntry } from '../../../src/domain/catalog-entry.js';
import { BUILT_IN_KINDS, scopeTable } from '../../../src/domain/built-in-kinds.js';
import { assembleCatalog, findPlan, visibleTo, type DeniedCreate, type ProviderConfig } from '../../../src/domain/catalog.js';
import type { ResourceTemplate } from '../../../src/domain/resource-template.js';
import type { KubeObject } from '../../../src/domain/kube-object.js';
import { CLIENT_NS, OTHER_NS, PROVIDER_NS, SERVICE_ID, URL_PLAN_ID, apiTemplates, configMap, dedicatedEntry, secret, template, urlEntry } from '../builders.js';

const config = (entries: CatalogEntry[], templates: ResourceTemplate[] = []): ProviderConfig => ({ entries, templates, problems: [] });
const v2 = (overrides: Partial<CatalogEntry> = {}) =>
  urlEntry({ source: 'entry-db-v2', version: 'v2', planId: '55555555-5555-4555-8555-555555555555', ...overrides });

describe('domain/catalog', () => {
  describe('assembleCatalog', () => {
    // Offerings and plans come in ConfigMap-name order: entry-api-v1 < entry-db-v1 < entry-db-v2.
    it('groups entries into one offering per team and offering, one plan per entry', () => {
      const catalog = assembleCatalog(config([v2(), urlEntry(), dedicatedEntry()], apiTemplates()));
      expect(catalog.problems).to.deep.equal([]);
      expect(catalog.offerings.map((o) => [o.name, o.serviceId, o.plans.map((p) => p.version)])).to.deep.equal([
        ['web-api', '44444444-4444-4444-8444-444444444444', ['v1']],
        ['data-postgres', SERVICE_ID, ['v1', 'v2']],
      ]);
      expect(catalog.offerings[1]).to.include({ team: 'data', offering: 'postgres', description: 'A shared PostgreSQL' });
    });

    it('keeps the decoding problems it was given', () => {
      const decoding = { source: 'cm-broken', field: '', message: 'not JSON' };
      const catalog = assembleCatalog({ entries: [urlEntry()], templates: [], problems: [decoding] });
      expect(catalog.problems).to.deep.equal([decoding]);
      expect(catalog.offerings).to.have.length(1);
    });

    it('refuses a duplicate plan id for the later entry by ConfigMap name, whatever the input order', () => {
      const first = urlEntry({ source: 'a-entry' });
      const later = v2({ source: 'b-entry', planId: first.planId });
      for (const entries of [[first, later], [later, first]]) {
        const catalog = assembleCatalog(config(entries));
        expect(catalog.offerings[0]!.plans.map((p) => p.source)).to.deep.equal(['a-entry']);
        expect(catalog.problems).to.deep.equal([
          { source: 'b-entry', field: 'uuid', message: `plan id "${first.planId}" is already used by a-entry` },
        ]);
      }
    });

    describe('which of two clashing entries keeps serving', () => {
      const created = (pairs: Record<string, string>) => new Map(Object.entries(pairs));

      it('the one whose ConfigMap was created first, even when its name sorts later', () => {
        const older = urlEntry({ source: 'z-entry' });
        const newer = v2({ source: 'a-entry', planId: older.planId });
        for (const entries of [[older, newer], [newer, older]]) {
          const catalog = assembleCatalog({ ...config(entries), created: created({ 'z-entry': '2026-01-01T10:00:00Z', 'a-entry': '2026-01-01T10:00:01Z' }) });
          expect(catalog.offerings[0]!.plans.map((p) => p.source)).to.deep.equal(['z-entry']);
          expect(catalog.problems).to.deep.equal([
            { source: 'a-entry', field: 'uuid', message: `plan id "${older.planId}" is already used by z-entry` },
          ]);
        }
      });

      it('the older one for a duplicate (team, offering, version) too', () => {
        const catalog = assembleCatalog({
          ...config([v2({ source: 'a-entry', version: 'v1' }), urlEntry({ source: 'b-entry' })]),
          created: created({ 'b-entry': '2026-01-01T10:00:00Z', 'a-entry': '2026-03-01T00:00:00Z' }),
        });
        expect(catalog.offerings[0]!.plans.map((p) => p.source)).to.deep.equal(['b-entry']);
        expect(catalog.problems.map((p) => [p.source, p.field])).to.deep.equal([['a-entry', 'version']]);
      });

      it('by ConfigMap name when created in the same second, and after every dated entry when undated', () => {
        const entries = [urlEntry({ source: 'b-entry' }), v2({ source: 'a-entry', planId: URL_PLAN_ID }), v2({ source: '0-undated', planId: URL_PLAN_ID, version: 'v3' })];
        const catalog = assembleCatalog({ ...config(entries), created: created({ 'a-entry': '2026-01-01T10:00:00Z', 'b-entry': '2026-01-01T10:00:00Z' }) });
        expect(catalog.offerings[0]!.plans.map((p) => p.source)).to.deep.equal(['a-entry']);
        expect(catalog.problems.map((p) => p.source)).to.deep.equal(['b-entry', '0-undated']);
      });

      it('lists accepted plans in ConfigMap-name order whatever their age', () => {
        const catalog = assembleCatalog({ ...config([urlEntry(), v2()]), created: created({ 'entry-db-v2': '2020-01-01T00:00:00Z', 'entry-db-v1': '2026-01-01T00:00:00Z' }) });
        expect(catalog.offerings[0]!.plans.map((p) => p.source)).to.deep.equal(['entry-db-v1', 'entry-db-v2']);
      });
    });

    it('refuses a duplicate version of the same offering', () => {
      const catalog = assembleCatalog(config([v2({ version: 'v1' }), urlEntry()]));
      expect(catalog.offerings[0]!.plans.map((p) => p.source)).to.deep.equal(['entry-db-v1']);
      expect(catalog.problems).to.have.length(1);
      expect(catalog.problems[0]).to.include({ source: 'entry-db-v2', field: 'version' });
      expect(catalog.problems[0]!.message).to.contain('data-postgres version "v1" is already offered by entry-db-v1');
    });

    it('refuses an entry whose serviceuuid differs from the one its offering already has', () => {
      const catalog = assembleCatalog(config([urlEntry(), v2({ serviceId: '66666666-6666-4666-8666-666666666666' })]));
      expect(catalog.offerings[0]!.plans.map((p) => p.source)).to.deep.equal(['entry-db-v1']);
      expect(catalog.problems.map((p) => [p.source, p.field])).to.deep.equal([['entry-db-v2', 'serviceuuid']]);
    });

    it('refuses a service id already used by another offering', () => {
      // entry-api-v1 sorts first, so the later entry-db-v1 is the one refused.
      const catalog = assembleCatalog(config([urlEntry(), dedicatedEntry({ serviceId: SERVICE_ID })], apiTemplates()));
      expect(catalog.offerings.map((o) => o.name)).to.deep.equal(['web-api']);
      expect(catalog.problems).to.deep.equal([
        { source: 'entry-db-v1', field: 'serviceuuid', message: `service id "${SERVICE_ID}" is already used by entry-api-v1` },
      ]);
    });

    it('refuses an entry failing its own checks and keeps the others', () => {
      const catalog = assembleCatalog(config([urlEntry(), v2({ whitelist: ['NOT OK'] })]));
      expect(catalog.offerings[0]!.plans.map((p) => p.source)).to.deep.equal(['entry-db-v1']);
      expect(catalog.problems.map((p) => [p.source, p.field])).to.deep.equal([['entry-db-v2', 'whitelist[0]']]);
    });

    it('refuses a dedicated entry whose templates are broken and keeps the others', () => {
      const broken = [template('tpl-ing', { apiVersion: 'extensions/v1beta1', kind: 'Ingress', metadata: { name: 'ing' } })];
      const catalog = assembleCatalog(config([urlEntry(), dedicatedEntry()], broken));
      expect(catalog.offerings.map((o) => o.name)).to.deep.equal(['data-postgres']);
      expect(catalog.problems).to.have.length(1);
      expect(catalog.problems[0]).to.include({ source: 'entry-api-v1', field: 'provisiondata' });
      expect(catalog.problems[0]!.message).to.contain('tpl-ing').and.contain('no longer served');
    });

    describe('with discovery (scopeOf)', () => {
      const served = scopeTable([...BUILT_IN_KINDS, { apiVersion: 'example.com/v1', kind: 'Widget', namespaced: true }]);
      const only = (type: { apiVersion: string; kind: string }) => [template('tpl-x', { ...type, metadata: { name: 'x' } })];

      it('accepts any namespaced kind the cluster serves, built-in or custom', () => {
        for (const type of [{ apiVersion: 'apps/v1', kind: 'StatefulSet' }, { apiVersion: 'batch/v1', kind: 'Job' }, { apiVersion: 'example.com/v1', kind: 'Widget' }]) {
          const catalog = assembleCatalog(config([dedicatedEntry()], only(type)), served);
          expect(catalog.problems, type.kind).to.deep.equal([]);
          expect(catalog.offerings, type.kind).to.have.length(1);
        }
      });

      it('refuses a cluster-scoped kind as a problem of that entry only, naming the ConfigMap', () => {
        const catalog = assembleCatalog(config([urlEntry(), dedicatedEntry()], only({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole' })), served);
        expect(catalog.offerings.map((o) => o.name)).to.deep.equal(['data-postgres']);
        expect(catalog.problems).to.deep.equal([{
          source: 'entry-api-v1', field: 'provisiondata',
          message: 'resource ConfigMap tpl-x: ClusterRole (rbac.authorization.k8s.io/v1) is cluster-scoped; only namespaced kinds can be created per instance',
        }]);
      });

      it('refuses a kind the cluster does not serve (a missing CRD, a wrong apiVersion), naming the ConfigMap', () => {
        for (const type of [{ apiVersion: 'example.com/v2', kind: 'Widget' }, { apiVersion: 'apps/v1', kind: 'Service' }, { apiVersion: 'v1', kind: 'Deploymnet' }]) {
          const catalog = assembleCatalog(config([dedicatedEntry()], only(type)), served);
          expect(catalog.offerings, type.kind).to.deep.equal([]);
          expect(catalog.problems[0]!.message, type.kind).to.equal(`resource ConfigMap tpl-x: the cluster serves no kind ${type.kind} in ${type.apiVersion} (a missing CRD, or a wrong apiVersion)`);
        }
      });
    });

    describe('with an access review (deniedCreate)', () => {
      const served = scopeTable(BUILT_IN_KINDS);
      const statefulSet = [template('tpl-store', { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'store' } })];
      const asked: string[] = [];
      const denyStatefulSets: DeniedCreate = (namespace, apiVersion, kind) => {
        asked.push(`${namespace} ${apiVersion} ${kind}`);
        return kind === 'StatefulSet' ? { group: 'apps', resource: 'statefulsets' } : undefined;
      };

      it('refuses an entry whose kinds the broker may not create in its namespace, naming the ConfigMaps, the kind, the namespace and the grant', () => {
        asked.length = 0;
        const catalog = assembleCatalog(config([urlEntry(), dedicatedEntry()], statefulSet), served, denyStatefulSets);
        expect(asked).to.deep.equal([`${PROVIDER_NS} apps/v1 StatefulSet`]);
        expect(catalog.offerings.map((o) => o.name)).to.deep.equal(['data-postgres']);
        expect(catalog.problems).to.deep.equal([{
          source: 'entry-api-v1', field: 'provisiondata',
          message: `resource ConfigMap tpl-store: the broker may not create StatefulSet (apps/v1) in namespace ${PROVIDER_NS}: add {apiGroup: "apps", resources: [statefulsets]} to the chart's targetKinds`,
        }]);
      });

      it('serves the entry when its kinds are allowed, or not known yet', () => {
        const catalog = assembleCatalog(config([dedicatedEntry()], apiTemplates()), served, denyStatefulSets);
        expect(catalog.problems).to.deep.equal([]);
        expect(catalog.offerings).to.have.length(1);
      });
    });

    describe('binding templates (bindingLabelSelector)', () => {
      const perBinding = dedicatedEntry({
        provisioner: { kind: 'NewClusterObjects', namespace: PROVIDER_NS, name: 'api-{{ instance.shortId }}', labelSelector: 'mesitis/offering=api', bindingLabelSelector: 'mesitis/binding-of=api' },
      });
      const bindingTemplate = (object: KubeObject) => template('tpl-user', object, { 'mesitis/offering': 'none', 'mesitis/binding-of': 'api' });
      const userSecret = secret('user-{{ binding.shortId }}', { password: '{{ generated.pw length=32 }}' });

      it('serves an entry whose binding templates render for a binding', () => {
        const catalog = assembleCatalog(config([perBinding], [...apiTemplates(), bindingTemplate(userSecret)]), scopeTable(BUILT_IN_KINDS));
        expect(catalog.problems).to.deep.equal([]);
        expect(catalog.offerings).to.have.length(1);
      });

      it('refuses, in the running broker too, a binding template kind the broker may not create, at the bindingLabelSelector', () => {
        const role = bindingTemplate({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'user-{{ binding.shortId }}' } });
        const denyRoles: DeniedCreate = (_ns, _apiVersion, kind) => (kind === 'Role' ? { group: 'rbac.authorization.k8s.io', resource: 'roles' } : undefined);
        const catalog = assembleCatalog(config([perBinding], [...apiTemplates(), role]), scopeTable(BUILT_IN_KINDS), denyRoles);
        expect(catalog.offerings).to.deep.equal([]);
        expect(catalog.problems).to.deep.equal([{
          source: 'entry-api-v1', field: 'provisiondata.bindinglabelselector',
          message: `resource ConfigMap tpl-user: the broker may not create Role (rbac.authorization.k8s.io/v1) in namespace ${PROVIDER_NS}: add {apiGroup: "rbac.authorization.k8s.io", resources: [roles]} to the chart's targetKinds`,
        }]);
      });

      it('reports the instance plan\'s problem and the binding plan\'s together', () => {
        const unnamed = bindingTemplate(secret('user', { password: '{{ generated.pw }}' }));
        const catalog = assembleCatalog(config([perBinding], [template('tpl-bad', configMap('c-{{ instance.uid }}')), unnamed]));
        expect(catalog.problems.map((p) => [p.field, p.message])).to.deep.equal([
          ['provisiondata', 'resource ConfigMap tpl-bad: unknown template variable {{ instance.uid }}'],
          ['provisiondata.bindinglabelselector', 'resource ConfigMap tpl-user: a binding template\'s metadata.name must use {{ binding.shortId }}, so that each binding gets its own object'],
        ]);
      });
    });

    it('refuses a dedicated entry whose selector finds no template', () => {
      const catalog = assembleCatalog(config([dedicatedEntry()], []));
      expect(catalog.offerings).to.deep.equal([]);
      expect(catalog.problems[0]!.message).to.equal('labelSelector "mesitis/offering=api" selects no enabled resource ConfigMap');
    });

    it('accepts a dedicated entry whose templates need parameters (checked with placeholders)', () => {
      const needsParameter = [template('tpl-config', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c-{{ parameters.size }}' } })];
      const catalog = assembleCatalog(config([dedicatedEntry()], needsParameter));
      expect(catalog.problems).to.deep.equal([]);
      expect(catalog.offerings.map((o) => o.name)).to.deep.equal(['web-api']);
    });

    it('passes the templates through', () => {
      const templates = apiTemplates();
      expect(assembleCatalog(config([dedicatedEntry()], templates)).templates).to.equal(templates);
    });
  });

  describe('visibleTo', () => {
    const catalog = assembleCatalog(config([urlEntry({ whitelist: [CLIENT_NS, OTHER_NS] }), v2({ whitelist: [CLIENT_NS] }), dedicatedEntry({ whitelist: [CLIENT_NS] })], apiTemplates()));

    it('keeps only the plans whitelisted for the namespace', () => {
      const visible = visibleTo(catalog, OTHER_NS);
      expect(visible.map((o) => [o.name, o.plans.map((p) => p.version)])).to.deep.equal([['data-postgres', ['v1']]]);
    });

    it('shows everything whitelisted to a namespace listed everywhere', () => {
      expect(visibleTo(catalog, CLIENT_NS).map((o) => o.plans.length)).to.deep.equal([1, 2]);
    });

    it('shows nothing to a namespace listed nowhere', () => {
      expect(visibleTo(catalog, 'stranger')).to.deep.equal([]);
    });
  });

  describe('findPlan', () => {
    const catalog = assembleCatalog(config([urlEntry(), v2(), dedicatedEntry()], apiTemplates()));

    it('finds a plan by service id and plan id', () => {
      expect(findPlan(catalog, SERVICE_ID, '55555555-5555-4555-8555-555555555555')?.source).to.equal('entry-db-v2');
    });

    it('finds nothing for a plan of another service, or unknown ids', () => {
      expect(findPlan(catalog, SERVICE_ID, dedicatedEntry().planId)).to.equal(undefined);
      expect(findPlan(catalog, 'nope', urlEntry().planId)).to.equal(undefined);
      expect(findPlan(catalog, SERVICE_ID, 'nope')).to.equal(undefined);
    });
  });
});
