import type { Result } from '../../domain/result.js';

/** Secrets read as decoded strings: the broker namespace's, and an instance's own in a target namespace. */
export interface SecretSource {
  /** The Secret's data in the broker namespace as UTF-8 strings; NotFound when there is no such Secret. */
  read(name: string): Promise<Result<Record<string, string>>>;
  /** The same in `namespace` (where an instance's objects live); NotFound when there is no such Secret. */
  readIn(namespace: string, name: string): Promise<Result<Record<string, string>>>;
}
