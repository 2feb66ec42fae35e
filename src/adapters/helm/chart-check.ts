/**
 * Helm entries' charts rendered offline (`helm template`, no cluster) with
 * the entry's values and stand-in facts: what `mesitis validate` adds to the
 * checks the catalog makes, so a chart that does not render, cannot be
 * fetched, or makes what the broker could not install is the providing
 * team's CI failure, named with the entry's ConfigMap.
 */
import type { CatalogEntry, ConfigProblem } from '../../domain/catalog-entry.js';
import { BUILT_IN_KINDS, scopeTable } from '../../domain/built-in-kinds.js';
import { checkRenderedChart, describeEntryChart, isHelmEntry, planRelease } from '../../domain/helm-plan.js';
import type { ReleaseSpec } from '../../domain/helm-release.js';
import type { KubeObject } from '../../domain/kube-object.js';
import { standInFacts } from '../../domain/plan-check.js';
import type { Result } from '../../domain/result.js';

const scopeOf = scopeTable(BUILT_IN_KINDS);

export interface ChartCheck {
  readonly problems: ConfigProblem[];
  /** How many charts were rendered. */
  readonly rendered: number;
}

export async function checkEntryCharts(entries: readonly CatalogEntry[], render: (spec: ReleaseSpec) => Promise<Result<KubeObject[]>>): Promise<ChartCheck> {
  const problems: ConfigProblem[] = [];
  let rendered = 0;
  for (const entry of entries) {
    if (!isHelmEntry(entry)) continue;
    const planned = planRelease(entry, standInFacts(entry), 'placeholder');
    // The catalog check reports an entry that cannot be planned; accepted entries always can.
    if (!planned.ok) continue;
    const objects = await render(planned.value.spec);
    rendered += 1;
    if (!objects.ok) {
      problems.push({ source: entry.source, field: 'provisiondata.chart', message: `chart ${describeEntryChart(entry.provisioner.chart)} does not render with the entry's values: ${objects.error.message}` });
      continue;
    }
    problems.push(...checkRenderedChart(entry, objects.value, (apiVersion, kind) => scopeOf(apiVersion, kind) === 'cluster'));
  }
  return { problems, rendered };
}
