import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { freePort, REPO_ROOT } from '../support/broker-process.js';

interface Outcome { code: number; stdout: string; stderr: string }

/** `mesitis` from source, run in `cwd` (the repository unless told): tsx is found by URL, not from the working directory. */
const TSX = import.meta.resolve('tsx');
const CLI = join(REPO_ROOT, 'src/main/cli.ts');

function mesitisIn(cwd: string, ...args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', TSX, CLI, ...args], { cwd }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

const mesitis = (...args: string[]): Promise<Outcome> => mesitisIn(REPO_ROOT, ...args);

/** `mesitis dev` in `cwd` until it serves (then stopped) or exits by itself. */
async function devIn(cwd: string, args: string[], whileServing: (url: string, output: string) => Promise<void>): Promise<Outcome> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', TSX, CLI, 'dev', '--log-level', 'warn', '--port', String(port), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => { stdout += String(chunk); });
  child.stderr.on('data', (chunk) => { stderr += String(chunk); });
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 300 && child.exitCode === null; attempt++) {
    if (stdout.includes('listening on')) {
      await whileServing(url, stdout).finally(() => child.kill('SIGTERM'));
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (child.exitCode === null && !stdout.includes('listening on')) child.kill('SIGKILL');
  return { code: await exited, stdout, stderr };
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
    expect(outcome.stdout).to.contain('ok       wrapped-entry-data-queue -> plan data-queue-1');
  });

  it('validate: exit 1 naming the ConfigMap and the field at fault, the rest still accepted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesitis-validate-'));
    try {
      writeFileSync(join(dir, 'broken.yaml'), brokenEntry);
      const outcome = await mesitis('validate', 'examples', dir);
      expect(outcome.code).to.equal(1);
      expect(outcome.stdout).to.match(/problem +broken-entry \(provisiondata\.url\)/);
      expect(outcome.stdout).to.contain('10 entries accepted');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const outcome = await mesitis('--version');
    expect(outcome).to.deep.equal({ code: 0, stdout: `mesitis ${version}\n`, stderr: '' });
    expect((await mesitis('--help')).stdout).to.contain('mesitis --version');
  });

  it('validate: counts in the right number, reports skipped ConfigMaps as notices and a non-integer mesitis/order as a problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesitis-validate-'));
    try {
      writeFileSync(join(dir, 'broken.yaml'), brokenEntry);
      const single = await mesitis('validate', dir);
      expect(single.code).to.equal(1);
      expect(single.stdout).to.match(/^0 entries accepted, 0 resource ConfigMaps, 1 problem$/m);
      writeFileSync(join(dir, 'skipped.yaml'), `apiVersion: v1
kind: ConfigMap
metadata:
  name: disabled-entry
  labels: { mesitis/kind: catalog-entry, mesitis/enabled: "false" }
data: { wrapped-resource: "{}" }
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: misspelt-entry
  labels: { mesitis/kind: catalog-entri, mesitis/enabled: "true" }
data: { wrapped-resource: '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}' }
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: unordered-template
  labels: { mesitis/kind: template, mesitis/enabled: "true", mesitis/order: first }
data: { wrapped-resource: '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "y"}}' }
`);
      const outcome = await mesitis('validate', dir);
      expect(outcome.code).to.equal(1);
      expect(outcome.stdout).to.contain('notice   disabled-entry (metadata.labels.mesitis/enabled): is "false", not "true": the entry is skipped');
      expect(outcome.stdout).to.contain('notice   misspelt-entry (metadata.labels.mesitis/kind): "catalog-entri" is not "catalog-entry"');
      expect(outcome.stdout).to.match(/^problem  unordered-template \(metadata\.labels\.mesitis\/order\): "first" is not a whole number/m);
      expect(outcome.stdout).to.match(/^0 entries accepted, 2 resource ConfigMaps, 2 problems, 2 notices$/m);
      rmSync(join(dir, 'broken.yaml'));
      rmSync(join(dir, 'skipped.yaml'));
      writeFileSync(join(dir, 'one.yaml'), brokenEntry.replace('"provisiondata": {}', '"provisiondata": {"url": "https://x.example"}'));
      expect((await mesitis('validate', dir)).stdout).to.match(/^1 entry accepted, 0 resource ConfigMaps, 0 problems$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('dev: serves the package\'s own examples from any working directory', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'mesitis-elsewhere-'));
    try {
      let plans: unknown[] = [];
      const outcome = await devIn(elsewhere, [], async (url) => {
        const catalog = await (await fetch(`${url}/v2/catalog`, { headers: { 'X-Broker-API-Version': '2.17' } })).json() as { services: { plans: unknown[] }[] };
        plans = catalog.services.flatMap((service) => service.plans);
      });
      expect(outcome.stderr).to.not.contain('cannot be read');
      expect(plans).to.have.length(10);
      expect(outcome.stdout).to.contain(`fake cluster loaded from ${join(REPO_ROOT, 'examples')}`);
      expect(outcome.stdout).to.contain('catalog: 10 entries served, none refused');
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('dev: counts refused entries in the banner and points to /admin/catalog/problems', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesitis-refused-'));
    try {
      writeFileSync(join(dir, 'broken.yaml'), brokenEntry);
      const outcome = await devIn(REPO_ROOT, ['--manifests', 'examples', '--manifests', dir], async () => {});
      expect(outcome.stdout).to.match(/catalog: 10 entries served, 1 entry REFUSED: curl -s http:\/\/127\.0\.0\.1:\d+\/admin\/catalog\/problems says why/);
      expect(outcome.stdout).to.contain('fake cluster loaded from examples, ');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('dev: a port in use names --port and PORT, exits 1 without a stack trace', async () => {
    const blocker: Server = createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
    try {
      const outcome = await mesitis('dev', '--log-level', 'warn', '--port', String(port));
      expect(outcome.code).to.equal(1);
      expect(outcome.stderr).to.equal(`mesitis dev: port ${port} is already in use on 127.0.0.1; pick another with --port N (or the PORT variable)\n`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
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
