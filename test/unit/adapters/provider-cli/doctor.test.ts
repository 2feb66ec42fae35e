import { expect } from 'chai';
import { runDoctor } from '../../../../src/adapters/provider-cli/doctor.js';
import { FindDrift } from '../../../../src/application/use-cases/find-drift.js';
import { RepairDrift } from '../../../../src/application/use-cases/repair-drift.js';
import { refOf } from '../../../../src/domain/kube-object.js';
import { DOCTOR_FLAGS, DOCTOR_HELP } from '../../../../src/main/doctor-command.js';
import { captureIo } from '../../../cli/cli-harness.js';
import { makeBroker, type Broker } from '../../application/harness.js';
import { configMap, dedicatedEntry, DEDICATED_PLAN_ID, instanceRecord, PROVIDER_NS, valueOf } from '../../builders.js';

const orphan = () => {
  const object = configMap('leftover');
  return { ...object, metadata: { ...object.metadata, namespace: PROVIDER_NS, labels: { 'app.kubernetes.io/managed-by': 'mesitis', 'mesitis/instance': 'ghost', 'mesitis/offering': 'api' } } };
};

describe('mesitis doctor (provider CLI)', () => {
  let broker: Broker;
  let find: FindDrift;
  let repair: RepairDrift;
  const run = async (fix: boolean, output: 'table' | 'json') => {
    const captured = captureIo();
    const code = await runDoctor(find, repair, { fix, output }, captured.io);
    return { code, out: captured.out(), err: captured.err() };
  };

  beforeEach(() => {
    broker = makeBroker();
    find = new FindDrift(broker.cluster, broker.store, broker.catalog);
    repair = new RepairDrift(find, broker.reconciler, broker.cluster);
  });

  it('--help documents every flag it accepts', () => {
    for (const flag of Object.keys(DOCTOR_FLAGS)) expect(DOCTOR_HELP, flag).to.contain(`--${flag}`);
  });

  it('exits 0 with "no drift" when clean, 1 with a table row and a hint when not', async () => {
    expect(await run(false, 'table')).to.deep.include({ code: 0, out: `no drift (0 records, 0 objects in namespace ${PROVIDER_NS})\n` });
    broker.cluster.seed(orphan());
    const found = await run(false, 'table');
    expect(found.code).to.equal(1);
    expect(found.out).to.match(/^orphan\s+ConfigMap provider-ns\/leftover\s+removable\s+instance label ghost/m);
    expect(found.err).to.contain('--fix');
    expect(broker.cluster.contents(), 'without --fix nothing changes').to.have.length(1);
  });

  it('with -o json writes one JSON document on stdout and the progress of --fix on stderr', async () => {
    broker.cluster.seed(orphan());
    const gone = configMap('gone');
    valueOf(await broker.store.createInstance(instanceRecord({ serviceId: dedicatedEntry().serviceId, planId: DEDICATED_PLAN_ID, objects: [refOf({ ...gone, metadata: { ...gone.metadata, namespace: PROVIDER_NS } })] })));
    const fixed = await run(true, 'json');
    expect(fixed.code).to.equal(1);
    const report = JSON.parse(fixed.out) as { clean: boolean; orphans: unknown[]; missing: { instanceId: string }[] };
    expect([report.clean, report.orphans, report.missing.map((m) => m.instanceId)]).to.deep.equal([false, [], ['instance-1']]);
    expect(fixed.err).to.contain('deleted: orphan ConfigMap provider-ns/leftover').and.to.contain('left for the platform: instance instance-1');
  });
});
