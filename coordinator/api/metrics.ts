/**
 * The coordinator's Prometheus metrics: the session metrics of {@link NodeMetrics} (`coordinator_sessions_total`,
 * `coordinator_session_duration_seconds`, which orchestration reports through {@link SessionMetrics}), plus
 * HTTP requests and latency of the REST API, and the banned pairs the parties reported.
 */
import type { Counter, Gauge, Histogram } from 'prom-client';
import { type MetricsOptions, NodeMetrics } from '../../src/runtime/metrics.js';
import type { SessionMetrics } from '../service.js';

/** HTTP latency buckets in seconds: reads answer in milliseconds, a keygen or signing request takes seconds. */
export const HTTP_DURATION_BUCKETS: readonly number[] = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

/** Session-duration buckets in seconds: a session spans several network rounds, and a retry can reach minutes. */
export const SESSION_DURATION_BUCKETS: readonly number[] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** The `route` label of a request that matched no route: one value, so probes cannot explode the label set. */
export const UNMATCHED_ROUTE = 'unmatched';

/** The coordinator's metrics and the registry that exposes them. */
export class CoordinatorMetrics extends NodeMetrics implements SessionMetrics {
  private readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  private readonly httpDuration: Histogram<'method' | 'route'>;
  private readonly apiKeyFailures: Counter<'reason'>;
  private readonly apiKeyLockouts: Counter;
  private readonly bannedPairsGauge: Gauge;

  constructor(options: MetricsOptions = {}) {
    super({ prefix: 'coordinator', sessionBuckets: SESSION_DURATION_BUCKETS, ...options });
    this.httpRequests = this.counter(
      'coordinator_http_requests_total',
      'REST API requests, by method, route template and status',
      ['method', 'route', 'status'],
    );
    this.httpDuration = this.histogram(
      'coordinator_http_request_duration_seconds',
      'REST API request latency, by method and route template',
      ['method', 'route'],
      HTTP_DURATION_BUCKETS,
    );
    this.apiKeyFailures = this.counter(
      'coordinator_api_key_failures_total',
      'Requests refused for a missing or invalid X-API-Key, by reason',
      ['reason'],
    );
    this.apiKeyLockouts = this.counter(
      'coordinator_api_key_lockouts_total',
      'Client addresses locked out (429) after too many failed API-key attempts',
      [],
    );
    this.bannedPairsGauge = this.gauge(
      'coordinator_banned_pairs',
      'Pairs of parties one of which reported it has banned the other (never chosen together)',
    );
  }

  /** Counts a request refused for its API key (`missing` or `invalid`). */
  apiKeyFailure(reason: 'missing' | 'invalid'): void {
    this.apiKeyFailures.inc({ reason });
  }

  /** Counts an address locked out after too many failed API-key attempts. */
  apiKeyLockout(): void {
    this.apiKeyLockouts.inc();
  }

  /** The number of banned pairs the parties reported. */
  bannedPairs(count: number): void {
    this.bannedPairsGauge.set(count);
  }

  /**
   * Records one HTTP request. `route` must be the route template (`/api/v1/accounts/:accountId`) or
   * {@link UNMATCHED_ROUTE}, never the raw path, which would make one series per account.
   */
  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpRequests.inc({ method, route, status: String(status) });
    this.httpDuration.observe({ method, route }, seconds);
  }
}
