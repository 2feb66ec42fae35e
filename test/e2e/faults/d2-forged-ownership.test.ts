/**
 * D2 (issue 11): ownership cannot be forged. A victim instance whose id is
 * not a valid label value (over 63 characters) was labelled `h-<sha1(id)>`
 * on the last commit; another tenant that provisioned the literal id
 * `h-<sha1(victim's id)>` and deprovisioned it deleted every object of the
 * victim, whose instance still read "succeeded". Now every id is labelled
 * `i-<sha1(id)>` (so no raw id equals another id's encoding) and the broker
 * deletes only the objects whose uids it recorded. Both forms are tried.
 */
import { createHash, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { BrokerProcess } from '../../support/broker-process.js';
import {
  call, configMapTemplate, createOffering, expectNoDrift, faultNamespaces, managedObjects, serviceTemplate, startServe,
  type FaultNamespaces, type TestOffering,
} from '../../support/fault-harness.js';
import { helmPrerequisite } from '../../support/helm.js';
import { requireOrSkip } from '../../support/prerequisites.js';
import { sharedTestCluster, testClusterPrerequisite } from '../../support/test-cluster.js';

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

describe('faults D2: a second tenant provisioning the victim\'s label encoding as its id', function () {
  this.timeout(120_000);
  let ns: FaultNamespaces;
  let offering: TestOffering;
  let broker: BrokerProcess | undefined;

  before(async function () {
    requireOrSkip(this, 'the D2 fault suite', testClusterPrerequisite() ?? helmPrerequisite());
    this.timeout(30 * 60_000);
    const cluster = await sharedTestCluster();
    ns = await faultNamespaces(cluster, 'd2');
    offering = await createOffering(ns, {
      offering: 'd2-svc',
      objects: [configMapTemplate('d2-{{ instance.shortId }}-config'), configMapTemplate('d2-{{ instance.shortId }}-extra'), serviceTemplate('d2-{{ instance.shortId }}')],
      name: 'd2-{{ instance.shortId }}',
    });
    broker = await startServe({ kubeconfig: ns.brokerKubeconfig(), namespace: ns.brokerNs }, [offering.planId]);
  });

  after(async () => {
    await broker?.stop();
    await ns?.remove();
  });

  it('deprovisioning `h-<sha1(victim)>` and `i-<sha1(victim)>` from another namespace leaves every object of the victim, which stays usable', async () => {
    // Too long for a label value: the last commit labelled it h-<sha1>.
    const victim = `victim-${randomUUID()}-${randomUUID()}`;
    const victimPath = `/v2/service_instances/${victim}`;
    expect((await call(broker!.url, 'PUT', victimPath, { body: offering.body('client-ns') })).status).to.equal(201);
    const bindings = [randomUUID(), randomUUID()].map((b) => `${victimPath}/service_bindings/${b}`);
    const bound = await call(broker!.url, 'PUT', bindings[0]!, { body: offering.body('client-ns') });
    expect(bound.status).to.equal(201);
    const victimObjects = await managedObjects(ns, victim);
    expect(victimObjects).to.have.length(3);

    for (const forged of [`h-${sha1(victim)}`, `i-${sha1(victim)}`]) {
      const path = `/namespaces/other-ns/v2/service_instances/${forged}`;
      expect((await call(broker!.url, 'PUT', path, { body: offering.body('other-ns') })).status, forged).to.equal(201);
      expect(await managedObjects(ns, forged)).to.have.length(3);
      expect((await call(broker!.url, 'DELETE', `${path}?${offering.query}`)).status, forged).to.equal(200);
      expect(await managedObjects(ns, forged), `${forged}: its own objects removed`).to.deep.equal([]);
      expect(await managedObjects(ns, victim), `after deprovisioning ${forged}: the victim's objects, same uids`).to.deep.equal(victimObjects);
    }

    const fetched = await call(broker!.url, 'GET', victimPath);
    expect(fetched.status).to.equal(200);
    const again = await call(broker!.url, 'PUT', bindings[1]!, { body: offering.body('client-ns') });
    expect(again.status).to.equal(201);
    expect(again.body.credentials).to.deep.equal(bound.body.credentials);

    await expectNoDrift(ns);
    // The victim is deprovisioned normally in the end (its bindings first, as a platform does).
    for (const binding of bindings) expect((await call(broker!.url, 'DELETE', `${binding}?${offering.query}`)).status).to.equal(200);
    expect((await call(broker!.url, 'DELETE', `${victimPath}?${offering.query}`)).status).to.equal(200);
    expect(await managedObjects(ns, victim)).to.deep.equal([]);
    await expectNoDrift(ns);
  });
});
