import { expect } from 'chai';
import type { KubeObject } from '../../../src/domain/kube-object.js';
import { INSTANCE_LABEL, instanceLabelValue, instanceSelector, ownedBy, planResources } from '../../../src/domain/resource-plan.js';
import { isLabelValue } from '../../../src/domain/label-selector.js';
import { sha1Hex } from '../../../src/domain/hash.js';
import {
  CLIENT_NS, PROVIDER_NS, apiTemplates, configMap, dedicatedEntry, errorOf, facts, ordered, service, template, urlEntry, valueOf,
} from '../builders.js';

const SHORT = sha1Hex('instance-1').slice(0, 8);
const plan = (templates = apiTemplates(), instance = facts()) => valueOf(planResources(dedicatedEntry(), templates, instance));
const one = (object: KubeObject, instance = facts()) => plan([template('tpl', object)], instance)[0]!;

describe('domain/resource-plan', () => {
  it('renders the selected templates in order, each into the provisioner namespace', () => {
    const objects = plan();
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).to.deep.equal([
      `ConfigMap/${PROVIDER_NS}/api-config-${SHORT}`,
      `Deployment/${PROVIDER_NS}/api-${SHORT}`,
      `Service/${PROVIDER_NS}/api-${SHORT}`,
    ]);
    expect(objects[0]!['data']).to.deep.equal({ owner: CLIENT_NS });
  });

  it('plans nothing for an entry that creates no objects', () => {
    expect(valueOf(planResources(urlEntry(), apiTemplates(), facts()))).to.deep.equal([]);
  });

  it('substitutes variables in values, never in keys', () => {
    const object = one(configMap('c', { '{{ instance.id }}': '{{ instance.id }}', name: '{{ instance.name }}/{{ team }}/{{ offering }}/{{ version }}' }));
    expect(object['data']).to.deep.equal({ '{{ instance.id }}': 'instance-1', name: 'my-api/web/api/v1' });
  });

  it('substitutes inside arrays and nested objects, leaving numbers and booleans alone', () => {
    const object = one({ ...service('s'), spec: { ports: [{ port: 80, name: 'p-{{ instance.shortId }}' }], publishNotReadyAddresses: true } });
    expect(object['spec']).to.deep.equal({ ports: [{ port: 80, name: `p-${SHORT}` }], publishNotReadyAddresses: true });
  });

  it('gives {{ instance.shortId }} as 8 stable DNS-safe characters derived from the id', () => {
    const first = one(configMap('c-{{ instance.shortId }}')).metadata.name;
    const again = one(configMap('c-{{ instance.shortId }}')).metadata.name;
    const other = one(configMap('c-{{ instance.shortId }}'), facts({ instanceId: 'instance-2' })).metadata.name;
    expect(first).to.equal(`c-${SHORT}`).and.equal(again);
    expect(first.slice(2)).to.match(/^[0-9a-f]{8}$/);
    expect(other).to.not.equal(first);
  });

  it('adds the Mesitis labels and keeps the template\'s own', () => {
    const object = one({ ...configMap('c'), metadata: { name: 'c', labels: { app: 'api', [INSTANCE_LABEL]: 'forged' } } });
    expect(object.metadata.labels).to.deep.equal({
      app: 'api',
      'app.kubernetes.io/managed-by': 'mesitis',
      'mesitis/instance': instanceLabelValue('instance-1'),
      'mesitis/offering': 'api',
      'mesitis/consumer-namespace': CLIENT_NS,
    });
  });

  it('forces the provisioner namespace onto objects that name none', () => {
    expect(one(configMap('c')).metadata.namespace).to.equal(PROVIDER_NS);
  });

  it('accepts an object that names the provisioner namespace itself', () => {
    expect(one({ ...configMap('c'), metadata: { name: 'c', namespace: PROVIDER_NS } }).metadata.namespace).to.equal(PROVIDER_NS);
  });

  it('refuses an object naming another namespace, also through a variable', () => {
    for (const namespace of ['kube-system', '{{ consumer.namespace }}']) {
      const error = errorOf(planResources(dedicatedEntry(), [template('tpl-x', { ...configMap('c'), metadata: { name: 'c', namespace } })], facts()));
      expect(error.kind).to.equal('ConfigInvalid');
      expect(error.message).to.match(/^resource ConfigMap tpl-x: namespace "(kube-system|client-ns)" is not the provisioner's namespace "provider-ns"$/);
    }
  });

  it('always hashes the instance id into the label, valid label value or not', () => {
    const id = 'Instance/With Spaces';
    const label = one(configMap('c'), facts({ instanceId: id })).metadata.labels?.[INSTANCE_LABEL];
    expect(label).to.equal(`i-${sha1Hex(id)}`);
    expect(isLabelValue(label!)).to.equal(true);
    expect(instanceLabelValue('x'.repeat(64))).to.equal(`i-${sha1Hex('x'.repeat(64))}`);
    expect(instanceLabelValue('instance-1')).to.equal(`i-${sha1Hex('instance-1')}`);
  });

  it('gives no id the label of another: an id spelled like another id\'s label gets a label of its own', () => {
    const victim = 'Victim Instance';
    const forged = instanceLabelValue(victim);
    expect(instanceLabelValue(forged)).to.not.equal(forged);
    expect(ownedBy(one(configMap('c'), facts({ instanceId: victim })), forged)).to.equal(false);
  });

  it('cannot have structure injected through a parameter value', () => {
    const hostile = '"}, "kind": "Secret", "x": {"y": "{{ instance.id }}';
    const object = one(configMap('c', { size: '{{ parameters.size }}' }), facts({ parameters: { size: hostile } }));
    expect(object.kind).to.equal('ConfigMap');
    expect(object['data']).to.deep.equal({ size: hostile });
    expect(Object.keys(object)).to.have.members(['apiVersion', 'kind', 'metadata', 'data']);
  });

  it('refuses an unknown variable as a configuration error naming the resource ConfigMap', () => {
    const error = errorOf(planResources(dedicatedEntry(), [template('tpl', configMap('c-{{ instance.uid }}'))], facts()));
    expect(error).to.deep.equal({ kind: 'ConfigInvalid', message: 'resource ConfigMap tpl: unknown template variable {{ instance.uid }}' });
  });

  it('refuses a missing parameter as the caller\'s mistake', () => {
    const error = errorOf(planResources(dedicatedEntry(), [template('tpl', configMap('c-{{ parameters.size }}'))], facts()));
    expect(error.kind).to.equal('InvalidRequest');
    expect(error.message).to.equal('parameter "size" is required and must be a string, number or boolean');
  });

  it('refuses a parameter value that makes an invalid object name as the caller\'s mistake', () => {
    const error = errorOf(planResources(dedicatedEntry(), [template('tpl', configMap('c-{{ parameters.size }}'))], facts({ parameters: { size: 'Big_One' } })));
    expect(error.kind).to.equal('InvalidRequest');
    expect(error.message).to.contain('"c-Big_One"');
  });

  it('refuses a template whose own name is invalid as a configuration error', () => {
    const error = errorOf(planResources(dedicatedEntry(), [template('tpl', configMap('Upper_{{ instance.shortId }}'))], facts()));
    expect(error.kind).to.equal('ConfigInvalid');
    expect(error.message).to.contain('resource ConfigMap tpl');
  });

  describe('naming rules of each kind, checked before anything is created', () => {
    const deploymentWith = (labels: Record<string, string>): KubeObject => ({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api-{{ instance.shortId }}', labels },
      spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api', ...labels } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    const refused = (object: KubeObject, instance = facts()) => errorOf(planResources(dedicatedEntry(), [template('tpl', object)], instance));

    it('refuses a parameter that makes a Service name with a dot, naming the parameter', () => {
      const error = refused(service('svc-{{ parameters.suffix }}'), facts({ parameters: { suffix: 'a.b' } }));
      expect(error.kind).to.equal('InvalidRequest');
      expect(error.message).to.contain('parameter "suffix"').and.to.contain('"svc-a.b"').and.to.contain('metadata.name');
      // The same value is a valid ConfigMap name: the rule is the kind's own.
      expect(one(configMap('svc-{{ parameters.suffix }}'), facts({ parameters: { suffix: 'a.b' } })).metadata.name).to.equal('svc-a.b');
    });

    it('refuses a parameter that makes a Service name longer than 63 characters', () => {
      const error = refused(service('svc-{{ parameters.suffix }}'), facts({ parameters: { suffix: 'x'.repeat(60) } }));
      expect(error.kind).to.equal('InvalidRequest');
      expect(error.message).to.contain('parameter "suffix"');
      expect(one(service('svc-{{ parameters.suffix }}'), facts({ parameters: { suffix: 'x'.repeat(59) } })).metadata.name).to.have.length(63);
    });

    it('refuses a parameter that makes an invalid label value, in metadata or the pod template', () => {
      const error = refused(deploymentWith({ tier: '{{ parameters.tier }}' }), facts({ parameters: { tier: 'front end' } }));
      expect(error.kind).to.equal('InvalidRequest');
      expect(error.message).to.contain('parameter "tier"').and.to.contain('metadata.labels.tier');
      expect(one(deploymentWith({ tier: '{{ parameters.tier }}' }), facts({ parameters: { tier: 'front' } })).metadata.labels).to.include({ tier: 'front' });
    });

    it('refuses context.instance_name in a label when it is no valid label value, naming it', () => {
      const error = refused(deploymentWith({ name: '{{ instance.name }}' }), facts({ instanceName: 'My API (test)' }));
      expect(error.kind).to.equal('InvalidRequest');
      expect(error.message).to.contain('context.instance_name');
      const selector = refused({ ...service('s'), spec: { selector: { app: 'a' } }, metadata: { name: 's', labels: { owner: '{{ instance.name }}' } } }, facts({ instanceName: 'x'.repeat(64) }));
      expect(selector.message).to.contain('context.instance_name');
    });

    it('refuses a parameter in spec.selector.matchLabels that makes an invalid value', () => {
      const object: KubeObject = {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' },
        spec: { selector: { matchLabels: { app: '{{ parameters.app }}' } }, template: { metadata: { labels: { app: 'ok' } }, spec: { containers: [] } } },
      };
      const error = refused(object, facts({ parameters: { app: 'a/b' } }));
      expect(error.kind).to.equal('InvalidRequest');
      expect(error.message).to.contain('parameter "app"').and.to.contain('spec.selector.matchLabels.app');
    });

    it('blames the template, not the caller, for a bad name or label it wrote itself', () => {
      const badService = refused(service('api.{{ instance.shortId }}'));
      expect(badService.kind).to.equal('ConfigInvalid');
      expect(badService.message).to.contain('resource ConfigMap tpl');
      expect(refused(deploymentWith({ tier: 'front end' })).kind).to.equal('ConfigInvalid');
    });
  });

  it('uses a placeholder for a missing parameter in placeholder mode', () => {
    const objects = valueOf(planResources(dedicatedEntry(), [template('tpl', configMap('c-{{ parameters.size }}'))], facts(), 'placeholder'));
    expect(objects[0]!.metadata.name).to.equal('c-x');
  });

  it('refuses two templates planning the same kind and name', () => {
    const templates = [template('tpl-a', configMap('same'), ordered('1')), template('tpl-b', configMap('same'), ordered('2'))];
    const error = errorOf(planResources(dedicatedEntry(), templates, facts()));
    expect(error).to.deep.equal({ kind: 'ConfigInvalid', message: 'resource ConfigMap tpl-b: ConfigMap "same" is planned twice' });
  });

  it('refuses a selector that selects nothing or cannot be read', () => {
    expect(errorOf(planResources(dedicatedEntry(), [], facts())).message).to.equal('labelSelector "mesitis/offering=api" selects no enabled resource ConfigMap');
    const unreadable = dedicatedEntry({ provisioner: { kind: 'NewClusterObjects', namespace: PROVIDER_NS, name: 'n', labelSelector: '' } });
    expect(errorOf(planResources(unreadable, apiTemplates(), facts()))).to.deep.equal({ kind: 'ConfigInvalid', message: 'labelSelector: the selector is empty' });
  });

  describe('ownership', () => {
    it('selects managed objects of the instance by label', () => {
      expect(instanceSelector('instance-1')).to.equal(`app.kubernetes.io/managed-by=mesitis,mesitis/instance=i-${sha1Hex('instance-1')}`);
    });

    it('owns an object carrying both labels for the instance, and nothing else', () => {
      const mine = one(configMap('c'));
      expect(ownedBy(mine, 'instance-1')).to.equal(true);
      expect(ownedBy(mine, 'instance-2')).to.equal(false);
      expect(ownedBy(configMap('c'), 'instance-1')).to.equal(false);
      expect(ownedBy({ ...mine, metadata: { name: 'c', labels: { [INSTANCE_LABEL]: instanceLabelValue('instance-1') } } }, 'instance-1')).to.equal(false);
    });
  });
});
