/**
 * `mesitis instances`: the providing team's listing of a running broker's
 * instances. Unlike `doctor` it asks the broker (its /admin/instances, with
 * the broker's own credentials) rather than reading the state store: the
 * broker already joins records with the catalog, and the listing then
 * needs no kube credentials, only what a platform has.
 */
import { parseArgs } from 'node:util';
import { brokerConnection } from '../adapters/cli/consumer-context.js';
import { outputFormat } from '../adapters/cli/verb-arguments.js';
import { runInstances } from '../adapters/provider-cli/instances.js';
import { UsageError } from './options.js';

export const INSTANCES_HELP = `Usage: mesitis instances [flags]

Lists every instance a broker keeps, for the providing team: its consumer
namespace, plan, maintenance level (VERSION), whether its plan has a newer
level (UPGRADE), its status, who asked for it and since when. Read from the
broker's /admin/instances with the broker's credentials; -o json gives that
answer whole (with bindings and the last operation of each instance).

Flags:
  --broker-url URL            the broker (or MESITIS_URL; default http://127.0.0.1:8080)
  --username U --password P   the broker's basic auth (or MESITIS_USERNAME / MESITIS_PASSWORD)
  --bearer-token T            its bearer token instead (or MESITIS_BEARER_TOKEN; --token T is the same)
  -o, --output FORMAT         table (default) or json
  -h, --help                  this text

Exit codes: 0 ok, 1 the broker refused or could not be reached, 2 usage error.`;

const INSTANCES_FLAGS = {
  'broker-url': { type: 'string' },
  username: { type: 'string' },
  password: { type: 'string' },
  'bearer-token': { type: 'string' },
  token: { type: 'string' },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function runInstancesCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: INSTANCES_FLAGS, allowPositionals: true, strict: true });
  if (values.help) {
    console.log(INSTANCES_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const output = outputFormat(values);
  if (!output.ok) throw new UsageError(output.error);
  const connection = brokerConnection(values, env);
  if (!connection.ok) throw new UsageError(connection.error);
  const code = await runInstances({ connection: connection.value, output: output.value }, { out: process.stdout, err: process.stderr });
  // The CLI exits right after; where stdout is an asynchronous pipe, let it drain first.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  return code;
}
