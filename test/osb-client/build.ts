/**
 * Pre-builds the Go OSB client program the interop suite runs (e.g. in CI):
 *
 *   npx tsx test/osb-client/build.ts [--verbose]
 *
 * Prints the binary's path on stdout; progress goes to stderr.
 */
import { buildGoOsbClient, goOsbClientPrerequisite } from '../support/go-osb-client.js';

const missing = goOsbClientPrerequisite();
if (missing !== undefined) {
  process.stderr.write(`${missing}\n`);
  process.exit(1);
}
try {
  process.stdout.write(`${await buildGoOsbClient(undefined, { verbose: process.argv.includes('--verbose') })}\n`);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
