import { expect } from 'chai';
import { decodeResourceTemplate } from '../../../../src/adapters/config/resource-template-codec.js';
import type { CatalogEntry } from '../../../../src/domain/catalog-entry.js';
import { planResources } from '../../../../src/domain/resource-plan.js';
import { textDoc } from './entry-docs.js';

const TEMPLATE_LABELS = { 'mesitis/kind': 'wrapped-deployment', 'mesitis/offering': 'api-service', 'mesitis/enabled': 'true', 'mesitis/order': '1' };

const SERVICE_JSON = JSON.stringify({
  apiVersion: 'v1', kind: 'Service', metadata: { name: 'back-end-service', labels: { app: 'back-end' } },
  spec: { selector: { app: 'back-end' }, ports: [{ protocol: 'TCP', port: 80, targetPort: 9000 }] },
});

const LEGACY_DEPLOYMENT_YAML = `
apiVersion: extensions/v1beta1
kind: Deployment
metadata:
  name: "api-{{ instance.shortId }}"
spec:
  replicas: 1
  template:
    metadata:
      labels:
        app: "api-{{ instance.shortId }}"
    spec:
      containers:
        - name: api
          image: registry.example.com/api:1.0.0
`;

const dedicatedEntry: CatalogEntry = {
  source: 'entry', team: 'api', offering: 'api-service', description: 'd', version: '1', planId: 'p', serviceId: 's', whitelist: ['client-ns'],
  provisioner: { kind: 'NewClusterObjects', namespace: 'api-ns', name: 'api-{{ instance.shortId }}', labelSelector: 'mesitis/offering=api-service' },
  credentials: { kind: 'NoCredential' },
};

const facts = { instanceId: 'instance-1', instanceName: 'mine', consumerNamespace: 'client-ns', team: 'api', offering: 'api-service', version: '1', parameters: {} };

describe('adapters/config/resource-template-codec', () => {
  it('reads a JSON object with the ConfigMap name and labels', () => {
    const template = decodeResourceTemplate(textDoc('wrapped-api-service', SERVICE_JSON, 'wrapped-resource', TEMPLATE_LABELS));
    expect(template.source).to.equal('wrapped-api-service');
    expect(template.labels).to.deep.equal(TEMPLATE_LABELS);
    expect(template.object).to.deep.equal(JSON.parse(SERVICE_JSON));
  });

  it('reads YAML under the older embedded-resource key', () => {
    const template = decodeResourceTemplate(textDoc('t', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: "1"\n', 'embedded-resource', TEMPLATE_LABELS));
    expect(template.object).to.deep.equal({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { a: '1' } });
  });

  it('keeps the case of Kubernetes keys', () => {
    const template = decodeResourceTemplate(textDoc('t', SERVICE_JSON, 'wrapped-resource', TEMPLATE_LABELS));
    expect(template.object).to.have.property('apiVersion', 'v1');
    expect(template.object).to.not.have.property('apiversion');
  });

  const problemCases: [string, string, string][] = [
    ['not a mapping', '[1, 2]', 'wrapped-resource'],
    ['no apiVersion', '{"kind": "Service", "metadata": {"name": "s"}}', 'apiVersion'],
    ['no kind', '{"apiVersion": "v1", "metadata": {"name": "s"}}', 'kind'],
    ['no metadata', '{"apiVersion": "v1", "kind": "Service"}', 'metadata'],
    ['no metadata.name', '{"apiVersion": "v1", "kind": "Service", "metadata": {}}', 'metadata.name'],
    ['a label that YAML read as a number', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  labels:\n    version: 1\n', 'metadata.labels.version'],
    ['bad YAML', 'kind: [', 'wrapped-resource'],
  ];
  for (const [what, text, field] of problemCases) {
    it(`reports ${what} as a problem at ${field}, naming the ConfigMap`, () => {
      const template = decodeResourceTemplate(textDoc('broken-template', text, 'wrapped-resource', TEMPLATE_LABELS));
      expect(template.source).to.equal('broken-template');
      expect(template.object).to.include({ source: 'broken-template', field });
      expect(template.object).to.have.property('message').that.is.a('string');
    });
  }

  it('yields a legacy extensions/v1beta1 Deployment that planResources upgrades to apps/v1 with a selector', () => {
    const template = decodeResourceTemplate(textDoc('legacy', LEGACY_DEPLOYMENT_YAML, 'wrapped-resource', TEMPLATE_LABELS));
    const plan = planResources(dedicatedEntry, [template], facts);
    if (!plan.ok) throw new Error(plan.error.message);
    const [deployment] = plan.value;
    expect(deployment?.apiVersion).to.equal('apps/v1');
    const spec = deployment?.['spec'] as { selector: unknown; template: { metadata: { labels: Record<string, string> } } };
    expect(spec.selector).to.deep.equal({ matchLabels: spec.template.metadata.labels });
    expect(deployment?.metadata.name).to.match(/^api-[0-9a-f]{8}$/);
  });

  it('lets planResources refuse the entry that selects a broken template, naming the template', () => {
    const template = decodeResourceTemplate(textDoc('broken-template', '{"kind": "Service"}', 'wrapped-resource', TEMPLATE_LABELS));
    const plan = planResources(dedicatedEntry, [template], facts);
    expect(plan.ok).to.equal(false);
    expect(!plan.ok && plan.error.message).to.include('broken-template').and.include('apiVersion');
  });
});
