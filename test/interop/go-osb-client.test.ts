/**
 * A real OSB platform client against the broker: the Go program of
 * test/osb-client drives `mesitis dev` (examples/) through the whole
 * lifecycle with go-open-service-broker-client at its LatestAPIVersion, over
 * /v2 and /namespaces/client-ns/v2, and judges refusals with the client's own
 * predicates. Whatever the broker sends that this client cannot decode or
 * does not recognise fails here.
 */
import { expect } from 'chai';
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process.js';
import { buildGoOsbClient, goOsbClientPrerequisite, runGoOsbClient, type GoOsbClientRun } from '../support/go-osb-client.js';
import { requireOrSkip } from '../support/prerequisites.js';

const VIEWS = ['/v2', '/namespaces/client-ns/v2'];

/** What every view must have run (a check name starts with the view and contains one of these). */
const COVERAGE = [
  'catalog',
  'provision async (AcceptsIncomplete) => 202',
  'poll provision until succeeded',
  'get instance',
  'bind => 201 [Deployment plan]',
  'bind again (identical) => 200, same credentials [Deployment plan]',
  'get binding [Deployment plan]',
  'unbind => 200 [Deployment plan]',
  'poll deprovision until gone or succeeded',
  'bind => 201 [URL plan]',
  'IsGoneError',
  'IsConflictError',
  'IsAsyncRequiredError',
  'IsConcurrencyError',
];

describe('go-open-service-broker-client against `mesitis dev` (test/osb-client)', function () {
  this.timeout(120_000);
  let broker: BrokerProcess | undefined;
  let run: GoOsbClientRun;

  before(async function () {
    requireOrSkip(this, 'the Go OSB client interop suite', goOsbClientPrerequisite());
    this.timeout(900_000); // a cold build downloads the client module and compiles it
    await buildGoOsbClient();
    broker = await startBrokerProcess(['dev', '--log-level', 'warn']);
    run = await runGoOsbClient(broker.url);
  });
  after(async () => { await broker?.stop(); });

  const transcript = (): string => `osb-client exited ${run.code}:\n${run.stdout}${run.stderr ? `\nstderr:\n${run.stderr}` : ''}`;

  it('runs the whole lifecycle and every refusal through both views', () => {
    for (const view of VIEWS) {
      const names = run.checks.filter((check) => check.name.startsWith(`${view} `)).map((check) => check.name);
      const missing = COVERAGE.filter((wanted) => !names.some((name) => name.includes(wanted)));
      expect(missing, `checks missing for ${view}\n${transcript()}`).to.deep.equal([]);
    }
  });

  it('passes every check, and the program says so', () => {
    const failed = run.checks.filter((check) => !check.passed).map((check) => `${check.name}: ${check.detail}`);
    expect(failed, transcript()).to.deep.equal([]);
    expect(run.code, transcript()).to.equal(0);
  });
});
