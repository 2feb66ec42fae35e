/**
 * Generated values derived, not stored: HMAC-SHA256 under the broker's
 * generation key of (instance id, NAME), mapped onto the alphabet. Nothing
 * has to be remembered between a first attempt and a resumed one, or between
 * replicas, for both to render the same value, and the value exists only in
 * the objects it is written into. Whoever holds the key can recompute every
 * instance's values, which is why it lives in a Secret of its own.
 *
 * The mapping takes bytes of the HMAC stream (HMAC over a counter) and keeps
 * only those below the largest multiple of the alphabet size (rejection
 * sampling), so every character is equally likely.
 */
import { createHmac } from 'node:crypto';
import type { SecretGenerator } from '../../application/ports/secret-generator.js';
import type { SecretSource } from '../../application/ports/secret-source.js';
import { domainError } from '../../domain/errors.js';
import { err, ok, type Result } from '../../domain/result.js';
import { ALPHABETS, type GeneratedSpec } from '../../domain/template-variables.js';

/** Where the key comes from: read on every use, so a rotated key applies to the next provision. */
export type GenerationKeySource = () => Promise<Result<Buffer>>;

/** A key shorter than this is refused: 32 bytes is what HMAC-SHA256 can use. */
export const MIN_KEY_BYTES = 32;
/** The data key of the generation key Secret. */
export const GENERATION_KEY_FIELD = 'key';

export class HmacSecretGenerator implements SecretGenerator {
  constructor(private readonly key: GenerationKeySource) {}

  async generate(instanceId: string, specs: readonly GeneratedSpec[], bindingId?: string): Promise<Result<Record<string, string>>> {
    if (specs.length === 0) return ok({});
    const key = await this.key();
    if (!key.ok) return key;
    return ok(Object.fromEntries(specs.map((spec) => [spec.name, derive(key.value, instanceId, spec, bindingId)])));
  }
}

export function derive(key: Buffer, instanceId: string, spec: GeneratedSpec, bindingId?: string): string {
  const alphabet = ALPHABETS[spec.alphabet];
  const limit = 256 - (256 % alphabet.length);
  let value = '';
  for (let block = 0; value.length < spec.length; block++) {
    // Lengths in the message keep (id, name) pairs from running into each other.
    // A binding's values have a prefix of their own: no instance id can be chosen to reproduce them.
    const subject = bindingId === undefined
      ? `mesitis/generated/v1\n${instanceId.length}:${instanceId}`
      : `mesitis/generated/binding/v1\n${instanceId.length}:${instanceId}\n${bindingId.length}:${bindingId}`;
    const message = `${subject}\n${spec.name.length}:${spec.name}\n${block}`;
    for (const byte of createHmac('sha256', key).update(message, 'utf8').digest()) {
      if (byte < limit && value.length < spec.length) value += alphabet[byte % alphabet.length];
    }
  }
  return value;
}

/** The key from a Secret in the broker namespace (data key `key`), as the chart creates it. */
export function keyFromSecret(secrets: SecretSource, secretName: string): GenerationKeySource {
  return async () => keyOf(secretName, await secrets.read(secretName));
}

/** Dev mode: the key Secret if the manifests have one, else a random key for this process (values change on restart). */
export function keyFromSecretOr(secrets: SecretSource, secretName: string, fallback: Buffer): GenerationKeySource {
  return async () => {
    const secret = await secrets.read(secretName);
    return !secret.ok && secret.error.kind === 'NotFound' ? ok(fallback) : keyOf(secretName, secret);
  };
}

function keyOf(secretName: string, secret: Result<Record<string, string>>): Result<Buffer> {
  if (!secret.ok) {
    return secret.error.kind === 'NotFound'
      ? err(domainError('ConfigInvalid', `the generation key Secret "${secretName}" does not exist in the broker namespace; the chart creates it (see docs/configuration.md, generated values)`))
      : secret;
  }
  const key = Buffer.from(secret.value[GENERATION_KEY_FIELD] ?? '', 'utf8');
  if (key.length < MIN_KEY_BYTES) {
    return err(domainError('ConfigInvalid', `the generation key Secret "${secretName}" needs a data key "${GENERATION_KEY_FIELD}" of at least ${MIN_KEY_BYTES} bytes`));
  }
  return ok(key);
}
