/**
 * The ways a request can fail, as the product sees them. The HTTP adapter maps
 * each kind to one OSB status and error code; nothing else decides that.
 */
export type ErrorKind =
  | 'InvalidRequest'      // malformed body, query or header: the caller's mistake
  | 'NotWhitelisted'      // consumer namespace may not use this entry
  | 'UnknownPlan'         // service or plan id not in the catalog
  | 'Conflict'            // same id, different attributes
  | 'Gone'                // delete of something that does not exist
  | 'NotFound'            // read of something that does not exist
  | 'ConcurrencyError'    // another operation on the instance is running
  | 'AsyncRequired'       // the work needs accepts_incomplete=true
  | 'RequiresApp'         // binding needs an app guid
  | 'MaintenanceInfoConflict' // maintenance_info the plan does not have
  | 'Unsupported'         // a change the broker cannot make (plan updates)
  | 'ObjectsExist'        // a planned Kubernetes object already exists and is not ours
  | 'ConfigInvalid'       // the provider's configuration is wrong
  | 'Forbidden'           // the cluster refused the broker's identity
  | 'Unavailable'         // a dependency (cluster, Redis) cannot be reached right now
  | 'Infrastructure';     // anything else that went wrong outside the broker

export interface DomainError {
  readonly kind: ErrorKind;
  /** Human text safe to show a caller: never a credential or an upstream body. */
  readonly message: string;
}

export const domainError = (kind: ErrorKind, message: string): DomainError => ({ kind, message });
