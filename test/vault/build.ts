/**
 * Pre-builds the Vault server the Vault tests run (e.g. in CI, with progress):
 *
 *   npx tsx test/vault/build.ts [--verbose]
 *
 * Prints the binary's path on stdout; progress goes to stderr.
 */
import { buildVault, vaultServerPrerequisite } from '../support/vault-server.js';

const missing = vaultServerPrerequisite();
if (missing !== undefined) {
  process.stderr.write(`${missing}\n`);
  process.exit(1);
}
try {
  process.stdout.write(`${await buildVault(undefined, { verbose: process.argv.includes('--verbose') })}\n`);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
