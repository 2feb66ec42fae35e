/**
 * The catalog as the use cases see it: assembled once per configuration
 * revision and per discovery revision (a CRD installed or removed changes
 * which entries can work), so a catalog request or a plan lookup is a
 * memory read.
 */
import { assembleCatalog, findPlan, type Catalog } from '../domain/catalog.js';
import type { CatalogEntry } from '../domain/catalog-entry.js';
import { describeProblem } from '../domain/catalog-entry.js';
import type { ConfigSource } from './ports/config-source.js';
import type { KindResolver } from './ports/kind-resolver.js';
import type { Logger } from './ports/logger.js';
import type { ProblemReporter } from './ports/problem-reporter.js';

export class CatalogService {
  private cached: { revision: string; catalog: Catalog } | undefined;

  /** Without `kinds` no entry is refused for its kinds (the cluster refuses them at provision). */
  constructor(
    private readonly source: ConfigSource,
    private readonly logger: Logger,
    private readonly reporter: ProblemReporter,
    private readonly kinds?: KindResolver,
  ) {}

  /** The configuration revision the current catalog was built from. */
  revision(): number {
    return this.source.revision();
  }

  catalog(): Catalog {
    const revision = `${this.source.revision()}/${this.kinds?.revision() ?? 0}`;
    if (this.cached?.revision !== revision) {
      const kinds = this.kinds;
      const catalog = assembleCatalog(this.source.current(), kinds && ((apiVersion, kind) => kinds.lookup(apiVersion, kind)));
      this.cached = { revision, catalog };
      this.report(catalog);
    }
    return this.cached.catalog;
  }

  /**
   * Assembles again after every configuration or discovery change, so a
   * broken ConfigMap (or a removed CRD) is reported when it happens, not
   * when a platform next asks for the catalog. Changes in one tick are
   * assembled once. Returns the unsubscribe.
   */
  followChanges(): () => void {
    let pending = false;
    const assemble = () => {
      if (pending) return;
      pending = true;
      queueMicrotask(() => {
        pending = false;
        this.catalog();
      });
    };
    const unfollowConfig = this.source.onChange(assemble);
    const unfollowKinds = this.kinds?.onChange(assemble);
    return () => {
      unfollowConfig();
      unfollowKinds?.();
    };
  }

  findPlan(serviceId: string, planId: string): CatalogEntry | undefined {
    return findPlan(this.catalog(), serviceId, planId);
  }

  private report(catalog: Catalog): void {
    const plans = catalog.offerings.reduce((n, o) => n + o.plans.length, 0);
    this.logger.info('catalog loaded', { offerings: catalog.offerings.length, plans, problems: catalog.problems.length });
    for (const problem of catalog.problems) {
      this.logger.warn('catalog entry refused', { configMap: problem.source, field: problem.field, reason: describeProblem(problem) });
    }
    // Reporting is best effort and must never slow down or fail a catalog request.
    this.reporter.report(catalog.problems).catch((error: unknown) =>
      this.logger.warn('could not report catalog problems', { error: String(error) }),
    );
  }
}
