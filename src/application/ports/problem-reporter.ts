import type { ConfigProblem } from '../../domain/catalog-entry.js';

/**
 * Tells the providing team which ConfigMaps were refused and why: a log line
 * everywhere, a Kubernetes Event on the ConfigMap where there is a cluster.
 */
export interface ProblemReporter {
  /** Called with every problem of a newly assembled catalog; repeats of a reported problem may be dropped. */
  report(problems: readonly ConfigProblem[]): Promise<void>;
}
