/**
 * Skipping suites whose real tools are missing: loudly, and never in CI
 * (MESITIS_REQUIRE_REAL=1 turns the skip into a failure).
 */

/** For a `before` hook: returns when nothing is missing, else fails or skips the suite. */
export function requireOrSkip(context: Mocha.Context, suite: string, missing: string | undefined): void {
  if (missing === undefined) return;
  if (process.env['MESITIS_REQUIRE_REAL'] === '1') throw new Error(`MESITIS_REQUIRE_REAL=1 but ${missing}`);
  console.warn(`\n*** SKIPPING ${suite}: ${missing} ***\n`);
  context.skip();
}
