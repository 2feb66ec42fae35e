/** `mesitis validate`: the providing team's own CI check of its ConfigMaps, offline. */
import { parseArgs } from 'node:util';
import { describeManifestProblem, loadManifests } from '../adapters/config/manifest-loader.js';
import { validateConfig } from '../adapters/config/validate-config.js';
import { checkEntryCharts } from '../adapters/helm/chart-check.js';
import { renderChart } from '../adapters/helm/helm-calls.js';
import { HelmCommand } from '../adapters/helm/helm-command.js';
import { PinoLogger } from '../adapters/logging/pino-logger.js';
import { describeProblem, type CatalogEntry, type ConfigProblem } from '../domain/catalog-entry.js';
import { ok } from '../domain/result.js';
import { counted } from './counted.js';
import { UsageError } from './options.js';

export const VALIDATE_HELP = `Usage: mesitis validate [flags] FILE|DIR...

Checks catalog-entry and resource ConfigMaps in manifests without a cluster:
every problem is printed with the ConfigMap's name and the field at fault.
Each dedicated entry's templates are rendered with stand-in values, for an
instance and, with a bindingLabelSelector, for a binding; each Helm entry's
chart with its values (\`helm template\`, offline; without helm, a notice).
ConfigMaps the broker would skip (disabled entries, a mesitis/kind that looks
like a misspelt catalog-entry, Mesitis labels without mesitis/kind) are
printed as notices. Exit code 1 when there is any problem; notices alone
leave it 0. The checks are listed in docs/configuration.md.

Flags:
  -n, --namespace NS   the broker namespace: ConfigMaps elsewhere are reported (default: any)
  --helm-binary PATH   the helm that renders Helm entries' charts (default \`helm\` on PATH, or MESITIS_HELM)
  -h, --help           this text`;

const RENDER_TIMEOUT_MS = 60_000;

/**
 * Each accepted Helm entry's chart rendered offline. helm that cannot run
 * (or fails outside the chart) is one notice, not a problem per entry: CI
 * without helm still checks everything else.
 */
async function chartFindings(entries: readonly CatalogEntry[], binary: string): Promise<{ problems: ConfigProblem[]; notices: ConfigProblem[] }> {
  const helm = new HelmCommand({ binary });
  const logger = PinoLogger.create('silent');
  let unavailable: string | undefined;
  const checked = await checkEntryCharts(entries, async (spec) => {
    if (unavailable !== undefined) return ok([]);
    const rendered = await renderChart(helm, logger, spec, RENDER_TIMEOUT_MS);
    if (rendered.ok || rendered.error.kind !== 'Infrastructure') return rendered;
    unavailable = rendered.error.message;
    return ok([]);
  });
  const notices = unavailable === undefined ? [] : [{ source: 'helm', field: '', message: `Helm charts not rendered: ${unavailable}` }];
  return { problems: checked.problems, notices };
}

export async function runValidate(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { namespace: { type: 'string', short: 'n' }, 'helm-binary': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(VALIDATE_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('name at least one file or directory');
  const loaded = await loadManifests(positionals, values.namespace ?? 'default');
  const report = validateConfig(loaded.objects, values.namespace);
  const charts = await chartFindings(report.entries, values['helm-binary'] || process.env['MESITIS_HELM'] || 'helm');
  const problems = [...loaded.problems.map(describeManifestProblem), ...report.problems.map(describeProblem), ...charts.problems.map(describeProblem)];
  const notices = [...report.notices, ...charts.notices];
  for (const entry of report.accepted) console.log(`ok       ${entry.source} -> plan ${entry.plan}`);
  for (const notice of notices) console.log(`notice   ${describeProblem(notice)}`);
  for (const problem of problems) console.log(`problem  ${problem}`);
  const noticed = notices.length > 0 ? `, ${counted(notices.length, 'notice', 'notices')}` : '';
  console.log(`${counted(report.accepted.length, 'entry', 'entries')} accepted, ${counted(report.templates, 'resource ConfigMap', 'resource ConfigMaps')}, `
    + `${counted(problems.length, 'problem', 'problems')}${noticed}`);
  return problems.length > 0 ? 1 : 0;
}
