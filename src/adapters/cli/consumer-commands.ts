/**
 * The consumer verbs as `mesitis` commands: the same functions the tests run,
 * bound to the real process streams.
 */
import { runBind } from './bind-command.js';
import { runCatalog } from './catalog-command.js';
import type { CliIo } from './cli-io.js';
import type { ConsumerDeps } from './consumer-verb.js';
import { runDeprovision } from './deprovision-command.js';
import { runProvision } from './provision-command.js';
import { runRotate } from './rotate-command.js';
import { runStatus } from './status-command.js';
import { runUnbind } from './unbind-command.js';
import { runUpgrade } from './upgrade-command.js';

type Verb = (args: string[], deps: ConsumerDeps) => Promise<number>;

const processIo: CliIo = { out: process.stdout, err: process.stderr };

/** The CLI exits right after a verb returns; where stdout is an asynchronous pipe, let it drain first. */
const drained = (): Promise<void> => new Promise((resolve) => process.stdout.write('', () => resolve()));

const command = (verb: Verb) => async (args: string[], env: NodeJS.ProcessEnv): Promise<number> => {
  const code = await verb(args, { io: processIo, env });
  await drained();
  return code;
};

export const CONSUMER_COMMANDS = {
  catalog: command(runCatalog),
  provision: command(runProvision),
  status: command(runStatus),
  upgrade: command(runUpgrade),
  bind: command(runBind),
  rotate: command(runRotate),
  unbind: command(runUnbind),
  deprovision: command(runDeprovision),
} as const;
