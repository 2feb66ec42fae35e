/** `mesitis catalog`: the services and plans the consumer namespace may use. */
import { EXIT, failOsb } from './cli-io.js';
import { runConsumerVerb, type ConsumerDeps, type ConsumerVerb } from './consumer-verb.js';
import { printJson, printTable } from './output.js';

export const catalogVerb: ConsumerVerb = {
  syntax: { name: 'catalog', positionals: [], flags: [] },
  help: `Usage: mesitis catalog [flags]

Lists the services and plans the consumer namespace may use: the broker's
catalog as that namespace sees it (/namespaces/{ns}/v2/catalog).
-o json prints the broker's catalog document.`,

  async run({ verb, client, context, output, io }) {
    const answer = await client.catalog();
    if (!answer.ok) return failOsb(io, verb, answer.error);
    const { services } = answer.value.body;
    if (output === 'json') {
      printJson(io, answer.value.body);
      return EXIT.ok;
    }
    const rows = services.flatMap((service) => service.plans.map((plan) => [service.name, plan.name, plan.id, plan.description]));
    // Like kubectl: an empty list is not an error, and the note goes to stderr so stdout stays parseable.
    if (rows.length === 0) io.err.write(`No services in the catalog of ${context.namespace}.\n`);
    else printTable(io, ['SERVICE', 'PLAN', 'PLAN-ID', 'DESCRIPTION'], rows);
    return EXIT.ok;
  },
};

export const runCatalog = (args: string[], deps: ConsumerDeps) => runConsumerVerb(catalogVerb, args, deps);
