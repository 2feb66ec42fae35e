/**
 * The broker's numbers in Prometheus form, on a registry of its own (so
 * several brokers in one process, as in tests, never collide). Every label
 * value comes from a small fixed set: OSB operation names, status codes,
 * port method names, error kinds. No instance or binding id, namespace or
 * path ever becomes a label, so the series count stays bounded and the
 * output carries nothing a tenant could be identified by.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Metrics, ReconcileCounts } from '../../application/ports/metrics.js';
import type { ErrorKind } from '../../domain/errors.js';
import type { OperationState, OperationType } from '../../domain/records.js';

/** Read at scrape time: what the broker holds now. */
export interface MetricsSources {
  /** Async operations running in this process. */
  runningOperations(): number;
  /** Catalog entries refused by the current configuration. */
  catalogProblems(): number;
}

/** Ends of accepted operations: seconds to minutes (rollouts), sometimes longer after an outage. */
const OPERATION_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class PromMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'operation' | 'code'>;
  private readonly requestSeconds: Histogram<'operation'>;
  private readonly operationSeconds: Histogram<'type' | 'outcome'>;
  private readonly resumed: Counter;
  private readonly passes: Counter<'outcome'>;
  private readonly lastPass: Gauge<'state'>;
  private readonly storeErrors: Counter<'operation' | 'kind'>;
  private readonly clusterErrors: Counter<'operation' | 'kind'>;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'mesitis_osb_requests_total', help: 'OSB requests answered, by operation ("unknown" when refused before one was recognised) and HTTP status code.',
      labelNames: ['operation', 'code'], registers,
    });
    this.requestSeconds = new Histogram({
      name: 'mesitis_osb_request_duration_seconds', help: 'Time to answer an OSB request, by operation.',
      labelNames: ['operation'], buckets: REQUEST_BUCKETS, registers,
    });
    this.operationSeconds = new Histogram({
      name: 'mesitis_operation_duration_seconds', help: 'Accepted operations from start to their end (succeeded or failed), including time lost to crashes and outages.',
      labelNames: ['type', 'outcome'], buckets: OPERATION_BUCKETS, registers,
    });
    new Gauge({
      name: 'mesitis_operations_running', help: 'Asynchronous operations this broker process is running now.', registers,
      collect() { this.set(sources.runningOperations()); },
    });
    this.resumed = new Counter({ name: 'mesitis_operations_resumed_total', help: 'Interrupted operations taken up by the reconciler.', registers });
    this.passes = new Counter({
      name: 'mesitis_reconcile_passes_total', help: 'Reconciler passes, by outcome ("error": the records could not be listed).',
      labelNames: ['outcome'], registers,
    });
    this.lastPass = new Gauge({
      name: 'mesitis_reconcile_last_pass_operations',
      help: 'The last reconciler pass: records owing work (pending), taken up by this replica (resumed), not finished this time (failed).',
      labelNames: ['state'], registers,
    });
    new Gauge({
      name: 'mesitis_catalog_problems', help: 'Catalog entries refused by the current configuration (see /admin/catalog/problems).', registers,
      collect() { this.set(sources.catalogProblems()); },
    });
    this.storeErrors = new Counter({
      name: 'mesitis_state_store_errors_total', help: 'Failed state store calls, by port method and error kind.',
      labelNames: ['operation', 'kind'], registers,
    });
    this.clusterErrors = new Counter({
      name: 'mesitis_cluster_api_errors_total', help: 'Failed Kubernetes API calls for consumer objects, by port method and error kind.',
      labelNames: ['operation', 'kind'], registers,
    });
    this.zero();
  }

  operationFinished(type: OperationType, outcome: Exclude<OperationState, 'in progress'>, seconds: number): void {
    this.operationSeconds.observe({ type, outcome }, seconds);
  }

  reconcilePass(report: ReconcileCounts | 'error'): void {
    if (report === 'error') {
      this.passes.inc({ outcome: 'error' });
      return;
    }
    this.passes.inc({ outcome: 'ok' });
    this.resumed.inc(report.resumed);
    for (const state of ['pending', 'resumed', 'failed'] as const) this.lastPass.set({ state }, report[state]);
  }

  /** One OSB request answered; `operation` must be one of the route names, never a path. */
  requestFinished(operation: string, code: number, seconds: number): void {
    this.requests.inc({ operation, code: String(code) });
    this.requestSeconds.observe({ operation }, seconds);
  }

  storeError(operation: string, kind: ErrorKind): void {
    this.storeErrors.inc({ operation, kind });
  }

  clusterError(operation: string, kind: ErrorKind): void {
    this.clusterErrors.inc({ operation, kind });
  }

  /** The text a Prometheus scrape receives. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** Series that alerts compare against exist from the start, at zero, instead of appearing with the first event. */
  private zero(): void {
    for (const type of ['provision', 'deprovision'] as const) {
      for (const outcome of ['succeeded', 'failed'] as const) this.operationSeconds.zero({ type, outcome });
    }
    for (const outcome of ['ok', 'error']) this.passes.inc({ outcome }, 0);
    for (const state of ['pending', 'resumed', 'failed']) this.lastPass.set({ state }, 0);
  }
}
