import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from '../support/broker-process.js';

interface Outcome { code: number; stdout: string; stderr: string }

function mesitis(...args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/main/cli.ts', ...args], { cwd: REPO_ROOT }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

const brokenEntry = `apiVersion: v1
kind: ConfigMap
metadata:
  name: broken-entry
  labels: { mesitis/kind: catalog-entry, mesitis/enabled: "true" }
data:
  wrapped-resource: |
    { "team": "web", "offering": "x", "description": "d", "uuid": "u-1", "version": "1", "whitelist": ["a"],
      "provisionkind": "ProvisionNonClusterURL", "provisiondata": {} }
`;

describe('mesitis command line', function () {
  this.timeout(60_000);

  it('validate: exit 0 and every entry accepted for examples/', async () => {
    const outcome = await mesitis('validate', 'examples');
    expect(outcome.code).to.equal(0);
    expect(outcome.stdout).to.contain('0 problems');
    expect(outcome.stdout).to.contain('ok       wrapped-entry-api-api-service');
  });

  it('validate: exit 1 naming the ConfigMap and the field at fault, the rest still accepted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesitis-validate-'));
    try {
      writeFileSync(join(dir, 'broken.yaml'), brokenEntry);
      const outcome = await mesitis('validate', 'examples', dir);
      expect(outcome.code).to.equal(1);
      expect(outcome.stdout).to.match(/problem +broken-entry \(provisiondata\.url\)/);
      expect(outcome.stdout).to.contain('4 entries accepted');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers --help on every broker verb and exit 2 for usage errors', async () => {
    for (const verb of ['dev', 'serve', 'validate']) {
      const help = await mesitis(verb, '--help');
      expect(help.code, verb).to.equal(0);
      expect(help.stdout, verb).to.contain(`mesitis ${verb}`);
    }
    expect((await mesitis('frobnicate')).code).to.equal(2);
    expect((await mesitis('dev', '--port', 'eighty')).code).to.equal(2);
    expect((await mesitis('validate')).code).to.equal(2);
  });
});
