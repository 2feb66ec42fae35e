/**
 * `mesitis doctor` as a process on the real apiserver, with the provider's
 * credentials and the broker's Kubernetes state store: it finds an orphan, a
 * record whose object was deleted by hand and an operation nobody is
 * finishing; --fix removes the orphan and finishes the operation, and never
 * touches an object without Mesitis's labels; what it cannot fix stays
 * listed.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { KubernetesApis } from '../../src/adapters/kubernetes/api-clients.js';
import { KubernetesStateStore } from '../../src/adapters/kubernetes/kubernetes-state-store.js';
import type { ObjectRef } from '../../src/domain/kube-object.js';
import type { InstanceRecord } from '../../src/domain/records.js';
import { instanceLabelValue } from '../../src/domain/resource-plan.js';
import { REPO_ROOT } from '../support/broker-process.js';
import { adminApis, deleteNamespace, freshNamespace, requireTestClusterOrSkip, silentLogger } from '../support/real-cluster.js';
import { sharedTestCluster, type TestCluster } from '../support/test-cluster.js';
import { instanceRecord, valueOf } from '../unit/builders.js';

const OFFERING = 'doctor-svc';
const PLAN_ID = randomUUID();

interface Run { readonly code: number; readonly stdout: string; readonly stderr: string }

interface DoctorJson {
  clean: boolean;
  orphans: { kind: string; namespace: string; name: string; removable: boolean }[];
  missing: { instanceId: string; objects: { name: string }[] }[];
  stuck: { instanceId: string; operation: string }[];
}

describe('mesitis doctor on the real apiserver', function () {
  this.timeout(120_000);
  let cluster: TestCluster;
  let admin: KubernetesApis;
  let brokerNs: string;
  let targetNs: string;

  const doctor = (...args: string[]) =>
    new Promise<Run>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'src/main/cli.ts', 'doctor', '--kubeconfig', cluster.adminKubeconfig, '--namespace', brokerNs, ...args],
        { cwd: REPO_ROOT, env: { ...process.env, MESITIS_STATE: '', MESITIS_REDIS_URL: '', POD_NAMESPACE: '' } },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
    });
  const json = (run: Run) => JSON.parse(run.stdout) as DoctorJson;
  const configMapNames = async () => (await admin.core.listNamespacedConfigMap({ namespace: targetNs })).items.map((c) => c.metadata!.name!).filter((n) => n !== 'kube-root-ca.crt').sort();
  const labelsFor = (instanceId: string) => ({ 'app.kubernetes.io/managed-by': 'mesitis', 'mesitis/instance': instanceLabelValue(instanceId), 'mesitis/offering': OFFERING, 'mesitis/consumer-namespace': 'client-ns' });
  const createConfigMap = async (name: string, labels: Record<string, string>): Promise<ObjectRef> => {
    const made = await admin.core.createNamespacedConfigMap({ namespace: targetNs, body: { metadata: { name, labels }, data: { made: 'by the test' } } });
    return { apiVersion: 'v1', kind: 'ConfigMap', namespace: targetNs, name, uid: made.metadata!.uid! };
  };
  const record = (id: string, overrides: Partial<InstanceRecord>): InstanceRecord =>
    instanceRecord({ id, serviceId: randomUUID(), planId: PLAN_ID, entrySource: 'doctor-entry', parameters: {}, ...overrides });

  before(async function () {
    requireTestClusterOrSkip(this, 'the doctor suite');
    this.timeout(30 * 60_000); // the first run on a machine builds kube-apiserver
    cluster = await sharedTestCluster();
    admin = adminApis(cluster.adminKubeconfig);
    brokerNs = await freshNamespace(admin, 'doctor');
    targetNs = await freshNamespace(admin, 'doctor-target');
    const entry = {
      team: 'ops', offering: OFFERING, description: 'doctor test', uuid: PLAN_ID, version: '1', whitelist: ['client-ns'],
      provisionkind: 'ProvisionNewClusterObjects',
      provisiondata: { namespace: targetNs, name: 'svc-{{ instance.shortId }}', labelSelector: `mesitis/offering=${OFFERING}` },
      credentialkind: 'CredentialNoCredential',
    };
    await admin.core.createNamespacedConfigMap({ namespace: brokerNs, body: {
      metadata: { name: 'doctor-entry', labels: { 'mesitis/kind': 'catalog-entry', 'mesitis/enabled': 'true' } },
      data: { 'wrapped-resource': JSON.stringify(entry) },
    } });
    await admin.core.createNamespacedConfigMap({ namespace: brokerNs, body: {
      metadata: { name: 'doctor-template', labels: { 'mesitis/kind': 'wrapped-configmap', 'mesitis/offering': OFFERING, 'mesitis/enabled': 'true' } },
      data: { 'wrapped-resource': JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'svc-{{ instance.shortId }}' }, data: { a: 'b' } }) },
    } });
  });

  after(async () => {
    if (admin) for (const ns of [brokerNs, targetNs]) if (ns) await deleteNamespace(admin, ns);
  });

  it('lists an orphan, a record missing its object and a stuck operation; --fix repairs the first and the last', async () => {
    const store = new KubernetesStateStore(admin, brokerNs, silentLogger());
    // An object of ours that no record owns, and one without our labels that nothing may touch.
    await createConfigMap('orphan', labelsFor('no-such-instance'));
    await createConfigMap('not-ours', { 'mesitis/offering': OFFERING });
    // A ready instance whose object someone deleted by hand.
    const lost = await createConfigMap('lost', labelsFor('instance-missing'));
    valueOf(await store.createInstance(record('instance-missing', { objects: [lost] })));
    await admin.core.deleteNamespacedConfigMap({ namespace: targetNs, name: 'lost' });
    // A deprovision whose broker died: in progress, nobody holds its lock.
    const left = await createConfigMap('left-by-a-dead-broker', labelsFor('instance-stuck'));
    valueOf(await store.createInstance(record('instance-stuck', {
      objects: [left], status: 'deprovisioning',
      operation: { id: 'op-dead', type: 'deprovision', state: 'in progress', startedAt: new Date().toISOString() },
    })));

    const first = await doctor('-o', 'json');
    expect(first.code, first.stderr).to.equal(1);
    const found = json(first);
    expect(found.clean).to.equal(false);
    expect(found.orphans.map((o) => [o.name, o.removable])).to.deep.equal([['orphan', true]]);
    expect(found.missing.map((m) => [m.instanceId, m.objects.map((o) => o.name)])).to.deep.equal([['instance-missing', ['lost']]]);
    expect(found.stuck.map((s) => [s.instanceId, s.operation])).to.deep.equal([['instance-stuck', 'deprovision']]);

    const table = await doctor();
    expect(table.code).to.equal(1);
    expect(table.stdout).to.match(/^orphan\s+ConfigMap .*\/orphan\s/m).and.match(/^missing\s+instance instance-missing\s+ready/m).and.match(/^stuck\s+instance instance-stuck\s+deprovisioning/m);

    const fixed = await doctor('--fix');
    expect(fixed.code, `${fixed.stdout}\n${fixed.stderr}`).to.equal(1); // the missing object is not the doctor's to fix
    expect(fixed.stdout).to.match(/resumed 1 operation/).and.match(/deleted: orphan ConfigMap .*\/orphan/).and.match(/left for the platform: instance instance-missing/);
    expect(await configMapNames()).to.deep.equal(['not-ours']);
    expect(valueOf(await store.getInstance('instance-stuck'))?.record.status ?? 'deleted').to.be.oneOf(['gone', 'deleted']);

    const again = await doctor('-o', 'json');
    expect(again.code).to.equal(1);
    const remaining = json(again);
    expect([remaining.orphans, remaining.stuck]).to.deep.equal([[], []]);
    expect(remaining.missing.map((m) => m.instanceId)).to.deep.equal(['instance-missing']);
  });

  it('answers 0 and "no drift" once nothing is left, and refuses a memory store (it would see every object as an orphan)', async () => {
    const store = new KubernetesStateStore(admin, brokerNs, silentLogger());
    const stored = valueOf(await store.getInstance('instance-missing'));
    if (stored) valueOf(await store.deleteInstance('instance-missing', stored.revision));
    const clean = await doctor();
    expect(clean.code, `${clean.stdout}\n${clean.stderr}`).to.equal(0);
    expect(clean.stdout).to.match(/^no drift \(/m);
    const memory = await doctor('--state', 'memory');
    expect(memory.code).to.equal(2);
    expect(memory.stderr).to.match(/--state memory/);
  });
});
