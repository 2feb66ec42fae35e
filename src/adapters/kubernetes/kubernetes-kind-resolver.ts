/**
 * The KindResolver port on the apiserver's discovery: GET /api/v1, /apis and
 * /apis/GROUP/VERSION for each served group version, read into one table.
 * Refreshed every `refreshMs` (a CRD installed or removed), and sooner when
 * a lookup misses (a template naming a CRD that was just installed), at most
 * once per `missRefreshMs`. Listeners hear only of changes.
 *
 * Failure policy: a failed discovery keeps the last table (the cluster did
 * not stop serving anything because one request failed) and is a warning;
 * before the first success the built-in kinds are assumed, so entries on
 * custom resources wait for discovery while the others serve. One group
 * version failing (an aggregated API whose backend is down, say
 * metrics.k8s.io) keeps what was last known of that group version only:
 * the others, a newly installed CRD's among them, are still read.
 */
import type { KindResolver, KindScope } from '../../application/ports/kind-resolver.js';
import type { Logger } from '../../application/ports/logger.js';
import { BUILT_IN_KINDS, resourceTable, scopeTable, type KindInfo } from '../../domain/built-in-kinds.js';
import type { KubernetesApis } from './api-clients.js';
import { logFieldsOf } from './api-errors.js';
import { Revisions } from '../support/revisions.js';

export interface KindResolverOptions {
  readonly refreshMs?: number;
  readonly missRefreshMs?: number;
  readonly now?: () => number;
}

export const DEFAULT_REFRESH_MS = 60_000;
export const DEFAULT_MISS_REFRESH_MS = 10_000;

export class KubernetesKindResolver implements KindResolver {
  private table = scopeTable(BUILT_IN_KINDS);
  private resources = resourceTable(BUILT_IN_KINDS);
  private known: readonly KindInfo[] = BUILT_IN_KINDS;
  private signature = '';
  private readonly changes = new Revisions();
  private lastAttempt = Number.NEGATIVE_INFINITY;
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly apis: Pick<KubernetesApis, 'core' | 'groups' | 'objects'>,
    private readonly logger: Logger,
    private readonly options: KindResolverOptions = {},
  ) {}

  /** Discovers once (a failure is logged, not thrown), then keeps refreshing until stop(). */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.refreshMs ?? DEFAULT_REFRESH_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  lookup(apiVersion: string, kind: string): KindScope {
    const scope = this.table(apiVersion, kind);
    if (scope === 'unknown' && this.now() - this.lastAttempt >= (this.options.missRefreshMs ?? DEFAULT_MISS_REFRESH_MS)) void this.refresh();
    return scope;
  }

  resourceOf(apiVersion: string, kind: string): string | undefined {
    return this.resources(apiVersion, kind);
  }

  revision(): number {
    return this.changes.current;
  }

  onChange(listener: () => void): () => void {
    return this.changes.onChange(listener);
  }

  /** One discovery at a time; a caller arriving during one shares it. */
  refresh(): Promise<void> {
    this.running ??= this.discover().finally(() => (this.running = undefined));
    return this.running;
  }

  private async discover(): Promise<void> {
    this.lastAttempt = this.now();
    let kinds: KindInfo[];
    try {
      kinds = await this.servedKinds();
    } catch (error) {
      this.logger.warn('API discovery failed; keeping the kinds known so far', logFieldsOf(error));
      return;
    }
    const signature = kinds.map((k) => `${k.apiVersion} ${k.kind} ${k.namespaced} ${k.resource ?? ''}`).sort().join('\n');
    if (signature === this.signature) return;
    this.signature = signature;
    this.known = kinds;
    this.table = scopeTable(kinds);
    this.resources = resourceTable(kinds);
    this.changes.bump();
    this.logger.info('API discovery changed', { kinds: kinds.length, revision: this.changes.current });
  }

  private async servedKinds(): Promise<KindInfo[]> {
    const groups = await this.apis.groups.getAPIVersions();
    const groupVersions = ['v1', ...groups.groups.flatMap((group) => group.versions.map((v) => v.groupVersion))];
    const failed: string[] = [];
    let lastError: unknown;
    const lists = await Promise.all(groupVersions.map(async (groupVersion) => {
      try {
        const list = await this.apis.objects.resourcesOf(groupVersion);
        return (list?.resources ?? [])
          // Subresources (deployments/scale, pods/status) are not kinds of their own.
          .filter((resource) => !resource.name.includes('/'))
          .map((resource) => ({ apiVersion: groupVersion, kind: resource.kind, namespaced: resource.namespaced, resource: resource.name }));
      } catch (error) {
        failed.push(groupVersion);
        lastError = error;
        return this.known.filter((k) => k.apiVersion === groupVersion);
      }
    }));
    // The core group is every template's foundation: without it there is no answer to keep.
    if (failed.includes('v1')) throw lastError;
    if (failed.length > 0) {
      this.logger.warn('API discovery failed for some group versions; keeping what was known of them', { groupVersions: failed.sort(), ...logFieldsOf(lastError) });
    }
    return lists.flat();
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }
}
