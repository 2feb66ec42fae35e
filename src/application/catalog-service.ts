/**
 * The catalog as the use cases see it: assembled once per configuration
 * revision, so a catalog request or a plan lookup is a memory read.
 */
import { assembleCatalog, findPlan, type Catalog } from '../domain/catalog.js';
import type { CatalogEntry } from '../domain/catalog-entry.js';
import { describeProblem } from '../domain/catalog-entry.js';
import type { ConfigSource } from './ports/config-source.js';
import type { Logger } from './ports/logger.js';
import type { ProblemReporter } from './ports/problem-reporter.js';

export class CatalogService {
  private cached: { revision: number; catalog: Catalog } | undefined;

  constructor(
    private readonly source: ConfigSource,
    private readonly logger: Logger,
    private readonly reporter: ProblemReporter,
  ) {}

  /** The configuration revision the current catalog was built from. */
  revision(): number {
    return this.source.revision();
  }

  catalog(): Catalog {
    const revision = this.source.revision();
    if (this.cached?.revision !== revision) {
      const catalog = assembleCatalog(this.source.current());
      this.cached = { revision, catalog };
      this.report(catalog);
    }
    return this.cached.catalog;
  }

  /**
   * Assembles again after every configuration change, so a broken ConfigMap
   * is reported when it is applied, not when a platform next asks for the
   * catalog. Changes in one tick are assembled once. Returns the unsubscribe.
   */
  followChanges(): () => void {
    let pending = false;
    return this.source.onChange(() => {
      if (pending) return;
      pending = true;
      queueMicrotask(() => {
        pending = false;
        this.catalog();
      });
    });
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
