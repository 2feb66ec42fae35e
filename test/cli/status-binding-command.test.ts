import { expect } from 'chai';
import { runBind } from '../../src/adapters/cli/bind-command.js';
import { runProvision } from '../../src/adapters/cli/provision-command.js';
import { runStatus } from '../../src/adapters/cli/status-command.js';
import { startMemoryBroker, type MemoryBroker } from '../support/memory-broker.js';
import { KNOWN_PASSWORD, NS } from '../support/provider-fixture.js';
import { VERSIONED, versionedFixture } from '../support/versioned-fixture.js';
import { run } from './cli-harness.js';

const ns = ['-n', NS.client];
const RFC3339_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

describe('mesitis status --binding', () => {
  let broker: MemoryBroker;
  beforeEach(async () => { broker = await startMemoryBroker({ objects: versionedFixture() }); });
  afterEach(async () => { await broker.stop(); });

  const provisionAndBind = async (instanceId: string, plan: string) => {
    expect((await run(runProvision, [instanceId, ...ns, '--plan', plan], broker)).code).to.equal(0);
    expect((await run(runBind, [instanceId, 'b-1', ...ns], broker)).code).to.equal(0);
  };

  it('shows when the binding expires and from when to renew it, never its credentials', async () => {
    await provisionAndBind('l-1', VERSIONED.expiringPlan);
    const { code, out, err } = await run(runStatus, ['l-1', ...ns, '--binding', 'b-1'], broker);
    expect(code, err).to.equal(0);
    expect(out).to.match(/^BINDING\s+b-1$/m);
    const expires = /^EXPIRES\s+(\S+)$/m.exec(out)?.[1];
    const renew = /^RENEW BEFORE\s+(\S+)$/m.exec(out)?.[1];
    expect(expires).to.match(RFC3339_UTC);
    expect(renew).to.match(RFC3339_UTC);
    // 720h lifetime, renew 24h before the end.
    expect(Date.parse(expires!) - Date.parse(renew!)).to.equal(24 * 3600 * 1000);

    const json = await run(runStatus, ['l-1', ...ns, '--binding', 'b-1', '-o', 'json'], broker);
    const shown = JSON.parse(json.out) as { binding: Record<string, unknown> };
    expect(shown.binding).to.deep.include({ binding_id: 'b-1', expires_at: expires, renew_before: renew });
    expect(shown.binding).to.not.have.property('credentials');
    for (const text of [out, json.out]) expect(text).to.not.contain('leased-secret-password').and.to.not.contain('leased-user');
  });

  it('says "never" for a binding that does not expire', async () => {
    await provisionAndBind('t-1', 'web-time-api-1');
    const { code, out } = await run(runStatus, ['t-1', ...ns, '--binding', 'b-1'], broker);
    expect(code).to.equal(0);
    expect(out).to.match(/^EXPIRES\s+never$/m).and.to.match(/^RENEW BEFORE\s+never$/m);
    expect(out).to.not.contain(KNOWN_PASSWORD);
    const json = JSON.parse((await run(runStatus, ['t-1', ...ns, '--binding', 'b-1', '-o', 'json'], broker)).out) as { binding: unknown };
    expect(json.binding).to.deep.include({ binding_id: 'b-1', expires_at: null, renew_before: null });
    expect(JSON.stringify(json)).to.not.contain(KNOWN_PASSWORD);
  });

  it('fails with exit 1 for a binding the broker does not know', async () => {
    await provisionAndBind('t-2', 'web-time-api-1');
    const { code, err } = await run(runStatus, ['t-2', ...ns, '--binding', 'nope'], broker);
    expect(code).to.equal(1);
    expect(err).to.equal('mesitis status: cannot fetch binding nope: 404 Not Found: binding nope does not exist\n');
  });
});
