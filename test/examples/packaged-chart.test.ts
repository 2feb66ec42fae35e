/**
 * The examples' packaged Helm chart (examples/charts/queue-chart.yaml) holds
 * exactly its source (tools/example-charts/queue): a chart edited without
 * running tools/package-example-chart.ts fails here. Files are compared, not
 * archive bytes (tar timestamps differ between runs); helm package rewrites
 * Chart.yaml from its fields, so that one is compared parsed.
 */
import { expect } from 'chai';
import { parse } from 'yaml';
import { exampleChartSource, EXAMPLE_CHART, EXAMPLE_CHART_KEY, filesOfTgz, packagedExampleChart } from '../support/example-chart.js';

describe('the examples\' packaged Helm chart', () => {
  it('holds the chart source\'s files, under the name and version its key says', async () => {
    const packaged = filesOfTgz(await packagedExampleChart());
    const source = await exampleChartSource();
    const stale = 'examples/charts/queue-chart.yaml is stale: run "npx tsx tools/package-example-chart.ts"';
    expect([...packaged.keys()].sort(), stale).to.deep.equal([...source.keys()].sort());
    for (const [path, text] of source) {
      if (path === `${EXAMPLE_CHART.name}/Chart.yaml`) expect(parse(packaged.get(path)!), `${path}: ${stale}`).to.deep.equal(parse(text));
      else expect(packaged.get(path), `${path}: ${stale}`).to.equal(text);
    }
    const chart = parse(source.get(`${EXAMPLE_CHART.name}/Chart.yaml`)!) as { name: string; version: string };
    expect(`${chart.name}-${chart.version}.tgz`, 'the binaryData key').to.equal(EXAMPLE_CHART_KEY);
  });
});
