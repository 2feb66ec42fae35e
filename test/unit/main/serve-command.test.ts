/** `mesitis serve` up to the point where it would need a cluster: help, and every refusal to start. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import sinon from 'sinon';
import { SERVICE_ACCOUNT_DIR } from '../../../src/adapters/kubernetes/kube-config.js';
import { BROKER_FLAGS } from '../../../src/main/options.js';
import { runServe, SERVE_HELP } from '../../../src/main/serve-command.js';

describe('main/serve-command', () => {
  let dir: string;
  let printed: string[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mesitis-serve-'));
    printed = [];
    sinon.stub(console, 'log').callsFake((text: string) => void printed.push(text));
    sinon.stub(console, 'error').callsFake((text: string) => void printed.push(text));
  });

  afterEach(() => {
    sinon.restore();
    rmSync(dir, { recursive: true, force: true });
  });

  // HOME points nowhere, so no ~/.kube/config of the machine running the tests is picked up.
  const env = (more: Record<string, string> = {}) => ({ HOME: dir, ...more });

  it('documents every flag it takes in --help, and exits 0', async () => {
    expect(await runServe(['--help'], env())).to.equal(0);
    expect(printed.join('\n')).to.equal(SERVE_HELP);
    for (const flag of Object.keys(BROKER_FLAGS).filter((f) => f !== 'manifests')) expect(SERVE_HELP, flag).to.contain(`--${flag}`);
  });

  it('refuses to start without authentication, before looking for a cluster', async () => {
    expect(await runServe(['--namespace', 'provider-ns'], env())).to.equal(2);
    expect(printed.join('\n')).to.contain('refusing to start without authentication').and.to.contain('--insecure-no-auth');
  });

  it('says what is missing when there is no kubeconfig and no pod', async () => {
    expect(await runServe(['--insecure-no-auth', '--namespace', 'provider-ns'], env())).to.equal(2);
    expect(printed.join('\n')).to.contain('no kubeconfig found');
  });

  it('wants a namespace: there is no guessing it from a kubeconfig context', async function () {
    if (existsSync(join(SERVICE_ACCOUNT_DIR, 'namespace'))) this.skip(); // running in a pod, which has one
    const kubeconfig = join(dir, 'config');
    writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u, namespace: provider-ns}}]\ncurrent-context: x\n');
    expect(await runServe(['--username', 'u', '--password', 'p', '--kubeconfig', kubeconfig], env())).to.equal(2);
    expect(printed.join('\n')).to.contain('no broker namespace: give --namespace or set POD_NAMESPACE');
  });

  it('reads KUBECONFIG as a list of files, as kubectl does', async function () {
    if (existsSync(join(SERVICE_ACCOUNT_DIR, 'namespace'))) this.skip(); // running in a pod, which has a namespace
    const first = join(dir, 'first');
    writeFileSync(first, 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n');
    // Gets as far as the namespace: the kubeconfig list was read, the missing second file ignored.
    expect(await runServe(['--insecure-no-auth'], env({ KUBECONFIG: `${first}:${join(dir, 'missing')}` }))).to.equal(2);
    expect(printed.join('\n')).to.contain('no broker namespace').and.not.contain('does not exist');
  });
});
