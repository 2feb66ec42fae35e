/**
 * D5 (issue 11): an instance is pinned to what was provisioned. On the last
 * commit a binding's coordinates were derived again from the configuration
 * as it is now: renaming the Service template dropped an existing
 * binding's port and endpoints, changing its port to 8080 made the binding
 * say 8080 while the real Service listened on 80, and deleting the entry
 * made fetch-binding answer 500. Now coordinates and the credential
 * reference are recorded at provision: fetch-binding keeps the original,
 * never 500s, and the instance still deprovisions after its entry is gone.
 * Each edit is known to have reached the broker when a fresh instance shows
 * it.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { BrokerProcess } from '../../support/broker-process.js';
import {
  call, configMapTemplate, createOffering, expectNoDrift, faultNamespaces, managedObjects, serviceTemplate, startServe, waitForPlan,
  type FaultNamespaces, type TestOffering,
} from '../../support/fault-harness.js';
import { helmPrerequisite } from '../../support/helm.js';
import type { OsbResponse } from '../../support/osb-client.js';
import { requireOrSkip } from '../../support/prerequisites.js';
import { waitUntil } from '../../support/real-cluster.js';
import { sharedTestCluster, testClusterPrerequisite } from '../../support/test-cluster.js';

const PASSWORD = `d5-${randomUUID()}`;

interface Made { readonly id: string; readonly instance: string; readonly binding: string; readonly bound: OsbResponse }

describe('faults D5: provider edits after binding', function () {
  this.timeout(120_000);
  let ns: FaultNamespaces;
  let offering: TestOffering;
  let broker: BrokerProcess | undefined;
  const serviceTemplateName = 'd5-svc-t01';
  /** Every instance made, in order, with its one binding. */
  const instances: Made[] = [];

  before(async function () {
    requireOrSkip(this, 'the D5 fault suite', testClusterPrerequisite() ?? helmPrerequisite());
    this.timeout(30 * 60_000);
    const cluster = await sharedTestCluster();
    ns = await faultNamespaces(cluster, 'd5');
    await ns.admin.core.createNamespacedSecret({ namespace: ns.brokerNs, body: { metadata: { name: 'd5-credentials' }, stringData: { username: 'd5-user', password: PASSWORD } } });
    offering = await createOffering(ns, {
      offering: 'd5-svc',
      objects: [configMapTemplate('d5-{{ instance.shortId }}-config'), serviceTemplate('d5-{{ instance.shortId }}')],
      name: 'd5-{{ instance.shortId }}',
      credentials: { credentialkind: 'CredentialFromClusterSecret', credentialdata: { secretname: 'd5-credentials' } },
    });
    broker = await startServe({ kubeconfig: ns.brokerKubeconfig(), namespace: ns.brokerNs }, [offering.planId]);
  });

  after(async () => {
    await broker?.stop();
    await ns?.remove();
  });

  const provisionAndBind = async (): Promise<Made> => {
    const id = randomUUID();
    const instance = `/v2/service_instances/${id}`;
    const binding = `${instance}/service_bindings/${randomUUID()}`;
    const put = await call(broker!.url, 'PUT', instance, { body: offering.body() });
    expect(put.status, put.text).to.equal(201);
    const bound = await call(broker!.url, 'PUT', binding, { body: offering.body() });
    expect(bound.status, bound.text).to.equal(201);
    const made = { id, instance, binding, bound };
    instances.push(made);
    return made;
  };
  const editServiceTemplate = async (object: Record<string, unknown>) => {
    const current = await ns.admin.core.readNamespacedConfigMap({ namespace: ns.brokerNs, name: serviceTemplateName });
    await ns.admin.core.replaceNamespacedConfigMap({ namespace: ns.brokerNs, name: serviceTemplateName, body: { ...current, data: { 'wrapped-resource': JSON.stringify(object) } } });
  };
  /** Provisions and binds until a fresh instance's binding shows the edit: the watch has delivered it. */
  const untilSeen = (what: string, seen: (b: Awaited<ReturnType<typeof provisionAndBind>>) => boolean) =>
    waitUntil(what, provisionAndBind, seen, { timeoutMs: 20_000, intervalMs: 500 });

  it('keeps the original coordinates through a port change, a rename and the entry\'s deletion, and still deprovisions', async () => {
    const original = await provisionAndBind();
    expect(original.bound.body.credentials).to.include({ port: 80, username: 'd5-user', password: PASSWORD });

    // The template's port becomes 8080: new instances get 8080, the bound one keeps 80 (its real Service's port).
    await editServiceTemplate(serviceTemplate('d5-{{ instance.shortId }}', 8080));
    await untilSeen('a new instance on port 8080', (b) => b.bound.body.credentials.port === 8080);
    const afterPort = await call(broker!.url, 'GET', original.binding);
    expect(afterPort.status).to.equal(200);
    expect(afterPort.body.credentials).to.deep.equal(original.bound.body.credentials);
    const real = await ns.admin.core.readNamespacedService({ namespace: ns.targetNs, name: String(original.bound.body.credentials.host).split('.')[0]! });
    expect(real.spec!.ports![0]!.port, 'the real Service').to.equal(original.bound.body.credentials.port);

    // The Service template is renamed: the coordinates' name matches no planned Service any more (no port for new ones).
    await editServiceTemplate(serviceTemplate('d5-renamed-{{ instance.shortId }}', 8080));
    await untilSeen('a new instance with the renamed Service', (b) => b.bound.body.credentials.port === undefined);
    const afterRename = await call(broker!.url, 'GET', original.binding);
    expect(afterRename.status).to.equal(200);
    expect(afterRename.body.credentials).to.deep.equal(original.bound.body.credentials);
    expect(afterRename.body.endpoints ?? []).to.deep.equal((await call(broker!.url, 'GET', original.binding)).body.endpoints ?? []);

    // The entry is deleted: fetches keep answering from what was pinned, and every instance still deprovisions.
    await ns.admin.core.deleteNamespacedConfigMap({ namespace: ns.brokerNs, name: offering.entryName });
    await waitForPlan(broker!.url, offering.planId, false);
    for (const { instance, binding, bound } of instances) {
      const fetched = await call(broker!.url, 'GET', binding);
      expect(fetched.status, `fetch-binding after the entry's deletion: ${fetched.text}`).to.equal(200);
      expect(fetched.body.credentials).to.deep.equal(bound.body.credentials);
      expect((await call(broker!.url, 'GET', instance)).status).to.equal(200);
      expect((await call(broker!.url, 'DELETE', `${binding}?${offering.query}`)).status).to.equal(200);
      const gone = await call(broker!.url, 'DELETE', `${instance}?${offering.query}`);
      expect(gone.status, gone.text).to.equal(200);
    }
    expect(await managedObjects(ns)).to.deep.equal([]);
    await expectNoDrift(ns);
  });
});
