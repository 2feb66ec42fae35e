/**
 * Pre-builds the test cluster binary (e.g. in CI, with visible progress):
 *
 *   npx tsx test/cluster/build.ts [--verbose]
 *
 * Prints the binary's path on stdout; progress goes to stderr.
 */
import { buildTestCluster, testClusterPrerequisite } from '../support/test-cluster.js';

const missing = testClusterPrerequisite();
if (missing !== undefined) {
  process.stderr.write(`${missing}\n`);
  process.exit(1);
}
try {
  const binary = await buildTestCluster(undefined, { verbose: process.argv.includes('--verbose') });
  process.stdout.write(`${binary}\n`);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
