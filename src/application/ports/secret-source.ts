import type { Result } from '../../domain/result.js';

/** Secrets in the broker namespace, read as decoded strings. */
export interface SecretSource {
  /** The Secret's data as UTF-8 strings; NotFound when there is no such Secret. */
  read(name: string): Promise<Result<Record<string, string>>>;
}
