import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { parseAllDocuments } from 'yaml';
import { COMMON_FLAGS, CONSUMER_FLAGS } from '../../src/adapters/cli/verb-arguments.js';
import { BROKER_FLAGS } from '../../src/main/options.js';
import { DOCTOR_FLAGS } from '../../src/main/doctor-command.js';
import { findOnPath } from '../support/go-binary-cache.js';
import { requireOrSkip } from '../support/prerequisites.js';
import { startTestCluster, testClusterPrerequisite, type TestCluster } from '../support/test-cluster.js';
import { REPO_ROOT, startBrokerProcess, type BrokerProcess } from '../support/broker-process.js';

const run = promisify(execFile);

interface Step { readonly command: string; readonly expected: string }

/** The `$ command` lines of the README's walkthrough console blocks, each with the output shown under it. */
function walkthroughSteps(readme: string): Step[] {
  const section = readme.split(/^## /m).find((s) => s.startsWith('Walkthrough')) ?? '';
  const steps: Step[] = [];
  for (const block of section.matchAll(/```console\n([\s\S]*?)```/g)) {
    const lines = block[1]!.split('\n').filter((line) => line !== '');
    for (let i = 0; i < lines.length; i++) {
      if (!lines[i]!.startsWith('$ ')) continue;
      let command = lines[i]!.slice(2);
      while (command.endsWith('\\')) command = `${command.slice(0, -1).trimEnd()} ${lines[++i]!.trim()}`;
      const expected: string[] = [];
      while (i + 1 < lines.length && !lines[i + 1]!.startsWith('$ ')) expected.push(lines[++i]!);
      steps.push({ command: command.trim(), expected: expected.join('\n') });
    }
  }
  return steps;
}

/** Ids and timestamps differ from run to run; everything else must match. */
const normalise = (text: string) =>
  text
    .trim()
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<random-uuid>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z/g, '<time>');

describe('README walkthrough, against `mesitis dev` as a process', function () {
  this.timeout(120_000);
  let broker: BrokerProcess;
  before(async () => { broker = await startBrokerProcess(['dev', '--log-level', 'warn']); });
  after(async () => { await broker.stop(); });

  it('prints what the README shows, step by step', async () => {
    const steps = walkthroughSteps(readFileSync(`${REPO_ROOT}README.md`, 'utf8'));
    expect(steps.length).to.be.greaterThan(8);
    const prelude = steps[0]!.command.replace('http://127.0.0.1:8080', broker.url);
    for (const step of steps.slice(1)) {
      const isRead = !/-X (PUT|DELETE|PATCH)/.test(step.command);
      let actual = '';
      // Reads may be polls of an operation still running: retry those, never writes.
      for (let attempt = 0; attempt < (isRead ? 50 : 1); attempt++) {
        actual = (await run('bash', ['-c', `${prelude}; ${step.command}`])).stdout;
        if (normalise(actual) === normalise(step.expected)) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(normalise(actual), step.command).to.equal(normalise(step.expected));
    }
  });

  it('prints the URL, the auth in force and a first curl command at start-up', () => {
    expect(broker.output()).to.contain(`listening on ${broker.url}`);
    expect(broker.output()).to.contain('auth: NONE');
    expect(broker.output()).to.contain(`curl -s -H 'X-Broker-API-Version: 2.17' ${broker.url}/v2/catalog`);
  });
});

describe('README install commands and flags, as pasted', () => {
  const readme = readFileSync(`${REPO_ROOT}README.md`, 'utf8');
  const section = (title: string) => readme.split(/^## /m).find((s) => s.startsWith(title)) ?? '';
  const docs = ['README.md', 'docs/walkthrough.md', 'docs/configuration.md', 'examples/README.md', 'deploy/README.md'];

  it('applies examples/ recursively wherever a document applies the whole directory', () => {
    for (const doc of docs) {
      const text = readFileSync(`${REPO_ROOT}${doc}`, 'utf8');
      for (const line of text.split('\n').filter((l) => /kubectl (apply|delete)\b.*-f examples\/?(\s|$)/.test(l))) {
        expect(line, doc).to.match(/\s-R\s/);
      }
    }
  });

  it('sets the image on the kubectl route to what the Helm route sets, naming a Deployment and container that exist', async () => {
    const install = section('Install on a cluster');
    const repository = /--set image\.repository=(\S+)/.exec(install)?.[1];
    const tag = /--set image\.tag=(\S+)/.exec(install)?.[1];
    expect(repository, 'Helm route image.repository').to.be.a('string');
    const setImage = /kubectl -n (\S+) set image deployment\/(\S+) (\S+)=(\S+)/.exec(install);
    expect(setImage, 'kubectl set image on the kubectl route').to.not.equal(null);
    const [, namespace, deployment, container, image] = setImage!;
    expect(image).to.equal(`${repository}:${tag}`);
    const manifests = parseAllDocuments(readFileSync(`${REPO_ROOT}deploy/manifests/mesitis.yaml`, 'utf8')).map((d) => d.toJS() as Manifest | null);
    const found = manifests.find((m) => m?.kind === 'Deployment' && m.metadata.name === deployment && m.metadata.namespace === namespace);
    expect(found, `Deployment ${namespace}/${deployment}`).to.not.equal(undefined);
    expect(found!.spec.template.spec.containers.map((c) => c.name)).to.include(container);
  });

  it('names only flags the verbs take: broker flags on dev and serve, consumer flags on every consumer verb', () => {
    const command = section('The `mesitis` command');
    const flagsIn = (text: string) => [...new Set([...text.matchAll(/(?<![\w-])--([a-z][a-z-]*)/g)].map((m) => m[1]!))];
    const broker = /Broker flags[^:]*:([\s\S]*?)Consumer flags/.exec(command)?.[1] ?? '';
    const consumer = /Consumer flags[^:]*:([\s\S]*?)\n\n/.exec(command)?.[1] ?? '';
    expect(flagsIn(broker)).to.include.members(['port', 'bearer-token']);
    expect(flagsIn(consumer)).to.include.members(['broker-url', 'bearer-token']);
    for (const flag of flagsIn(broker)) expect(Object.keys(BROKER_FLAGS), `broker flag --${flag}`).to.include(flag);
    for (const flag of flagsIn(consumer)) expect(COMMON_FLAGS as readonly string[], `consumer flag --${flag}`).to.include(flag);
    const known = new Set([...Object.keys(BROKER_FLAGS), ...Object.keys(CONSUMER_FLAGS), ...Object.keys(DOCTOR_FLAGS), 'version', 'help']);
    for (const flag of flagsIn(command)) expect(known.has(flag), `--${flag}`).to.equal(true);
  });

  it('links only files inside the repository, and they exist', () => {
    for (const [, target] of readme.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      expect(target, 'a link leaving the repository').to.not.match(/^\.\.\//);
      expect(existsSync(`${REPO_ROOT}${target}`), target).to.equal(true);
    }
    expect(readme).to.not.contain('../shared');
    expect(readme).to.contain('(docs/configuration.md)');
  });
});

interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec: { template: { spec: { containers: { name: string }[] } } };
}

describe('README kubectl install, pasted into a shell against a real kube-apiserver', function () {
  let cluster: TestCluster | undefined;

  before(async function () {
    requireOrSkip(this, 'README kubectl install', findOnPath('kubectl') === undefined ? 'kubectl is not on PATH' : testClusterPrerequisite());
    this.timeout(40 * 60_000); // a cold build of the apiserver
    // Bare: only what the commands write is checked, nothing needs to run.
    cluster = await startTestCluster({ bare: true });
  });
  after(async () => { await cluster?.stop(); });

  it('creates the broker with the chosen image and every catalog entry and template in provider-ns', async function () {
    this.timeout(120_000);
    const install = readFileSync(`${REPO_ROOT}README.md`, 'utf8').split(/^## /m).find((s) => s.startsWith('Install on a cluster')) ?? '';
    const script = /With kubectl[\s\S]*?```sh\n([\s\S]*?)```/.exec(install)?.[1];
    expect(script, 'the kubectl route').to.be.a('string');
    const env = { ...process.env, KUBECONFIG: cluster!.adminKubeconfig };
    await run('bash', ['-euo', 'pipefail', '-c', script!], { cwd: REPO_ROOT, env });
    const kubectl = async (...args: string[]) => (await run('kubectl', args, { cwd: REPO_ROOT, env })).stdout;
    const image = await kubectl('-n', 'provider-ns', 'get', 'deployment', 'mesitis', '-o', 'jsonpath={.spec.template.spec.containers[0].image}');
    expect(image).to.equal('registry.example.com/mesitis:0.1.0');
    const configMaps = (await kubectl('-n', 'provider-ns', 'get', 'configmaps', '-l', 'mesitis/kind', '-o', 'name')).trim().split('\n').sort();
    expect(configMaps).to.deep.equal([
      'configmap/queue-chart', // mesitis/kind: helm-chart
      'configmap/wrapped-api-service-config', 'configmap/wrapped-api-service-deployment', 'configmap/wrapped-api-service-service',
      'configmap/wrapped-api-service-v2-deployment', 'configmap/wrapped-api-service-v2-service', 'configmap/wrapped-api-service-v2-settings',
      'configmap/wrapped-entry-api-api-service', 'configmap/wrapped-entry-api-api-service-v2', 'configmap/wrapped-entry-data-kv-store',
      'configmap/wrapped-entry-data-own-postgres', 'configmap/wrapped-entry-data-queue', 'configmap/wrapped-entry-data-queue-v2',
      'configmap/wrapped-entry-platform-time-service', 'configmap/wrapped-entry-security-mtls-gateway',
      'configmap/wrapped-entry-weather-forecast-v1', 'configmap/wrapped-entry-weather-forecast-v2',
      'configmap/wrapped-kv-store-secret', 'configmap/wrapped-kv-store-service', 'configmap/wrapped-kv-store-statefulset',
      'configmap/wrapped-own-postgres-deployment', 'configmap/wrapped-own-postgres-secret', 'configmap/wrapped-own-postgres-service',
      'configmap/wrapped-own-postgres-user-role', 'configmap/wrapped-own-postgres-user-secret',
    ]);
    // The key generated values derive from, created as the README says (the rendered manifests expect it).
    expect((await kubectl('-n', 'provider-ns', 'get', 'secret', 'mesitis-generation-key', '-o', 'jsonpath={.data.key}')).length).to.be.greaterThan(43);
  });
});
