import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { expect } from 'chai';
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
