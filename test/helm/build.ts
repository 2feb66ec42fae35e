/**
 * Pre-builds the helm binary the deploy tests use (e.g. in CI, with progress):
 *
 *   npx tsx test/helm/build.ts [--verbose]
 *
 * Prints the binary's path on stdout; progress goes to stderr.
 */
import { buildHelm, helmPrerequisite } from '../support/helm.js';

const missing = helmPrerequisite();
if (missing !== undefined) {
  process.stderr.write(`${missing}\n`);
  process.exit(1);
}
try {
  process.stdout.write(`${await buildHelm(undefined, { verbose: process.argv.includes('--verbose') })}\n`);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
