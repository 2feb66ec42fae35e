/** `mesitis serve`: the broker against a real cluster. */
import { UsageError } from './options.js';

export async function runServe(_args: string[], _env: NodeJS.ProcessEnv): Promise<number> {
  throw new UsageError('the Kubernetes adapter is not wired yet');
}
