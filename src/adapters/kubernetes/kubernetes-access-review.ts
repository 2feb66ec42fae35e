/**
 * The AccessReview port on SelfSubjectAccessReviews (authorization.k8s.io/v1):
 * the apiserver answers for the broker's own identity, whatever authorizer
 * it runs, and every authenticated identity may ask (the built-in
 * system:basic-user role), so this needs no RBAC of its own.
 *
 * RBAC changes send no event the broker could watch (it may not read Roles),
 * so every answer is reviewed again every `refreshMs`, and whenever the
 * catalog's configuration or the served kinds change (refresh()). A question
 * not asked before is reviewed at once in the background; the questions of
 * one catalog assembly go out together and are reported as one change.
 *
 * Failure policy: a failed review keeps the last answer (RBAC did not change
 * because one request failed) and is a warning; a question never answered
 * stays 'unknown', which refuses nothing, and is asked again after
 * `retryMs`. The cache holds one answer per namespace and resource ever
 * asked about: a handful per target namespace.
 */
import type { Access, AccessReview } from '../../application/ports/access-review.js';
import type { Logger } from '../../application/ports/logger.js';
import type { KubernetesApis } from './api-clients.js';
import { logFieldsOf } from './api-errors.js';
import { Revisions } from '../support/revisions.js';

export interface AccessReviewOptions {
  readonly refreshMs?: number;
  readonly retryMs?: number;
  readonly now?: () => number;
}

export const DEFAULT_ACCESS_REFRESH_MS = 60_000;
export const DEFAULT_ACCESS_RETRY_MS = 10_000;

interface Question {
  readonly namespace: string;
  readonly group: string;
  readonly resource: string;
}

interface Answer extends Question {
  access: Access;
  attempted: number;
}

const keyOf = ({ namespace, group, resource }: Question) => `${namespace}\n${group}\n${resource}`;
/** Only a denial given or withdrawn changes what the catalog does: 'unknown' and 'allowed' both refuse nothing. */
const refuses = (access: Access) => access === 'denied';

export class KubernetesAccessReview implements AccessReview {
  private readonly answers = new Map<string, Answer>();
  private readonly missed = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly changes = new Revisions();
  private refreshing: Promise<void> | undefined;
  private again: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly apis: Pick<KubernetesApis, 'authorization'>,
    private readonly logger: Logger,
    private readonly options: AccessReviewOptions = {},
  ) {}

  /** Reviews what was asked so far (a failure is logged, not thrown), then again every refreshMs until stop(). */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.refreshMs ?? DEFAULT_ACCESS_REFRESH_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.inFlight]);
  }

  mayCreate(namespace: string, group: string, resource: string): Access {
    const question = { namespace, group, resource };
    const key = keyOf(question);
    const known = this.answers.get(key);
    if (known === undefined) {
      this.answers.set(key, { ...question, access: 'unknown', attempted: Number.NEGATIVE_INFINITY });
      this.ask(key);
    } else if (known.access === 'unknown' && this.now() - known.attempted >= (this.options.retryMs ?? DEFAULT_ACCESS_RETRY_MS)) {
      this.ask(key);
    }
    return known?.access ?? 'unknown';
  }

  /** One pass at a time; calls during a pass share one more pass after it (the answers may predate their cause). */
  refresh(): Promise<void> {
    if (this.refreshing === undefined) {
      this.missed.clear(); // this pass asks them too
      this.refreshing = this.track(this.review([...this.answers.keys()])).finally(() => (this.refreshing = undefined));
      return this.refreshing;
    }
    this.again ??= this.refreshing.then(() => {
      this.again = undefined;
      return this.refresh();
    });
    return this.again;
  }

  revision(): number {
    return this.changes.current;
  }

  onChange(listener: () => void): () => void {
    return this.changes.onChange(listener);
  }

  /** Questions missed in one synchronous run (a catalog assembly) go out as one batch. */
  private ask(key: string): void {
    if (this.missed.size === 0) {
      queueMicrotask(() => {
        const keys = [...this.missed];
        this.missed.clear();
        if (keys.length > 0) void this.track(this.review(keys));
      });
    }
    this.missed.add(key);
  }

  private async review(keys: readonly string[]): Promise<void> {
    const failures: unknown[] = [];
    let changed = false;
    await Promise.all(keys.map(async (key) => {
      const answer = this.answers.get(key);
      if (answer === undefined) return;
      answer.attempted = this.now();
      let access: Access;
      try {
        access = await this.reviewOne(answer);
      } catch (error) {
        failures.push(error);
        return;
      }
      if (refuses(access) !== refuses(answer.access)) changed = true;
      answer.access = access;
    }));
    if (failures.length > 0) {
      this.logger.warn('access review failed; keeping the answers known so far', { failed: failures.length, of: keys.length, ...logFieldsOf(failures[0]) });
    }
    if (!changed) return;
    this.changes.bump();
    const denied = [...this.answers.values()].filter((a) => refuses(a.access)).map((a) => `${a.group || 'core'}/${a.resource} in ${a.namespace}`);
    this.logger.info('access review changed', { denied: denied.sort(), revision: this.changes.current });
  }

  private async reviewOne({ namespace, group, resource }: Question): Promise<Access> {
    const review = await this.apis.authorization.createSelfSubjectAccessReview({
      body: {
        apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { namespace, group, resource, verb: 'create' } },
      },
    });
    // "No opinion" from every authorizer is a refusal too: only an explicit allow lets the create through.
    return review.status?.allowed === true ? 'allowed' : 'denied';
  }

  private track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    return work.finally(() => this.inFlight.delete(work));
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }
}
