/** Decodes an entry's `bindingLifetime` and `renewBefore` (Go-style durations: `720h`, `1h30m`, `90s`). */
import type { BindingLifetime, ConfigProblem } from '../../domain/catalog-entry.js';
import { err, ok, type Result } from '../../domain/result.js';

const UNIT_MS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1_000 };
const DURATION = /^(?:\d+[hms])+$/;

/** Milliseconds, or undefined when `text` is not a positive duration of h, m and s. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)([hms])/g)) total += Number(amount) * UNIT_MS[unit!]!;
  return total > 0 && Number.isSafeInteger(total) ? total : undefined;
}

/** `fields` are the entry's top-level fields with lower-case keys; absent lifetime: undefined. */
export function decodeBindingLifetime(fields: Readonly<Record<string, unknown>>, source: string): Result<BindingLifetime | undefined, ConfigProblem[]> {
  const lifetime = fields['bindinglifetime'];
  const renew = fields['renewbefore'];
  const bad = (field: string): Result<never, ConfigProblem[]> =>
    err([{ source, field, message: 'must be a duration such as 720h, 90m or 1h30m' }]);
  if (lifetime === undefined) {
    return renew === undefined ? ok(undefined) : err([{ source, field: 'renewbefore', message: 'needs bindinglifetime' }]);
  }
  const lifetimeMs = typeof lifetime === 'string' ? parseDuration(lifetime) : undefined;
  if (lifetimeMs === undefined) return bad('bindinglifetime');
  if (renew === undefined) return ok({ lifetimeMs });
  const renewBeforeMs = typeof renew === 'string' ? parseDuration(renew) : undefined;
  return renewBeforeMs === undefined ? bad('renewbefore') : ok({ lifetimeMs, renewBeforeMs });
}
