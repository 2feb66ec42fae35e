/**
 * The broker's admin API as the providing team's CLI reads it, over fetch
 * with the broker's own credentials. The answer is decoded like any
 * untrusted input; the codec is not exact, so fields this CLI does not know
 * pass through to -o json.
 */
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import { err, ok, type Result } from '../../domain/result.js';
import { authorization, type BrokerConnection } from '../cli/consumer-context.js';
import type { OsbFailure } from '../cli/osb-failure.js';
import { networkReason } from '../cli/osb-http-client.js';
import { ErrorBody } from '../cli/osb-responses.js';

const REQUEST_TIMEOUT_MS = 65_000;

export const InventoryInstance = t.intersection([
  t.type({ instanceId: t.string, serviceId: t.string, planId: t.string, consumerNamespace: t.string, status: t.string, createdAt: t.string }),
  t.partial({
    plan: t.string, version: t.string, maintenanceVersion: t.string, planMaintenanceVersion: t.string, upgradeAvailable: t.boolean,
    requestedBy: t.string, updatedAt: t.string,
    lastOperation: t.intersection([t.type({ type: t.string, state: t.string }), t.partial({ startedAt: t.string, finishedAt: t.string, requestedBy: t.string })]),
  }),
]);
export type InventoryInstance = t.TypeOf<typeof InventoryInstance>;

const Inventory = t.type({ instances: t.array(InventoryInstance) });

/** GET /admin/instances: every live instance the broker keeps, oldest first. */
export async function fetchInventory(connection: BrokerConnection, timeoutMs = REQUEST_TIMEOUT_MS): Promise<Result<InventoryInstance[], OsbFailure>> {
  let response: Response;
  let json: unknown;
  try {
    response = await fetch(`${connection.brokerUrl}/admin/instances`, {
      headers: { Accept: 'application/json', ...(connection.auth ? { Authorization: authorization(connection.auth) } : {}) },
      signal: AbortSignal.timeout(timeoutMs),
    });
    json = await response.json().catch(() => undefined);
  } catch (error) {
    return err({ kind: 'unreachable', url: connection.brokerUrl, message: networkReason(error) });
  }
  if (!response.ok) {
    const decoded = ErrorBody.decode(json);
    const body = isLeft(decoded) ? {} : decoded.right;
    return err({
      kind: 'status', status: response.status,
      ...(body.error !== undefined ? { code: body.error } : {}), ...(body.description !== undefined ? { description: body.description } : {}),
    });
  }
  const decoded = Inventory.decode(json);
  if (isLeft(decoded)) return err({ kind: 'malformed', status: response.status, message: 'not the inventory /admin/instances answers' });
  return ok(decoded.right.instances);
}
