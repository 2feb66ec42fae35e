/** A command line or environment the broker cannot run with: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}
