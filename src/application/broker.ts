/** Everything the broker can be asked to do: what the driving adapters (HTTP, CLI) call. */
import type { CatalogService } from './catalog-service.js';
import type { Bind } from './use-cases/bind.js';
import type { Deprovision } from './use-cases/deprovision.js';
import type { FetchBinding } from './use-cases/fetch-binding.js';
import type { FetchInstance } from './use-cases/fetch-instance.js';
import type { Inventory } from './use-cases/inventory.js';
import type { LastBindingOperation } from './use-cases/last-binding-operation.js';
import type { LastOperation } from './use-cases/last-operation.js';
import type { Provision } from './use-cases/provision.js';
import type { Unbind } from './use-cases/unbind.js';
import type { UpdateInstance } from './use-cases/update-instance.js';

export interface Broker {
  readonly catalog: CatalogService;
  readonly provision: Provision;
  readonly deprovision: Deprovision;
  readonly updateInstance: UpdateInstance;
  readonly fetchInstance: FetchInstance;
  readonly lastOperation: LastOperation;
  readonly bind: Bind;
  readonly unbind: Unbind;
  readonly fetchBinding: FetchBinding;
  readonly lastBindingOperation: LastBindingOperation;
  readonly inventory: Inventory;
}
