/**
 * What every consumer verb shares: parse arguments, answer --help, work out
 * the consumer context, build the OSB client, then hand over to the verb.
 * A verb is a value (syntax, help, run) so tests and the CLI run the same thing.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { err, ok, type Result } from '../../domain/result.js';
import { EXIT, usage, type CliIo, type ExitCode } from './cli-io.js';
import { consumerContext, type ConsumerContext } from './consumer-context.js';
import type { ConsumerSecretStore } from './consumer-secret.js';
import { KubernetesConsumerSecretStore } from './kubernetes-consumer-secret.js';
import { OsbHttpClient } from './osb-http-client.js';
import type { PlanIds } from './osb-http-client.js';
import { outputFormat, parseVerbArguments, type FlagValues, type OutputFormat, type VerbSyntax } from './verb-arguments.js';
import { reportUnfinished, waitForOperation, type Clock, type OperationKind } from './wait-for-operation.js';
import { isDnsSubdomain } from '../../domain/kubernetes-names.js';

export interface ConsumerDeps {
  readonly io: CliIo;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Opens the store for --secret; by default client-node with the consumer's kubeconfig. Tests pass a fake. */
  readonly openSecretStore?: (config: KubeConfig | undefined) => Result<ConsumerSecretStore, string>;
  /** How often to poll last_operation while waiting (default 2 s). */
  readonly pollIntervalMs?: number;
  readonly clock?: Clock;
}

export interface VerbInvocation {
  readonly verb: string;
  readonly positionals: readonly string[];
  readonly values: FlagValues;
  readonly output: OutputFormat;
  readonly context: ConsumerContext;
  readonly client: OsbHttpClient;
  readonly io: CliIo;
  readonly deps: ConsumerDeps;
}

export interface ConsumerVerb {
  readonly syntax: VerbSyntax;
  readonly help: string;
  run(invocation: VerbInvocation): Promise<ExitCode>;
}

export const COMMON_HELP = `Common flags:
  -n, --namespace NS          consumer namespace (default: the current kube context's)
  --broker-url URL            the broker (or MESITIS_URL; default http://127.0.0.1:8080)
  --username U --password P   basic auth (or MESITIS_USERNAME / MESITIS_PASSWORD; prefer the
                              environment for the password: flags show in the process list)
  --bearer-token T            bearer token instead (or MESITIS_BEARER_TOKEN; --token T is the same)
  --kubeconfig FILE           kubeconfig (default KUBECONFIG, then ~/.kube/config)
  -o, --output FORMAT         table (default) or json
  -h, --help                  this text

Exit codes: 0 ok, 1 the broker refused or the operation failed, 2 usage error,
3 timed out waiting.`;

export const DEFAULT_POLL_INTERVAL_MS = 2000;

/** Whether the command line asks for JSON, read loosely: for errors found before the flags could be parsed. */
const asksForJson = (args: readonly string[]): boolean =>
  args.some((arg, i) => arg === '-ojson' || arg === '--output=json' || ((arg === '-o' || arg === '--output') && args[i + 1] === 'json'));

export async function runConsumerVerb(verb: ConsumerVerb, args: string[], deps: ConsumerDeps): Promise<ExitCode> {
  const name = verb.syntax.name;
  const parsed = parseVerbArguments(verb.syntax, args);
  if (!parsed.ok) return usage({ ...deps.io, json: asksForJson(args) }, name, parsed.error);
  if (parsed.value.values.help) {
    deps.io.out.write(`${verb.help}\n\n${COMMON_HELP}\n`);
    return EXIT.ok;
  }
  const output = outputFormat(parsed.value.values);
  if (!output.ok) return usage(deps.io, name, output.error);
  const io: CliIo = { ...deps.io, json: output.value === 'json' };
  const context = consumerContext(parsed.value.values, deps.env);
  if (!context.ok) return usage(io, name, context.error);
  const client = new OsbHttpClient({
    brokerUrl: context.value.brokerUrl,
    namespace: context.value.namespace,
    ...(context.value.auth ? { auth: context.value.auth } : {}),
    ...(context.value.kubeUser !== undefined ? { kubeUser: context.value.kubeUser } : {}),
  });
  return verb.run({ verb: name, ...parsed.value, output: output.value, context: context.value, client, io, deps: { ...deps, io } });
}

/** The store --secret writes to, with the consumer's own kube credentials. */
export function openSecretStore(invocation: VerbInvocation): Result<ConsumerSecretStore, string> {
  const { deps, context } = invocation;
  if (deps.openSecretStore) return deps.openSecretStore(context.kubeConfig);
  if (!context.kubeConfig) {
    const why = context.kubeConfigProblem ?? 'no kubeconfig found (--kubeconfig, KUBECONFIG or ~/.kube/config)';
    return err(`--secret writes with your own kube credentials: ${why}`);
  }
  if (context.kubeConfig.getCurrentCluster() === null) {
    return err('--secret writes with your own kube credentials: the kubeconfig has no current context with a cluster');
  }
  return ok(new KubernetesConsumerSecretStore(context.kubeConfig));
}


/** A --secret value that Kubernetes will accept as a name; undefined when valid. */
export const secretNameProblem = (name: string): string | undefined =>
  isDnsSubdomain(name) ? undefined : `--secret "${name}" is not a valid Secret name (lower-case letters, digits, "-" and ".")`;

export interface AcceptedOperation {
  readonly kind: OperationKind;
  readonly instanceId: string;
  readonly ids: PlanIds;
  /** What the 202 named, if anything. */
  readonly operation: string | undefined;
  readonly timeoutMs: number;
}

/** Waits for an operation a 202 started: its final description, or the exit code to end with (reported already). */
export async function waitForAccepted(invocation: VerbInvocation, accepted: AcceptedOperation): Promise<Result<string | undefined, ExitCode>> {
  const { client, io, deps, verb, context } = invocation;
  const request = {
    client, io, kind: accepted.kind, instanceId: accepted.instanceId, ids: accepted.ids, timeoutMs: accepted.timeoutMs,
    pollIntervalMs: deps.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    ...(accepted.operation !== undefined ? { operation: accepted.operation } : {}),
    ...(deps.clock ? { clock: deps.clock } : {}),
  };
  const outcome = await waitForOperation(request);
  if (outcome.kind === 'succeeded') return ok(outcome.description);
  return err(reportUnfinished(io, verb, request, context.namespace, outcome));
}
