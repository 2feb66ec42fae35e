/**
 * Facts about the installed package itself, found from this file's place in
 * it (src/main/ or dist/main/, both two levels below the package root), so
 * they hold whatever directory `mesitis` is run from.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The package's own example provider setup: what `mesitis dev` loads by default. */
export const PACKAGE_EXAMPLES = fileURLToPath(new URL('../../examples', import.meta.url));

/** The version in the package's package.json. */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(`${PACKAGE_ROOT}package.json`, 'utf8')) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}
