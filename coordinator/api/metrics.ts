/**
 * The coordinator's Prometheus metrics: HTTP requests and latency of the REST API, and the keygen/sign sessions
 * orchestration reports through {@link SessionMetrics}. Everything lives on a registry owned by
 * {@link CoordinatorMetrics}, not prom-client's global one, so two coordinators in one process (tests) never
 * share or clash over counters.
 */
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { SessionMetrics } from '../service.js';

/** HTTP latency buckets in seconds: reads answer in milliseconds, a keygen or signing request takes seconds. */
export const HTTP_DURATION_BUCKETS: readonly number[] = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

/** Session-duration buckets in seconds: a session spans several network rounds, and a retry can reach minutes. */
export const SESSION_DURATION_BUCKETS: readonly number[] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** The `route` label of a request that matched no route: one value, so probes cannot explode the label set. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Options of {@link CoordinatorMetrics}. */
export interface CoordinatorMetricsOptions {
  /** Also register Node's process metrics (CPU, memory, event loop, GC); default true. */
  defaultMetrics?: boolean;
}

/** The coordinator's metrics and the registry that exposes them. */
export class CoordinatorMetrics implements SessionMetrics {
  /** The registry all of this coordinator's metrics are registered on. */
  readonly registry = new Registry();
  private readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  private readonly httpDuration: Histogram<'method' | 'route'>;
  private readonly sessions: Counter<'kind' | 'outcome'>;
  private readonly sessionDuration: Histogram<'kind'>;

  constructor(options: CoordinatorMetricsOptions = {}) {
    const registers = [this.registry];
    this.httpRequests = new Counter({
      name: 'coordinator_http_requests_total',
      help: 'REST API requests, by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'coordinator_http_request_duration_seconds',
      help: 'REST API request latency, by method and route template',
      labelNames: ['method', 'route'],
      buckets: [...HTTP_DURATION_BUCKETS],
      registers,
    });
    this.sessions = new Counter({
      name: 'coordinator_sessions_total',
      help: 'Keygen and signing sessions ended, by kind and outcome',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    this.sessionDuration = new Histogram({
      name: 'coordinator_session_duration_seconds',
      help: 'Time from a session start to its end, by kind',
      labelNames: ['kind'],
      buckets: [...SESSION_DURATION_BUCKETS],
      registers,
    });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Content type of {@link metricsText}, for the HTTP response. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * Records one HTTP request. `route` must be the route template (`/api/v1/accounts/:accountId`) or
   * {@link UNMATCHED_ROUTE}, never the raw path, which would make one series per account.
   */
  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpRequests.inc({ method, route, status: String(status) });
    this.httpDuration.observe({ method, route }, seconds);
  }

  /** Records that a session of `kind` ended with `outcome` (`ok`, `failed`, `timeout`, `unavailable`). */
  sessionEnded(kind: 'keygen' | 'sign', outcome: string, seconds: number): void {
    this.sessions.inc({ kind, outcome });
    this.sessionDuration.observe({ kind }, seconds);
  }

  /** The Prometheus text exposition of every metric on this registry. */
  metricsText(): Promise<string> {
    return this.registry.metrics();
  }
}
