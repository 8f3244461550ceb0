/**
 * The party node's Prometheus metrics: the session metrics of {@link NodeMetrics} (`mpc_sessions_total`,
 * `mpc_session_duration_seconds`), plus round durations, connected peers and running sessions.
 */
import type { Gauge, Histogram } from 'prom-client';
import { type MetricsOptions, NodeMetrics, type SessionOutcome } from '../runtime/metrics.js';

/** Round-duration buckets in seconds: from 1 ms (a local round) to 30 s (a round waiting on a slow peer). */
export const ROUND_DURATION_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/** Session-duration buckets in seconds: a whole session spans several rounds, so the range reaches 2 min. */
export const SESSION_DURATION_BUCKETS: readonly number[] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** The party node's metrics and the registry that exposes them. */
export class PartyMetrics extends NodeMetrics {
  private readonly rounds: Histogram<'kind' | 'round'>;
  private readonly peers: Gauge;
  private readonly active: Gauge;
  /** Tracked here so that an unmatched `sessionEnded` cannot drive the gauge below zero. */
  private activeCount = 0;

  constructor(options: MetricsOptions = {}) {
    super({ prefix: 'mpc', sessionBuckets: SESSION_DURATION_BUCKETS, ...options });
    this.rounds = this.histogram(
      'mpc_round_duration_seconds',
      'Time to complete one protocol round, by kind and round number',
      ['kind', 'round'],
      ROUND_DURATION_BUCKETS,
    );
    this.peers = this.gauge('mpc_peers_connected', 'Peers currently connected');
    this.active = this.gauge('mpc_sessions_active', 'Sessions currently running');
  }

  /** Records that a session of `kind` (e.g. `keygen`, `sign`) started. */
  sessionStarted(_kind: string): void {
    this.activeCount += 1;
    this.active.set(this.activeCount);
  }

  /** Records that a session of `kind` ended with `outcome` after `seconds`. */
  override sessionEnded(kind: string, outcome: SessionOutcome, seconds: number): void {
    this.activeCount = Math.max(0, this.activeCount - 1);
    this.active.set(this.activeCount);
    super.sessionEnded(kind, outcome, seconds);
  }

  /** Records that `round` of a `kind` session took `seconds`. */
  roundDone(kind: string, round: number | string, seconds: number): void {
    this.rounds.observe({ kind, round: String(round) }, seconds);
  }

  /** Sets the number of currently connected peers. */
  setPeers(n: number): void {
    this.peers.set(n);
  }
}
