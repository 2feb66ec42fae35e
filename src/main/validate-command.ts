/** `mesitis validate`: the providing team's own CI check of its ConfigMaps, offline. */
import { parseArgs } from 'node:util';
import { describeManifestProblem, loadManifests } from '../adapters/config/manifest-loader.js';
import { validateConfig } from '../adapters/config/validate-config.js';
import { describeProblem } from '../domain/catalog-entry.js';
import { counted } from './counted.js';
import { UsageError } from './options.js';

export const VALIDATE_HELP = `Usage: mesitis validate [flags] FILE|DIR...

Checks catalog-entry and resource ConfigMaps in manifests without a cluster:
every problem is printed with the ConfigMap's name and the field at fault.
Each dedicated entry's templates are rendered with stand-in values, for an
instance and, with a bindingLabelSelector, for a binding.
ConfigMaps the broker would skip (disabled entries, a mesitis/kind that looks
like a misspelt catalog-entry, Mesitis labels without mesitis/kind) are
printed as notices. Exit code 1 when there is any problem; notices alone
leave it 0. The checks are listed in docs/configuration.md.

Flags:
  -n, --namespace NS   the broker namespace: ConfigMaps elsewhere are reported (default: any)
  -h, --help           this text`;

export async function runValidate(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { namespace: { type: 'string', short: 'n' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(VALIDATE_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('name at least one file or directory');
  const loaded = await loadManifests(positionals, values.namespace ?? 'default');
  const report = validateConfig(loaded.objects, values.namespace);
  const problems = [...loaded.problems.map(describeManifestProblem), ...report.problems.map(describeProblem)];
  for (const entry of report.accepted) console.log(`ok       ${entry.source} -> plan ${entry.plan}`);
  for (const notice of report.notices) console.log(`notice   ${describeProblem(notice)}`);
  for (const problem of problems) console.log(`problem  ${problem}`);
  const notices = report.notices.length > 0 ? `, ${counted(report.notices.length, 'notice', 'notices')}` : '';
  console.log(`${counted(report.accepted.length, 'entry', 'entries')} accepted, ${counted(report.templates, 'resource ConfigMap', 'resource ConfigMaps')}, `
    + `${counted(problems.length, 'problem', 'problems')}${notices}`);
  return problems.length > 0 ? 1 : 0;
}
