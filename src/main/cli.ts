/**
 * The `mesitis` command: broker verbs (dev, serve, validate, doctor, instances) and the
 * consumer verbs (src/adapters/cli); each verb has --help. Exit codes: 0 ok,
 * 1 problems found or failure, 2 usage error, 3 timed out waiting.
 */
import { CONSUMER_COMMANDS } from '../adapters/cli/consumer-commands.js';
import { runDev } from './dev-command.js';
import { runDoctorCommand } from './doctor-command.js';
import { runInstancesCommand } from './instances-command.js';
import { UsageError } from './options.js';
import { packageVersion } from './package-info.js';
import { runServe } from './serve-command.js';
import { runValidate } from './validate-command.js';

const USAGE = `mesitis: a configuration-driven Open Service Broker for Kubernetes

Usage: mesitis <command> [flags]

Broker:
  dev        run the broker on an in-memory fake cluster loaded from manifests (default examples/)
  serve      run the broker against a real cluster (in a pod, or with KUBECONFIG)
  validate   check catalog and resource ConfigMaps offline (files or directories)
  doctor     list drift between records and cluster (orphans, missing objects, stuck operations); --fix repairs
  instances  list a broker's instances: plan, maintenance level, upgrade available, who asked, since when

Consumer (speak OSB to a broker for one consumer namespace; -n or the current kube context):
  catalog      list the services and plans the namespace may use
  provision    provision an instance of a plan and wait until it is ready
  status       show an instance's last operation, service, plan, parameters and version (--binding: its expiry)
  upgrade      move an instance to its plan's newest maintenance level (or --plan another) and wait
  bind         bind to an instance; --secret NAME writes the credentials to a Secret
  rotate       replace a binding with a successor, rewriting its --secret in place, then unbind the old one
  unbind       remove a binding (and with --secret, its Secret)
  deprovision  deprovision an instance and wait until it is gone

Run "mesitis <command> --help" for the flags of a command; "mesitis --version" prints the version.`;

type Command = (args: string[], env: NodeJS.ProcessEnv) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  dev: runDev,
  serve: runServe,
  validate: runValidate,
  doctor: runDoctorCommand,
  instances: runInstancesCommand,
  // Consumer verbs parse their own flags in src/adapters/cli: a client-side tool with nothing to wire.
  ...CONSUMER_COMMANDS,
};

async function main(argv: string[]): Promise<number> {
  const [verb, ...args] = argv;
  if (verb === '--version' || verb === '-V' || verb === 'version') {
    console.log(`mesitis ${packageVersion()}`);
    return 0;
  }
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    console.log(USAGE);
    return verb === undefined ? 2 : 0;
  }
  const command = COMMANDS[verb];
  if (!command) {
    console.error(`mesitis: unknown command "${verb}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return await command(args, process.env);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`mesitis ${verb}: ${(error as Error).message}\nRun "mesitis ${verb} --help" for usage.`);
      return 2;
    }
    throw error;
  }
}

// Long-running verbs return only once they have stopped, so exiting here cuts nothing short.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('mesitis: unexpected failure:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
