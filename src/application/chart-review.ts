/**
 * Whether each Helm entry's chart can be fetched and rendered with the
 * entry's values (stand-in facts, `helm template`, no cluster), reviewed in
 * the background like the broker's rights: the catalog asks on every
 * assembly and gets the last answer without waiting, so a chart that
 * cannot be fetched or rendered is a catalog problem for its entry alone,
 * found when the configuration changes rather than at a consumer's
 * provision.
 *
 * An answer is kept per entry and what it renders from (its maintenance
 * level: chart, values and chart bytes), so an edit is reviewed again. An
 * entry not reviewed yet is not refused (the install still decides), nor
 * is one whose render failed for a reason outside the chart (helm missing,
 * an internal failure): those are logged. A refused one is reviewed again
 * every `retryMs`, so a chart repository that was away serves again.
 */
import { isHelmEntry, planRelease, type HelmEntry } from '../domain/helm-plan.js';
import { standInFacts } from '../domain/plan-check.js';
import type { HelmReleases } from './ports/helm-releases.js';
import type { Logger } from './ports/logger.js';
import type { CatalogEntry } from '../domain/catalog-entry.js';

interface Answer {
  readonly problem?: string;
}

function unrefTimer(run: () => void, ms: number): { cancel(): void } {
  const timer = setTimeout(run, ms);
  timer.unref();
  return { cancel: () => clearTimeout(timer) };
}

export const DEFAULT_CHART_RETRY_MS = 60_000;

export class ChartReview {
  private readonly answers = new Map<string, Answer>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly listeners = new Set<() => void>();
  private version = 0;

  private readonly retries = new Set<{ cancel(): void }>();
  private stopped = false;

  /** `schedule` runs a retry later (default: an unref'd timer); it returns how to cancel it. */
  constructor(
    private readonly releases: HelmReleases,
    private readonly logger: Logger,
    private readonly retryMs: number = DEFAULT_CHART_RETRY_MS,
    private readonly schedule: (run: () => void, ms: number) => { cancel(): void } = unrefTimer,
  ) {}

  /** The problem with a Helm entry's chart as last reviewed; undefined when it renders or is not known yet (then reviewed in the background). */
  problemOf(entry: CatalogEntry): string | undefined {
    if (!isHelmEntry(entry)) return undefined;
    const key = keyOf(entry);
    const answer = this.answers.get(key);
    if (answer === undefined) this.start(key, entry);
    return answer?.problem;
  }

  /** Cancels the retries scheduled; reviews asked for later are still made. */
  stop(): void {
    this.stopped = true;
    for (const retry of this.retries) retry.cancel();
    this.retries.clear();
  }

  /** A number that changes whenever an answer the catalog acts on does. */
  revision(): number {
    return this.version;
  }

  /** Calls `listener` after such a change; returns the function that stops the calls. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when the reviews under way have answered. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight.values()]);
  }

  private start(key: string, entry: HelmEntry): void {
    if (this.inFlight.has(key)) return;
    const review = this.review(key, entry).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, review);
  }

  /** A refused chart is reviewed again later: the repository may be back, the registry reachable. */
  private retryLater(key: string, entry: HelmEntry): void {
    if (this.stopped) return;
    const retry = this.schedule(() => {
      this.retries.delete(retry);
      this.start(key, entry);
    }, this.retryMs);
    this.retries.add(retry);
  }

  private async review(key: string, entry: HelmEntry): Promise<void> {
    const planned = planRelease(entry, standInFacts(entry), 'placeholder');
    // An entry that cannot be planned is refused by the catalog's own checks first.
    if (!planned.ok) return;
    const rendered = await this.releases.render(planned.value.spec);
    let problem: string | undefined;
    if (!rendered.ok) {
      const { kind, message } = rendered.error;
      if (kind !== 'ConfigInvalid' && kind !== 'Unavailable') {
        this.logger.warn('could not review a Helm chart', { configMap: entry.source, kind, reason: message });
        return;
      }
      problem = `the chart cannot be ${kind === 'Unavailable' ? 'fetched' : 'rendered with the entry\'s values'}: ${message}`;
    }
    const before = this.answers.get(key);
    this.answers.set(key, problem !== undefined ? { problem } : {});
    if (problem !== undefined) this.retryLater(key, entry);
    if (before?.problem === problem) return;
    this.version += 1;
    for (const listener of this.listeners) listener();
  }
}

/** The entry and everything its render depends on (the chart's bytes by their digest). */
const keyOf = (entry: HelmEntry): string =>
  `${entry.source}\n${JSON.stringify([entry.provisioner, entry.parameters ?? {}, entry.team, entry.offering, entry.version], (key, value: unknown) => (key === 'archive' ? undefined : value))}`;
