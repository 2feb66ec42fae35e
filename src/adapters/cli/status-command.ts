/**
 * `mesitis status INSTANCE_ID`: the instance's last operation and, once it
 * exists, what it was provisioned with. Reporting a failed operation is not
 * itself a failure: the exit code is 0 whenever the broker answered.
 */
import { EXIT, failOsb } from './cli-io.js';
import { planNames } from './catalog-lookup.js';
import { runConsumerVerb, type ConsumerDeps, type ConsumerVerb } from './consumer-verb.js';
import { describeOsbFailure } from './osb-failure.js';
import { fields, printJson } from './output.js';

const parameterText = (parameters: Readonly<Record<string, unknown>>): string =>
  Object.entries(parameters).map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`).join(', ') || '(none)';

export const statusVerb: ConsumerVerb = {
  syntax: { name: 'status', positionals: ['INSTANCE_ID'], flags: [] },
  help: `Usage: mesitis status INSTANCE_ID [flags]

Shows the state of the instance's last operation (in progress, succeeded,
failed) and, once provisioned, its service, plan and parameters.`,

  async run({ verb, positionals, client, context, output, io }) {
    const instanceId = positionals[0]!;
    const last = await client.lastOperation(instanceId);
    if (!last.ok) return failOsb(io, verb, last.error);
    // GET instance answers 404 while a provision runs: then there is only the operation to show.
    const instance = await client.fetchInstance(instanceId);
    const catalog = instance.ok ? await client.catalog() : undefined;
    const details = instance.ok ? instance.value.body : undefined;
    const names = details && catalog?.ok ? planNames(catalog.value.body, { serviceId: details.service_id, planId: details.plan_id }) : {};
    const operation = last.value.body;

    if (output === 'json') {
      printJson(io, {
        instance_id: instanceId, namespace: context.namespace, last_operation: operation,
        instance: details ? { ...details, ...names } : null,
      });
      return EXIT.ok;
    }
    const rows: [string, string][] = [['INSTANCE', instanceId], ['NAMESPACE', context.namespace], ['STATE', operation.state]];
    if (operation.description !== undefined) rows.push(['DESCRIPTION', operation.description]);
    if (details) {
      rows.push(['SERVICE', names.service ? `${names.service} (${details.service_id})` : details.service_id]);
      rows.push(['PLAN', names.plan ? `${names.plan} (${details.plan_id})` : details.plan_id]);
      rows.push(['PARAMETERS', parameterText(details.parameters ?? {})]);
    } else if (!instance.ok) {
      rows.push(['DETAILS', `not available: ${describeOsbFailure(instance.error)}`]);
    }
    io.out.write(`${fields(rows)}\n`);
    return EXIT.ok;
  },
};

export const runStatus = (args: string[], deps: ConsumerDeps) => runConsumerVerb(statusVerb, args, deps);
