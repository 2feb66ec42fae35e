/**
 * The catalog as the use cases see it: assembled once per configuration
 * revision, per discovery revision (a CRD installed or removed changes
 * which entries can work) and per access revision (a kind the broker may
 * not create in a target namespace, or may again), so a catalog request or
 * a plan lookup is a memory read.
 */
import { groupOf } from '../domain/built-in-kinds.js';
import { assembleCatalog, findPlan, type Catalog, type DeniedCreate } from '../domain/catalog.js';
import type { CatalogEntry } from '../domain/catalog-entry.js';
import { describeProblem } from '../domain/catalog-entry.js';
import type { ChartReview } from './chart-review.js';
import type { AccessReview } from './ports/access-review.js';
import type { ConfigSource } from './ports/config-source.js';
import type { KindResolver } from './ports/kind-resolver.js';
import type { Logger } from './ports/logger.js';
import type { ProblemReporter } from './ports/problem-reporter.js';

export class CatalogService {
  private cached: { revision: string; catalog: Catalog } | undefined;
  private assemblies = 0;

  /**
   * Without `kinds` no entry is refused for its kinds, without `access` none
   * for the broker's rights (the cluster refuses them at provision), without
   * `charts` no Helm entry for its chart (the install finds out).
   */
  constructor(
    private readonly source: ConfigSource,
    private readonly logger: Logger,
    private readonly reporter: ProblemReporter,
    private readonly kinds?: KindResolver,
    private readonly access?: AccessReview,
    private readonly charts?: ChartReview,
  ) {}

  /**
   * A number that changes whenever the catalog is assembled again (after a
   * configuration, discovery or access change): what views of it, such as
   * the serialised OSB document, may be cached by.
   */
  revision(): number {
    this.catalog();
    return this.assemblies;
  }

  catalog(): Catalog {
    const revision = `${this.source.revision()}/${this.kinds?.revision() ?? 0}/${this.access?.revision() ?? 0}/${this.charts?.revision() ?? 0}`;
    if (this.cached?.revision !== revision) {
      const { kinds, charts } = this;
      const catalog = assembleCatalog(
        this.source.current(), kinds && ((apiVersion, kind) => kinds.lookup(apiVersion, kind)), this.deniedCreate(), charts && ((entry) => charts.problemOf(entry)),
      );
      this.cached = { revision, catalog };
      this.assemblies += 1;
      this.report(catalog);
    }
    return this.cached.catalog;
  }

  /**
   * Assembles again after every configuration, discovery or access change,
   * so a broken ConfigMap (or a removed CRD, or a kind no longer granted) is
   * reported when it happens, not when a platform next asks for the
   * catalog. Changes in one tick are assembled once. A configuration or
   * discovery change also has the access answers reviewed again: a provider
   * who has just been granted a kind sees the entry served on their next
   * edit. Returns the unsubscribe.
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
    const reviewAgain = () => {
      assemble();
      this.access?.refresh().catch((error: unknown) => this.logger.warn('could not review access', { error: String(error) }));
    };
    const unfollow = [this.source.onChange(reviewAgain), this.kinds?.onChange(reviewAgain), this.access?.onChange(assemble), this.charts?.onChange(assemble)];
    return () => {
      for (const stop of unfollow) stop?.();
      this.charts?.stop();
    };
  }

  /** The access review's answer for a kind, by the resource discovery names it with; nothing refused while either is unknown. */
  private deniedCreate(): DeniedCreate | undefined {
    const { kinds, access } = this;
    if (kinds === undefined || access === undefined) return undefined;
    return (namespace, apiVersion, kind) => {
      const resource = kinds.resourceOf(apiVersion, kind);
      if (resource === undefined) return undefined;
      const group = groupOf(apiVersion);
      return access.mayCreate(namespace, group, resource) === 'denied' ? { group, resource } : undefined;
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
