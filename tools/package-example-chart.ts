/**
 * Packages the examples' Helm chart (tools/example-charts/queue) with the
 * helm the tests build (tools/helm, cached) and writes it into its ConfigMap,
 * examples/charts/queue-chart.yaml. Run after changing the chart:
 *
 *   npx tsx tools/package-example-chart.ts
 *
 * test/examples/packaged-chart.test.ts fails until the ConfigMap holds
 * the source's files again.
 */
import { writeFile } from 'node:fs/promises';
import { chartConfigMapManifest, EXAMPLE_CHART } from '../test/support/example-chart.js';
import { packageChart } from '../test/support/helm.js';

const archive = await packageChart(EXAMPLE_CHART.sourceDir);
await writeFile(EXAMPLE_CHART.manifest, chartConfigMapManifest(archive));
console.log(`wrote ${EXAMPLE_CHART.manifest} (${archive.length} bytes of chart)`);
