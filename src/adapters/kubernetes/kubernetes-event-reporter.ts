/**
 * The ProblemReporter port as Kubernetes Events: one Warning Event with
 * reason InvalidCatalogEntry on each refused ConfigMap, in the broker
 * namespace, so `kubectl describe configmap` and `kubectl get events` show
 * the providing team why an entry is missing.
 *
 * One Event per distinct problem (ConfigMap, its uid, field, text) per
 * process: the catalog is assembled again on every configuration change, and
 * an unchanged problem must not produce a new Event each time. The Event's
 * name is derived from the problem, so a second replica (or a restart) that
 * reports the same problem gets AlreadyExists instead of a duplicate.
 */
import { createHash } from 'node:crypto';
import type { CoreV1Api, CoreV1Event } from '@kubernetes/client-node';
import type { Logger } from '../../application/ports/logger.js';
import type { ProblemReporter } from '../../application/ports/problem-reporter.js';
import { describeProblem, type ConfigProblem } from '../../domain/catalog-entry.js';
import { logFieldsOf, translateApiError } from './api-errors.js';

export const EVENT_REASON = 'InvalidCatalogEntry';
const COMPONENT = 'mesitis';
// Kubernetes keeps Event messages short; the problem text is what matters.
const MAX_MESSAGE = 1024;
// Beyond this many remembered problems the oldest are forgotten (and may be reported once more).
const MAX_REMEMBERED = 10_000;

export interface EventReporterOptions {
  /** The uid of a ConfigMap by name, so the Event is attached to that very object. */
  readonly uidOf?: (configMap: string) => string | undefined;
  /** This broker's instance, e.g. the pod name (Event reportingInstance). */
  readonly instance?: string;
  readonly now?: () => Date;
}

function eventName(configMap: string, key: string): string {
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return `${configMap.slice(0, 200).replace(/[.-]+$/, '')}.${COMPONENT}-${hash}`;
}

export class KubernetesEventReporter implements ProblemReporter {
  /** Problems reported (or being reported) by this process. */
  private readonly reported = new Set<string>();

  constructor(
    private readonly core: CoreV1Api,
    private readonly namespace: string,
    private readonly logger: Logger,
    private readonly options: EventReporterOptions = {},
  ) {}

  async report(problems: readonly ConfigProblem[]): Promise<void> {
    await Promise.all(problems.map((problem) => this.reportOne(problem)));
  }

  private async reportOne(problem: ConfigProblem): Promise<void> {
    const uid = this.options.uidOf?.(problem.source);
    const key = JSON.stringify([this.namespace, problem.source, uid ?? '', problem.field, problem.message]);
    if (this.reported.has(key)) return;
    this.remember(key);
    const what = `Event for ConfigMap "${this.namespace}/${problem.source}"`;
    try {
      await this.core.createNamespacedEvent({ namespace: this.namespace, body: this.event(problem, uid, eventName(problem.source, key)) });
    } catch (error) {
      const translated = translateApiError(error, { verb: 'create', what, namespace: this.namespace });
      if (translated.kind === 'ObjectsExist') return; // reported before, by this broker's previous run or another replica
      // Only a passing outage is worth another attempt on the next change; a refusal would be refused again.
      if (translated.kind === 'Unavailable') this.reported.delete(key);
      this.logger.warn('could not create an Event for a refused catalog entry', { configMap: problem.source, kind: translated.kind, ...logFieldsOf(error) });
    }
  }

  private event(problem: ConfigProblem, uid: string | undefined, name: string): CoreV1Event {
    const now = this.options.now?.() ?? new Date();
    return {
      metadata: { name, namespace: this.namespace },
      involvedObject: { apiVersion: 'v1', kind: 'ConfigMap', name: problem.source, namespace: this.namespace, ...(uid !== undefined ? { uid } : {}) },
      reason: EVENT_REASON,
      message: describeProblem(problem).slice(0, MAX_MESSAGE),
      type: 'Warning',
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: COMPONENT },
      reportingComponent: COMPONENT,
      ...(this.options.instance !== undefined ? { reportingInstance: this.options.instance } : {}),
    };
  }

  private remember(key: string): void {
    if (this.reported.size >= MAX_REMEMBERED) this.reported.delete(this.reported.values().next().value!);
    this.reported.add(key);
  }
}
