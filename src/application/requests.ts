/**
 * What the OSB layer hands the use cases, already decoded: plain values in
 * the broker's vocabulary, plus who is asking and through which view.
 */
import type { CatalogEntry } from '../domain/catalog-entry.js';
import { mayUse } from '../domain/catalog-entry.js';
import { domainError } from '../domain/errors.js';
import type { InstanceRecord, OriginatingIdentity } from '../domain/records.js';
import { err, ok, type Result } from '../domain/result.js';
import type { InstanceFacts } from '../domain/template-variables.js';

export interface Caller {
  readonly originatingIdentity?: OriginatingIdentity;
  /** The consumer namespace of a `/namespaces/{ns}/v2` view; absent for the platform-wide view. */
  readonly viewNamespace?: string;
}

export interface ProvisionRequest {
  readonly instanceId: string;
  readonly serviceId: string;
  readonly planId: string;
  readonly context: Readonly<Record<string, unknown>>;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly acceptsIncomplete: boolean;
  readonly caller: Caller;
  /** maintenance_info.version the platform expects the plan to have, when it sent one. */
  readonly maintenanceVersion?: string;
}

export interface BindRequest {
  readonly instanceId: string;
  readonly bindingId: string;
  readonly serviceId: string;
  readonly planId: string;
  readonly context: Readonly<Record<string, unknown>> | undefined;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly appGuid: string | undefined;
  readonly caller: Caller;
  /** OSB 2.17 rotation: the binding this one succeeds. */
  readonly predecessorBindingId?: string;
  readonly acceptsIncomplete?: boolean;
}

const namespaceIn = (context: Readonly<Record<string, unknown>> | undefined): string | undefined =>
  typeof context?.['namespace'] === 'string' && context['namespace'] !== '' ? context['namespace'] : undefined;

/** The consumer namespace a request acts for; it must match the caller's view when there is one. */
export function consumerNamespace(context: Readonly<Record<string, unknown>> | undefined, caller: Caller, fallback?: string): Result<string> {
  const namespace = namespaceIn(context) ?? fallback;
  if (namespace === undefined) return err(domainError('InvalidRequest', 'context.namespace is required: it names the consumer namespace'));
  if (caller.viewNamespace !== undefined && caller.viewNamespace !== namespace) {
    return err(domainError('InvalidRequest', `context.namespace "${namespace}" does not match the namespace view "${caller.viewNamespace}"`));
  }
  return ok(namespace);
}

export function checkWhitelisted(entry: CatalogEntry, namespace: string): Result<void> {
  return mayUse(entry, namespace)
    ? ok(undefined)
    : err(domainError('NotWhitelisted', `namespace "${namespace}" is not whitelisted for plan ${entry.planId} of ${entry.team}-${entry.offering}`));
}

/** Only plans visible in the caller's view can be used through it. */
export function visibleInView(entry: CatalogEntry, caller: Caller): boolean {
  return caller.viewNamespace === undefined || mayUse(entry, caller.viewNamespace);
}

export function instanceFacts(entry: CatalogEntry, instance: Pick<InstanceRecord, 'id' | 'instanceName' | 'consumerNamespace' | 'parameters'>): InstanceFacts {
  return {
    instanceId: instance.id,
    instanceName: instance.instanceName ?? instance.id,
    consumerNamespace: instance.consumerNamespace,
    team: entry.team,
    offering: entry.offering,
    version: entry.version,
    parameters: instance.parameters,
  };
}
