import { expect } from 'chai';
import { bindVerb } from '../../src/adapters/cli/bind-command.js';
import { catalogVerb } from '../../src/adapters/cli/catalog-command.js';
import { runConsumerVerb } from '../../src/adapters/cli/consumer-verb.js';
import { deprovisionVerb } from '../../src/adapters/cli/deprovision-command.js';
import { provisionVerb } from '../../src/adapters/cli/provision-command.js';
import { rotateVerb } from '../../src/adapters/cli/rotate-command.js';
import { statusVerb } from '../../src/adapters/cli/status-command.js';
import { unbindVerb } from '../../src/adapters/cli/unbind-command.js';
import { upgradeVerb } from '../../src/adapters/cli/upgrade-command.js';
import { captureIo } from './cli-harness.js';

describe('consumer verb help', () => {
  for (const verb of [catalogVerb, provisionVerb, statusVerb, upgradeVerb, bindVerb, rotateVerb, unbindVerb, deprovisionVerb]) {
    it(`${verb.syntax.name} --help documents every flag it accepts, with exit 0`, async () => {
      const captured = captureIo();
      const code = await runConsumerVerb(verb, ['--help'], { io: captured.io, env: {} });
      expect(code).to.equal(0);
      expect(captured.out()).to.contain(`Usage: mesitis ${verb.syntax.name}`).and.to.contain('Exit codes');
      for (const flag of verb.syntax.flags) expect(captured.out(), flag).to.contain(`--${flag}`);
      for (const positional of verb.syntax.positionals) expect(captured.out().split('\n')[0], positional).to.contain(positional);
    });
  }
});
