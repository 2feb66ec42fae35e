/**
 * How the chart exposes /metrics: Prometheus pod annotations by default,
 * a ServiceMonitor only when asked for, both pointing at the port and path
 * the broker serves (test/http/metrics.test.ts covers what it serves).
 */
import { expect } from 'chai';
import { buildHelm, helmPrerequisite, helmTemplate, MESITIS_CHART_DIR, type KubernetesManifest } from '../support/helm.js';
import { requireOrSkip } from '../support/prerequisites.js';
import { one, only } from './chart-expectations.js';

const NS = 'provider-ns';

type Pod = { metadata: { annotations?: Record<string, string>; labels: Record<string, string> }; spec: { containers: { ports: { name: string; containerPort: number }[] }[] } };
const pod = (objects: KubernetesManifest[]): Pod => (one(objects, 'Deployment') as unknown as { spec: { template: Pod } }).spec.template;

describe('Helm chart: metrics', function () {
  before(async function () {
    requireOrSkip(this, 'Helm chart tests', helmPrerequisite());
    this.timeout(20 * 60_000); // a cold build of helm takes minutes
    await buildHelm();
  });

  const render = (values: Record<string, unknown> = {}) => helmTemplate(MESITIS_CHART_DIR, { namespace: NS, values });

  it('annotates the pods for Prometheus with the port the broker listens on and /metrics, and renders no ServiceMonitor', async function () {
    for (const port of [8080, 9095]) {
      const objects = await render({ broker: { port } });
      expect(pod(objects).metadata.annotations).to.deep.equal({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), 'prometheus.io/path': '/metrics' });
      expect(pod(objects).spec.containers[0]!.ports).to.deep.include({ name: 'http', containerPort: port, protocol: 'TCP' });
      expect(only(objects, 'ServiceMonitor')).to.deep.equal([]);
    }
  });

  it('keeps the user\'s pod annotations, which win, and drops the Prometheus ones when told', async function () {
    const merged = pod(await render({ podAnnotations: { team: 'a', 'prometheus.io/scrape': 'false' } })).metadata.annotations;
    expect(merged).to.deep.equal({ team: 'a', 'prometheus.io/scrape': 'false', 'prometheus.io/port': '8080', 'prometheus.io/path': '/metrics' });
    expect(pod(await render({ metrics: { podAnnotations: false } })).metadata.annotations).to.equal(undefined);
    expect(pod(await render({ metrics: { podAnnotations: false }, podAnnotations: { team: 'a' } })).metadata.annotations).to.deep.equal({ team: 'a' });
  });

  it('renders a ServiceMonitor selecting the broker Service\'s http port when enabled', async function () {
    const objects = await render({ metrics: { serviceMonitor: { enabled: true, labels: { release: 'kube-prometheus-stack' }, interval: '15s', scrapeTimeout: '5s' } } });
    const monitor = one(objects, 'ServiceMonitor');
    const service = one(objects, 'Service') as unknown as KubernetesManifest & { spec: { ports: { name: string }[] } };
    expect(monitor.apiVersion).to.equal('monitoring.coreos.com/v1');
    expect(monitor.metadata.namespace).to.equal(NS);
    expect(monitor.metadata.labels).to.include({ release: 'kube-prometheus-stack' });
    const spec = monitor['spec'] as { selector: { matchLabels: Record<string, string> }; endpoints: Record<string, string>[] };
    expect(service.metadata.labels).to.include(spec.selector.matchLabels);
    expect(service.spec.ports.map((p) => p.name)).to.include('http');
    expect(spec.endpoints).to.deep.equal([{ port: 'http', path: '/metrics', interval: '15s', scrapeTimeout: '5s' }]);
  });
});
