import { sharedTestCluster, stopSharedTestCluster } from '../test/support/test-cluster.ts';
import { adminApis, freshNamespace, kubeConfigFrom, silentLogger, deleteNamespace } from '../test/support/real-cluster.ts';
import { kubernetesApis } from '../src/adapters/kubernetes/api-clients.ts';
import { KubernetesClusterApi } from '../src/adapters/kubernetes/kubernetes-cluster-api.ts';
import { MemoryCluster } from '../src/adapters/memory/memory-cluster.ts';
import { MemoryClusterApi } from '../src/adapters/memory/memory-cluster-api.ts';

const c = await sharedTestCluster();
const admin = adminApis(c.adminKubeconfig);
const ns = await freshNamespace(admin, 'probe');
const terminating = await freshNamespace(admin, 'probe-term');
await admin.core.createNamespacedConfigMap({ namespace: terminating, body: { metadata: { name: 'x' } } });
await deleteNamespace(admin, terminating);
const real = new KubernetesClusterApi(kubernetesApis(kubeConfigFrom(c.adminKubeconfig)), silentLogger());
const mc = new MemoryCluster(); mc.createNamespace(ns); mc.createNamespace(terminating);
const fake = new MemoryClusterApi(mc);
const pod = (name: string, extra: any = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, ...extra }, spec: { containers: [{ name: 'a', image: 'x' }] } });
const svc = (name: string, spec: any) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec });
const cm = (name: string, extra: any = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, ...extra.metadata }, ...extra.body });
const probes: [string, (api: any) => Promise<any>][] = [
  ['bad selector', (a) => a.list('ConfigMap', ns, 'a==,=')],
  ['set selector', (a) => a.list('ConfigMap', ns, 'a in (b,c)')],
  ['svc clusterIP/ports', async (a) => { const r = await a.create(svc('s1', { ports: [{ port: 80 }] })); return r.ok ? { clusterIP: r.value.spec.clusterIP, ports: r.value.spec.ports, type: r.value.spec.type } : r; }],
  ['svc headless no ports', (a) => a.create(svc('s2', { clusterIP: 'None' }))],
  ['svc no ports', (a) => a.create(svc('s3', {}))],
  ['svc name w/ dot', (a) => a.create(svc('a.b', { ports: [{ port: 80 }] }))],
  ['svc name starting digit', (a) => a.create(svc('1abc', { ports: [{ port: 80 }] }))],
  ['pod status on create', async (a) => { const r = await a.create(pod('p1', {})); return r.ok ? r.value.status : r; }],
  ['pod w/ resourceVersion', (a) => a.create(pod('p2', { resourceVersion: '5' }))],
  ['cm bad key', (a) => a.create(cm('c1', { body: { data: { 'bad key': 'v' } } }))],
  ['cm bad label value', (a) => a.create(cm('c2', { metadata: { labels: { a: 'has space' } } }))],
  ['cm label value 64', (a) => a.create(cm('c3', { metadata: { labels: { a: 'x'.repeat(64) } } }))],
  ['cm name 254', (a) => a.create(cm('x'.repeat(254)))],
  ['cm uppercase name', (a) => a.create(cm('Abc'))],
  ['cm no namespace', (a) => a.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nn' } })],
  ['cm missing ns', (a) => a.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nn', namespace: 'nope-ns' } })],
  ['cm terminating ns', (a) => a.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nn', namespace: terminating } })],
  ['secret bad base64', (a) => a.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's-b64', namespace: ns }, data: { a: 'not base64!' } })],
  ['deploy no selector', (a) => a.create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd1', namespace: ns }, spec: { template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'a', image: 'x' }] } } } })],
  ['deploy created status', async (a) => { const r = await a.create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd2', namespace: ns }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'a', image: 'x' }] } } } }); return r.ok ? { status: r.value.status, gen: r.value.metadata.generation, replicas: r.value.spec.replicas } : r; }],
  ['deployment bad container name', (a) => a.create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd3', namespace: ns }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'A_b', image: 'x' }] } } } })],
  ['port 70000', (a) => a.create(svc('s4', { ports: [{ port: 70000 }] }))],
  ['annotation bad key', (a) => a.create(cm('c4', { metadata: { annotations: { 'bad key': 'v' } } }))],
  ['get other kind missing', (a) => a.get({ kind: 'Pod', namespace: 'nope-ns', name: 'x' })],
  ['list missing ns', (a) => a.list('Pod', 'nope-ns', '')],
  ['delete missing ns', (a) => a.delete({ kind: 'Pod', namespace: 'nope-ns', name: 'x' })],
  ['extensions apiVersion', (a) => a.create({ apiVersion: 'extensions/v1beta1', kind: 'Deployment', metadata: { name: 'd9', namespace: ns } })],
];
const show = (r: any) => JSON.stringify(r && r.ok === false ? { err: r.error.kind, msg: r.error.message.slice(0, 150) } : r?.ok ? (Array.isArray(r.value) ? r.value.map((o: any) => o.metadata.name) : r.value?.metadata ? 'ok' : r.value) : r);
for (const [name, probe] of probes) {
  const [f, r] = [await probe(fake), await probe(real)];
  const fs = show(f), rs = show(r);
  console.log(`${fs === rs ? '  same' : 'DIFF  '} ${name}\n     fake: ${fs}\n     real: ${rs}`);
}
await stopSharedTestCluster();
