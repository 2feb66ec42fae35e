/**
 * `mesitis instances`: the providing team's list of who uses what, at which
 * maintenance level, asked by whom and since when, read from the broker's
 * /admin/instances. One row per instance for people, the broker's JSON for
 * scripts; a hint on stderr when instances lag behind their plan.
 */
import { EXIT, failOsb, type CliIo, type ExitCode } from '../cli/cli-io.js';
import type { BrokerConnection } from '../cli/consumer-context.js';
import { printJson, printTable } from '../cli/output.js';
import { fetchInventory, type InventoryInstance } from './admin-client.js';

export interface InstancesRequest {
  readonly connection: BrokerConnection;
  readonly output: 'table' | 'json';
}

const HEADERS = ['INSTANCE', 'NAMESPACE', 'PLAN', 'VERSION', 'UPGRADE', 'STATUS', 'REQUESTED BY', 'SINCE'];

function upgradeCell(instance: InventoryInstance): string {
  if (instance.planMaintenanceVersion === undefined) return 'plan not in catalog';
  return instance.upgradeAvailable === true ? `available: ${instance.planMaintenanceVersion}` : '-';
}

/** The status, and the last operation when it failed: a failed update leaves an instance ready, at its old level. */
function statusCell(instance: InventoryInstance): string {
  const last = instance.lastOperation;
  return last?.state === 'failed' && instance.status !== 'failed' ? `${instance.status} (${last.type} failed)` : instance.status;
}

/** Who provisioned it, and who asked for the last operation when that was someone else (an update). */
function requestedByCell(instance: InventoryInstance): string {
  const provisioner = instance.requestedBy ?? '-';
  const last = instance.lastOperation;
  return last?.requestedBy !== undefined && last.requestedBy !== instance.requestedBy ? `${provisioner} (${last.type}: ${last.requestedBy})` : provisioner;
}

function instanceRow(instance: InventoryInstance): string[] {
  return [
    instance.instanceId, instance.consumerNamespace, instance.plan ?? instance.planId, instance.maintenanceVersion ?? 'unknown',
    upgradeCell(instance), statusCell(instance), requestedByCell(instance), instance.createdAt,
  ];
}

export async function runInstances(request: InstancesRequest, io: CliIo): Promise<ExitCode> {
  const listed = await fetchInventory(request.connection);
  if (!listed.ok) return failOsb({ ...io, json: request.output === 'json' }, 'instances', listed.error, 'cannot list the instances');
  const instances = listed.value;
  if (request.output === 'json') {
    printJson(io, { instances });
    return EXIT.ok;
  }
  if (instances.length === 0) {
    io.out.write('no instances\n');
    return EXIT.ok;
  }
  printTable(io, HEADERS, instances.map(instanceRow));
  const behind = instances.filter((instance) => instance.upgradeAvailable === true);
  if (behind.length > 0) {
    const which = behind.length === 1 ? '1 instance is behind its plan\'s' : `${behind.length} instances are behind their plans'`;
    io.err.write(`hint: ${which} maintenance level; consumers apply it with "mesitis upgrade INSTANCE -n NAMESPACE"\n`);
  }
  return EXIT.ok;
}
