/**
 * How the helm binary is run, checked with a stand-in binary that records
 * what it was given: argv, environment and the files it was pointed at.
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { HelmCommand } from '../../../../src/adapters/helm/helm-command.js';

interface Recorded {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  files: Record<string, { mode: number; text: string }>;
}

/** A `helm` that records what it saw into a file whose path is baked in (helm gets a minimal environment, no variable could carry it). */
async function recordingHelm(dir: string, exit = 0, stderr = ''): Promise<{ binary: string; recorded: () => Promise<Recorded> }> {
  const record = join(dir, 'recorded.json');
  const script = `#!${process.execPath}
const fs = require('node:fs');
const argv = process.argv.slice(2);
const files = {};
for (const [i, arg] of argv.entries()) {
  if (['--values', '--kubeconfig'].includes(arg) || (arg.endsWith('.tgz'))) {
    const path = arg.endsWith('.tgz') ? arg : argv[i + 1];
    files[path] = { mode: fs.statSync(path).mode & 0o777, text: fs.readFileSync(path, 'latin1') };
  }
}
fs.writeFileSync(${JSON.stringify(record)}, JSON.stringify({ argv, env: process.env, cwd: process.cwd(), files }));
process.stderr.write(${JSON.stringify(stderr)});
process.stdout.write('out');
process.exit(${exit});
`;
  const binary = join(dir, 'helm');
  await writeFile(binary, script);
  await chmod(binary, 0o755);
  return { binary, recorded: async () => JSON.parse(await readFile(record, 'utf8')) as Recorded };
}

function kubeConfig(): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://10.0.0.1:6443', caData: 'Q0E=', skipTLSVerify: false }],
    users: [{ name: 'u', token: 'broker-token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return config;
}

describe('HelmCommand', function () {
  this.timeout(20_000);
  let dir: string;
  let work: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'helm-command-test-'));
    work = await mkdtemp(join(tmpdir(), 'helm-command-work-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  it('passes values and kubeconfig as 0600 files in a private directory, never on the command line, and removes them after', async () => {
    const { binary, recorded } = await recordingHelm(dir);
    process.env['MESITIS_PASSWORD'] = 'broker-secret';
    try {
      const helm = new HelmCommand({ binary, kubeConfig: kubeConfig(), workDir: work });
      const outcome = await helm.run({
        command: ['upgrade'], namespace: 'ns', flags: ['--reset-values'], release: 'db',
        chart: { kind: 'packaged', archive: new Uint8Array([1, 2, 3]) }, values: { password: 'generated-s3cret' }, cluster: true, timeoutMs: 60_000,
      });
      expect(outcome).to.deep.equal({ ok: true, stdout: 'out' });
    } finally {
      delete process.env['MESITIS_PASSWORD'];
    }
    const seen = await recorded();
    expect(seen.argv.join(' ')).to.not.include('generated-s3cret');
    const at = (flag: string): string => seen.argv[seen.argv.indexOf(flag) + 1]!;
    expect(seen.argv.slice(0, 3)).to.deep.equal(['upgrade', '--namespace', 'ns']);
    expect(at('--timeout')).to.equal('55s');
    expect(seen.argv.slice(-3)).to.deep.equal(['--', 'db', join(seen.cwd, 'chart.tgz')]);
    expect(seen.files[at('--values')]).to.deep.equal({ mode: 0o600, text: '{"password":"generated-s3cret"}' });
    expect(seen.files[at('--kubeconfig')]?.mode).to.equal(0o600);
    expect(JSON.parse(seen.files[at('--kubeconfig')]!.text)).to.deep.include({ 'current-context': 'broker' });
    expect(seen.files[join(seen.cwd, 'chart.tgz')]).to.deep.equal({ mode: 0o600, text: '\x01\x02\x03' });
    expect(seen.env).to.not.have.property('MESITIS_PASSWORD');
    expect(seen.env['HOME']).to.equal(seen.cwd);
    expect(seen.env['HELM_CACHE_HOME']?.startsWith(seen.cwd)).to.equal(true);
    expect(seen.cwd.startsWith(work)).to.equal(true);
    expect(await readdir(work), 'the private directory is removed').to.deep.equal([]);
  });

  it('removes the working directories a killed broker left, and never those of a live one', async () => {
    const { binary } = await recordingHelm(dir);
    const gone = spawnSync(process.execPath, ['-e', '']).pid; // a process that has exited
    const abandoned = join(work, `mesitis-helm-${gone}-abc123`);
    const live = join(work, `mesitis-helm-${process.ppid}-def456`);
    const unrelated = join(work, 'mesitis-helm-xyz');
    for (const path of [abandoned, live, unrelated]) await mkdir(path);
    await writeFile(join(abandoned, 'values.json'), '{"password":"left-behind"}');
    await new HelmCommand({ binary, workDir: work }).run({ command: ['list'], cluster: false, timeoutMs: 10_000 });
    expect((await readdir(work)).sort()).to.deep.equal([`mesitis-helm-${process.ppid}-def456`, 'mesitis-helm-xyz']);
  });

  it('answers a working directory it cannot make as a failure, without throwing', async () => {
    const { binary } = await recordingHelm(dir);
    const outcome = await new HelmCommand({ binary, workDir: join(work, 'missing') }).run({ command: ['list'], cluster: false, timeoutMs: 10_000 });
    expect(outcome).to.deep.include({ ok: false });
    expect(outcome.ok ? '' : outcome.failure.notRunnable).to.match(/could not be prepared \(ENOENT\)/);
  });

  it('names a repository chart with --repo and --version, after `--`', async () => {
    const { binary, recorded } = await recordingHelm(dir);
    await new HelmCommand({ binary }).run({
      command: ['template'], release: 'db', chart: { kind: 'repository', url: 'https://charts.example', chart: 'postgres', version: '1.2.3' }, cluster: false, timeoutMs: 10_000,
    });
    const { argv } = await recorded();
    expect(argv).to.deep.equal(['template', '--repo', 'https://charts.example', '--version', '1.2.3', '--', 'db', 'postgres']);
  });

  it('reports the exit code and stderr of a failure, and a binary that is not there', async () => {
    const { binary } = await recordingHelm(dir, 1, 'Error: release: not found\n');
    const failed = await new HelmCommand({ binary }).run({ command: ['history'], release: 'db', cluster: false, timeoutMs: 10_000 });
    expect(failed).to.deep.equal({ ok: false, failure: { timedOut: false, exitCode: 1, stderr: 'Error: release: not found\n' } });
    const missing = await new HelmCommand({ binary: join(dir, 'nope') }).run({ command: ['list'], cluster: false, timeoutMs: 10_000 });
    expect(missing.ok ? 'ok' : missing.failure.notRunnable).to.match(/could not be run \(ENOENT\)/);
  });

  it('kills helm at the deadline and says so', async () => {
    const binary = join(dir, 'slow-helm');
    await writeFile(binary, `#!${process.execPath}\nsetTimeout(() => {}, 60_000);\n`);
    await chmod(binary, 0o755);
    const outcome = await new HelmCommand({ binary }).run({ command: ['list'], cluster: false, timeoutMs: 300 });
    expect(outcome.ok ? 'ok' : outcome.failure.timedOut).to.equal(true);
  });

  it('refuses to reach the cluster without a kubeconfig', async () => {
    const { binary } = await recordingHelm(dir);
    const outcome = await new HelmCommand({ binary }).run({ command: ['list'], cluster: true, timeoutMs: 10_000 });
    expect(outcome.ok ? 'ok' : outcome.failure.notRunnable).to.match(/no kubeconfig/);
  });
});
