import { expect } from 'chai';
import type { KubeObject } from '../../../src/domain/kube-object.js';
import { parseLabelSelector } from '../../../src/domain/label-selector.js';
import { ENABLED_LABEL, isProblem, normaliseTemplate, selectTemplates, type ResourceTemplate } from '../../../src/domain/resource-template.js';
import { configMap, deployment, errorOf, ordered, service, template, valueOf } from '../builders.js';

const api = valueOf(parseLabelSelector('mesitis/offering=api'));
const sources = (templates: ResourceTemplate[]) => templates.map((t) => t.source);

function legacyDeployment(spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'extensions/v1beta1', kind: 'Deployment', metadata: { name: 'old' }, spec };
}

describe('domain/resource-template', () => {
  describe('selectTemplates', () => {
    it('keeps only enabled templates matching the selector', () => {
      const templates = [
        template('enabled', configMap('a')),
        template('disabled', configMap('b'), { [ENABLED_LABEL]: 'false' }),
        { source: 'unlabelled', labels: { 'mesitis/offering': 'api' }, object: configMap('c') },
        template('other-offering', configMap('d'), { 'mesitis/offering': 'web' }),
      ];
      expect(sources(selectTemplates(templates, api))).to.deep.equal(['enabled']);
    });

    it('orders numerically, so "10" comes after "2"', () => {
      const templates = [template('a', configMap('a'), ordered('10')), template('b', configMap('b'), ordered('2')), template('c', configMap('c'), ordered('-1'))];
      expect(sources(selectTemplates(templates, api))).to.deep.equal(['c', 'b', 'a']);
    });

    it('puts templates without an order (or with a non-numeric one) last', () => {
      const templates = [template('a-none', configMap('a')), template('b-text', configMap('b'), ordered('first')), template('z-ordered', configMap('z'), ordered('100'))];
      expect(sources(selectTemplates(templates, api))).to.deep.equal(['z-ordered', 'a-none', 'b-text']);
    });

    it('breaks ties by ConfigMap name', () => {
      const templates = [template('beta', configMap('b'), ordered('5')), template('alpha', configMap('a'), ordered('5')), template('zeta', configMap('z')), template('eta', configMap('e'))];
      expect(sources(selectTemplates(templates, api))).to.deep.equal(['alpha', 'beta', 'eta', 'zeta']);
    });
  });

  describe('normaliseTemplate', () => {
    it('keeps a supported apps/v1 or v1 object as it is', () => {
      for (const object of [deployment('web'), service('web'), configMap('web')]) {
        expect(valueOf(normaliseTemplate(template('tpl', object)))).to.deep.equal(object);
      }
    });

    it('upgrades a legacy extensions/v1beta1 Deployment, deriving the selector from the pod template labels', () => {
      const legacy = legacyDeployment({ replicas: 2, template: { metadata: { labels: { app: 'old', tier: 'web' } }, spec: {} } });
      const upgraded = valueOf(normaliseTemplate(template('tpl', legacy)));
      expect(upgraded.apiVersion).to.equal('apps/v1');
      expect(upgraded['spec']).to.deep.equal({
        replicas: 2,
        selector: { matchLabels: { app: 'old', tier: 'web' } },
        template: { metadata: { labels: { app: 'old', tier: 'web' } }, spec: {} },
      });
    });

    it('keeps the selector a legacy object already has', () => {
      const legacy = legacyDeployment({ selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x', v: '1' } } } });
      const upgraded = valueOf(normaliseTemplate(template('tpl', legacy)));
      expect(upgraded.apiVersion).to.equal('apps/v1');
      expect((upgraded['spec'] as { selector: unknown }).selector).to.deep.equal({ matchLabels: { app: 'x' } });
    });

    it('refuses a legacy object with no selector and no pod labels to derive one from', () => {
      const error = errorOf(normaliseTemplate(template('tpl-old', legacyDeployment({ template: { spec: {} } }))));
      expect(error.kind).to.equal('ConfigInvalid');
      expect(error.message).to.equal('resource ConfigMap tpl-old: extensions/v1beta1 Deployment has no spec.selector and no pod template labels to derive one from');
    });

    it('takes any kind as it is: whether the cluster serves it is discovery\'s call', () => {
      const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { template: {} } };
      expect(normaliseTemplate(template('tpl-job', job))).to.deep.equal({ ok: true, value: job });
      const custom = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'db' }, spec: { instances: 1 } };
      expect(normaliseTemplate(template('tpl-db', custom))).to.deep.equal({ ok: true, value: custom });
    });

    it('refuses a legacy apiVersion of a kind it cannot upgrade, naming the ConfigMap', () => {
      const error = errorOf(normaliseTemplate(template('tpl-ing', { apiVersion: 'extensions/v1beta1', kind: 'Ingress', metadata: { name: 'i' } })));
      expect(error).to.deep.equal({ kind: 'ConfigInvalid', message: 'resource ConfigMap tpl-ing: extensions/v1beta1 Ingress is no longer served by Kubernetes: write it for a current API version' });
    });

    it('refuses an object without a name', () => {
      const error = errorOf(normaliseTemplate(template('tpl', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '' } })));
      expect(error.message).to.equal('resource ConfigMap tpl: metadata.name is required');
    });

    it('reports a template that could not be read, with its field', () => {
      const problem = { source: 'tpl-bad', field: 'wrapped-resource', message: 'not JSON' };
      const error = errorOf(normaliseTemplate({ source: 'tpl-bad', labels: {}, object: problem }));
      expect(error).to.deep.equal({ kind: 'ConfigInvalid', message: 'resource ConfigMap tpl-bad: wrapped-resource: not JSON' });
    });
  });

  describe('isProblem', () => {
    it('tells a read problem from an object', () => {
      expect(isProblem({ source: 's', field: '', message: 'm' })).to.equal(true);
      expect(isProblem(configMap('c'))).to.equal(false);
    });
  });
});

describe('domain/resource-template server-set fields', () => {
  it('drops what the API server sets, so a template copied from `kubectl get -o yaml` can be created', () => {
    const copied = {
      apiVersion: 'v1', kind: 'ConfigMap', status: { phase: 'x' },
      metadata: { name: 'c', resourceVersion: '42', uid: 'u-1', creationTimestamp: '2026-01-01T00:00:00Z', managedFields: [], labels: { a: 'b' } },
      data: { k: 'v' },
    };
    const result = normaliseTemplate({ source: 'copied', labels: {}, object: copied });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value).to.deep.equal({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { a: 'b' } }, data: { k: 'v' } });
  });
});
