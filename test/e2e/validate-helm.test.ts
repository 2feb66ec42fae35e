/**
 * `mesitis validate` on a Helm-chart offering, as a providing team's CI runs
 * it: the chart packaged into a ConfigMap's binaryData, rendered offline by
 * helm with each entry's values; a chart that does not render is a problem
 * naming the entry, helm that cannot run a notice.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { stringify } from 'yaml';
import { FIXTURE_CHART_DIR } from '../contract/helm-releases.contract.js';
import { REPO_ROOT } from '../support/broker-process.js';
import { buildHelm, helmPrerequisite, packageChart } from '../support/helm.js';
import { helmOffering } from '../support/helm-offering-fixture.js';
import { requireOrSkip } from '../support/prerequisites.js';

const TSX = import.meta.resolve('tsx');
const CLI = join(REPO_ROOT, 'src/main/cli.ts');

function mesitis(...args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', TSX, CLI, ...args], { cwd: REPO_ROOT, env: { ...process.env, MESITIS_HELM: '' } }, (error, stdout) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout });
    });
  });
}

describe('mesitis validate renders Helm entries\' charts offline', function () {
  this.timeout(120_000);
  let helm: string;
  let dir: string;

  before(async function () {
    requireOrSkip(this, 'validating Helm entries', helmPrerequisite());
    this.timeout(20 * 60_000); // the first run on a machine builds helm
    helm = await buildHelm();
    dir = mkdtempSync(join(tmpdir(), 'mesitis-validate-helm-'));
    const chart = await packageChart(FIXTURE_CHART_DIR);
    // Version 2 renders with a value the chart refuses (its `fail`), and prints: the value must not reach the output.
    const objects = helmOffering(chart, { provider: 'provider-ns', v2Values: { failWith: 'hunter2-value' } });
    writeFileSync(join(dir, 'offering.yaml'), objects.map((o) => stringify(o)).join('---\n'));
  });

  after(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('accepts an entry whose chart renders and reports one that does not, naming the entry and the chart ConfigMap', async () => {
    const outcome = await mesitis('validate', '--helm-binary', helm, dir);
    expect(outcome.code, outcome.stdout).to.equal(1);
    expect(outcome.stdout).to.contain('ok       entry-helm-v1 -> plan data-fixture-db-1');
    expect(outcome.stdout).to.match(/^problem  entry-helm-v2 \(provisiondata\.chart\): chart fixture-db-chart \(key fixture-db-0\.1\.0\.tgz\) does not render with the entry's values: .*templates\/fail\.yaml/m);
    expect(outcome.stdout).not.to.contain('hunter2');
    expect(outcome.stdout).to.match(/^2 entries accepted, 0 resource ConfigMaps, 1 problem$/m);
  });

  it('without helm, renders nothing and says so in a notice', async () => {
    const outcome = await mesitis('validate', '--helm-binary', '/nonexistent/helm', dir);
    expect(outcome.stdout).to.match(/^notice   helm: Helm charts not rendered: .*\/nonexistent\/helm/m);
    expect(outcome.stdout).to.match(/^2 entries accepted, 0 resource ConfigMaps, 0 problems, 1 notice$/m);
    expect(outcome.code).to.equal(0);
  });
});
