/**
 * Regenerates deploy/manifests/ from the Helm chart, so the plain YAML for
 * kubectl users is never edited by hand:
 *
 *   npx tsx test/helm/render-manifests.ts
 *
 * test/deploy/chart.test.ts fails when the committed files differ from a
 * fresh render.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { helmTemplateText, helmVersion, MESITIS_CHART_DIR } from '../support/helm.js';

export const PLAIN_MANIFESTS_FILE = fileURLToPath(new URL('../../deploy/manifests/mesitis.yaml', import.meta.url));
export const PLAIN_MANIFESTS_NAMESPACE = 'provider-ns';
/**
 * The chart's defaults, except that the credentials and generation key
 * Secrets are not rendered: generated contents would change on every render
 * and fixed ones would be committed. Users create `mesitis-credentials` and
 * `mesitis-generation-key` themselves.
 */
export const PLAIN_MANIFESTS_VALUES = { credentials: { existingSecret: 'mesitis-credentials' }, generationKey: { existingSecret: 'mesitis-generation-key' } };

export async function renderPlainManifests(): Promise<string> {
  const body = await helmTemplateText(MESITIS_CHART_DIR, { namespace: PLAIN_MANIFESTS_NAMESPACE, values: PLAIN_MANIFESTS_VALUES });
  const header = [
    '# GENERATED from deploy/helm/mesitis by `npx tsx test/helm/render-manifests.ts`',
    `# (helm ${helmVersion()} template, namespace ${PLAIN_MANIFESTS_NAMESPACE}, values ${JSON.stringify(PLAIN_MANIFESTS_VALUES)}).`,
    '# Do not edit: change the chart and regenerate. See deploy/README.md for how to apply it.',
  ];
  return `${header.join('\n')}\n${body}`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await writeFile(PLAIN_MANIFESTS_FILE, await renderPlainManifests());
  process.stdout.write(`wrote ${PLAIN_MANIFESTS_FILE}\n`);
}
