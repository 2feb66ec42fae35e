import type { Result } from '../../domain/result.js';
import type { GeneratedSpec } from '../../domain/template-variables.js';

/** Makes the generated values of template variables (`{{ generated.NAME }}`). */
export interface SecretGenerator {
  /**
   * The value of each spec for one instance, by NAME: the same for the same
   * instance, NAME and shape on every call and every replica, so a repeated or
   * resumed operation renders exactly what it delivered before; with
   * `bindingId`, values of that binding alone, never equal to any
   * instance's. ConfigInvalid (with a message naming no value) when the
   * generation key is missing.
   */
  generate(instanceId: string, specs: readonly GeneratedSpec[], bindingId?: string): Promise<Result<Record<string, string>>>;
}
