/**
 * `npm run bench [-- --quick] [-- --only NAME[,NAME]]`: runs the scenarios,
 * prints their tables (Markdown) and writes bench/results/latest.json.
 * Exits 1 when a scenario failed with an error; never because of speed.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadAverage, machine, renderMarkdown, writeReport, type Report, type Section } from './report.js';
import { catalogScenario } from './scenarios/catalog.js';
import { kubernetesCostScenario } from './scenarios/kubernetes-cost.js';
import { lifecycleScenario } from './scenarios/lifecycle.js';
import { rolloutScenario } from './scenarios/rollout.js';
import { scaleScenario } from './scenarios/scale.js';
import { stateStoreScenario } from './scenarios/state-store.js';
import type { Scenario } from './scenarios/scenario.js';
import { Environment, FULL, QUICK } from './support/environment.js';

const SCENARIOS: readonly Scenario[] = [catalogScenario, lifecycleScenario, stateStoreScenario, kubernetesCostScenario, scaleScenario, rolloutScenario];
const RESULTS = fileURLToPath(new URL('./results/latest.json', import.meta.url));

function options(): { quick: boolean; only: Scenario[] } {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' }, only: { type: 'string', multiple: true } }, strict: true });
  const names = (values.only ?? []).flatMap((value) => value.split(',')).filter((name) => name !== '');
  const unknown = names.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  return { quick: values.quick ?? false, only: names.length === 0 ? [...SCENARIOS] : SCENARIOS.filter((s) => names.includes(s.name)) };
}

async function main(): Promise<number> {
  const { quick, only } = options();
  const env = new Environment(quick, quick ? QUICK : FULL);
  const startedAt = new Date().toISOString();
  const loadAtStart = loadAverage();
  const sections: Section[] = [];
  const errors: { scenario: string; error: string }[] = [];
  env.progress(`bench (${quick ? 'quick' : 'full'}): ${only.map((s) => s.name).join(', ')}`);
  try {
    for (const scenario of only) {
      env.progress(`== ${scenario.name}`);
      env.realClusterUsed = false;
      try {
        sections.push(await withClusterNote(env, await scenario.run(env)));
        env.progress(`== ${scenario.name} done`);
      } catch (error) {
        const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
        errors.push({ scenario: scenario.name, error: text });
        env.progress(`== ${scenario.name} FAILED: ${text}`);
      }
    }
  } finally {
    await env.close();
  }
  const flags = [...(quick ? ['--quick'] : []), ...(only.length < SCENARIOS.length ? ['--only', only.map((s) => s.name).join(',')] : [])];
  const command = ['npm run bench', ...(flags.length > 0 ? ['--', ...flags] : [])].join(' ');
  const report: Report = { startedAt, finishedAt: new Date().toISOString(), mode: quick ? 'quick' : 'full', command, machine: machine(loadAtStart), servers: env.facts, sections, errors };
  await writeReport(RESULTS, report);
  process.stdout.write(`\n${renderMarkdown(report)}`);
  env.progress(`results written to ${RESULTS}`);
  return errors.length > 0 ? 1 : 0;
}

/** Every section whose scenario used the test cluster says which cluster that was. */
async function withClusterNote(env: Environment, section: Section): Promise<Section> {
  const description = env.realClusterUsed ? await env.clusterDescription() : undefined;
  return description === undefined ? section : { ...section, notes: [...section.notes, `Kubernetes rows ran on the ${description}.`] };
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
