/** Inversify service identifiers: one per port and per application service. */
export const TOKENS = {
  Settings: Symbol.for('mesitis/BrokerSettings'),
  Runtime: Symbol.for('mesitis/Runtime'),
  Logger: Symbol.for('mesitis/Logger'),
  ConfigSource: Symbol.for('mesitis/ConfigSource'),
  ClusterApi: Symbol.for('mesitis/ClusterApi'),
  SecretSource: Symbol.for('mesitis/SecretSource'),
  StateStore: Symbol.for('mesitis/StateStore'),
  ProblemReporter: Symbol.for('mesitis/ProblemReporter'),
  CatalogService: Symbol.for('mesitis/CatalogService'),
  InstanceRecords: Symbol.for('mesitis/InstanceRecords'),
  InstanceObjects: Symbol.for('mesitis/InstanceObjects'),
  BindingCredentials: Symbol.for('mesitis/BindingCredentials'),
  OperationJobs: Symbol.for('mesitis/OperationJobs'),
  Broker: Symbol.for('mesitis/Broker'),
} as const;
