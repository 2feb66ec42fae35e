/**
 * The examples' Helm chart: its source (tools/example-charts/queue, outside
 * examples/ because `kubectl apply -R -f examples/` would take Chart.yaml and
 * the templates for manifests) and the ConfigMap in examples/ holding it
 * packaged, as a providing team publishes a chart without a repository.
 * tools/package-example-chart.ts writes the ConfigMap; a test checks it still
 * holds the source's files.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseDocument } from 'yaml';
import { REPO_ROOT } from './broker-process.js';

export const EXAMPLE_CHART = {
  name: 'queue',
  version: '0.1.0',
  sourceDir: `${REPO_ROOT}tools/example-charts/queue`,
  manifest: `${REPO_ROOT}examples/charts/queue-chart.yaml`,
  configMap: 'queue-chart',
} as const;
export const EXAMPLE_CHART_KEY = `${EXAMPLE_CHART.name}-${EXAMPLE_CHART.version}.tgz`;

/** The ConfigMap manifest for a packaged chart, with a header saying where it comes from. */
export function chartConfigMapManifest(archive: Uint8Array): string {
  const base64 = Buffer.from(archive).toString('base64');
  return [
    `# The data team's chart (${EXAMPLE_CHART.name} ${EXAMPLE_CHART.version}) as \`helm package\` packs it, in a`,
    '# ConfigMap labelled mesitis/kind: helm-chart: the queue entries install it',
    '# (chart: { configMap: queue-chart }). Its source is tools/example-charts/queue;',
    '# written by `npx tsx tools/package-example-chart.ts`, the same as',
    `#   helm package tools/example-charts/queue && kubectl create configmap queue-chart --from-file=${EXAMPLE_CHART_KEY}`,
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    `  name: ${EXAMPLE_CHART.configMap}`,
    '  namespace: provider-ns',
    '  labels:',
    '    mesitis/kind: helm-chart',
    'binaryData:',
    `  ${EXAMPLE_CHART_KEY}: ${base64}`,
    '',
  ].join('\n');
}

/** The packaged chart in the examples' ConfigMap. */
export async function packagedExampleChart(): Promise<Uint8Array> {
  const manifest = parseDocument(await readFile(EXAMPLE_CHART.manifest, 'utf8')).toJS() as { binaryData?: Record<string, string> };
  const base64 = manifest.binaryData?.[EXAMPLE_CHART_KEY];
  if (base64 === undefined) throw new Error(`${EXAMPLE_CHART.manifest} has no binaryData key ${EXAMPLE_CHART_KEY}`);
  return new Uint8Array(Buffer.from(base64, 'base64'));
}

/** The regular files of a .tgz by path, read with a minimal ustar reader (helm package writes plain ustar entries). */
export function filesOfTgz(archive: Uint8Array): Map<string, string> {
  const tar = gunzipSync(archive);
  const files = new Map<string, string>();
  const field = (at: number, length: number) => tar.subarray(at, at + length).toString('utf8').replace(/\0.*$/s, '');
  for (let at = 0; at + 512 <= tar.length;) {
    const name = field(at, 100);
    if (name === '') break; // the two zero blocks at the end
    const size = parseInt(field(at + 124, 12).trim() || '0', 8);
    const type = field(at + 156, 1);
    const prefix = field(at + 345, 155);
    if (type === '0' || type === '') files.set(prefix ? `${prefix}/${name}` : name, tar.subarray(at + 512, at + 512 + size).toString('utf8'));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** The chart source's files by their path in a package (`queue/templates/...`). */
export async function exampleChartSource(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else files.set(`${EXAMPLE_CHART.name}/${relative(EXAMPLE_CHART.sourceDir, path)}`, await readFile(path, 'utf8'));
    }
  };
  await walk(EXAMPLE_CHART.sourceDir);
  return files;
}
