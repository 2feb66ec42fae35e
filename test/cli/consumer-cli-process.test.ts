/**
 * The consumer verbs through the real `mesitis` entry point, as a separate
 * process: the wiring in src/main/cli.ts, exit codes, and stdout that a pipe
 * receives in full before the process exits.
 */
import { execFile } from 'node:child_process';
import { expect } from 'chai';
import { REPO_ROOT } from '../support/broker-process.js';
import type { MemoryBroker } from '../support/memory-broker.js';
import { exampleBroker } from './cli-harness.js';

interface Outcome { code: number; stdout: string; stderr: string }

function mesitis(env: Record<string, string>, ...args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    // HOME points nowhere, so the machine's own kubeconfig cannot leak in.
    const childEnv = { PATH: process.env['PATH'] ?? '', HOME: '/nonexistent', ...env };
    execFile(process.execPath, ['--import', 'tsx', 'src/main/cli.ts', ...args], { cwd: REPO_ROOT, env: childEnv }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('mesitis consumer verbs as a process', function () {
  this.timeout(60_000);
  let broker: MemoryBroker;
  before(async () => { broker = await exampleBroker(); });
  after(async () => { await broker.stop(); });

  it('lists every consumer verb in the usage text', async () => {
    const usage = await mesitis({}, '--help');
    expect(usage.code).to.equal(0);
    for (const verb of ['catalog', 'provision', 'status', 'upgrade', 'bind', 'rotate', 'unbind', 'deprovision', 'instances']) {
      expect(usage.stdout, verb).to.match(new RegExp(`^  ${verb} `, 'm'));
    }
  });

  it('runs verbs with the exit codes of the contract and complete stdout', async () => {
    const env = { MESITIS_URL: broker.url };
    const catalog = await mesitis(env, 'catalog', '-n', 'client-ns', '-o', 'json');
    expect(catalog.code).to.equal(0);
    expect((JSON.parse(catalog.stdout) as { services: unknown[] }).services).to.have.length(7);
    const missing = await mesitis(env, 'status', 'nope', '-n', 'client-ns');
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.equal('mesitis status: 404 Not Found: instance nope does not exist\n');
    expect((await mesitis(env, 'bind', 'p-1')).code).to.equal(2);
  });
});
