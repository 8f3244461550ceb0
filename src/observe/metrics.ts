/**
 * The party node's Prometheus metrics. Everything lives on a registry owned by {@link PartyMetrics}, not on
 * prom-client's global one, so two nodes in one process (tests, local clusters) never share or clash over
 * counters.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** How a session ended. */
export type SessionOutcome = 'ok' | 'failed' | 'timeout' | 'refused' | 'aborted';

/** Every {@link SessionOutcome}, e.g. for pre-initialising label sets. */
export const SESSION_OUTCOMES: readonly SessionOutcome[] = ['ok', 'failed', 'timeout', 'refused', 'aborted'];

/** Round-duration buckets in seconds: from 1 ms (a local round) to 30 s (a round waiting on a slow peer). */
export const ROUND_DURATION_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/** Session-duration buckets in seconds: a whole session spans several rounds, so the range reaches 2 min. */
export const SESSION_DURATION_BUCKETS: readonly number[] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Options of {@link PartyMetrics}. */
export interface PartyMetricsOptions {
  /** Also register Node's process metrics (CPU, memory, event loop, GC); default true. */
  defaultMetrics?: boolean;
}

/** The node's metrics and the registry that exposes them. */
export class PartyMetrics {
  /** The registry all of this node's metrics are registered on. */
  readonly registry = new Registry();
  private readonly sessions: Counter<'kind' | 'outcome'>;
  private readonly rounds: Histogram<'kind' | 'round'>;
  private readonly sessionDuration: Histogram<'kind'>;
  private readonly peers: Gauge;
  private readonly active: Gauge;
  /** Tracked here so that an unmatched `sessionEnded` cannot drive the gauge below zero. */
  private activeCount = 0;

  constructor(options: PartyMetricsOptions = {}) {
    const registers = [this.registry];
    this.sessions = new Counter({
      name: 'mpc_sessions_total',
      help: 'Sessions ended, by protocol kind and outcome',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    this.rounds = new Histogram({
      name: 'mpc_round_duration_seconds',
      help: 'Time to complete one protocol round, by kind and round number',
      labelNames: ['kind', 'round'],
      buckets: [...ROUND_DURATION_BUCKETS],
      registers,
    });
    this.sessionDuration = new Histogram({
      name: 'mpc_session_duration_seconds',
      help: 'Time from a session start to its end, by kind',
      labelNames: ['kind'],
      buckets: [...SESSION_DURATION_BUCKETS],
      registers,
    });
    this.peers = new Gauge({ name: 'mpc_peers_connected', help: 'Peers currently connected', registers });
    this.active = new Gauge({ name: 'mpc_sessions_active', help: 'Sessions currently running', registers });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Content type of {@link metricsText}, for the HTTP response. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Records that a session of `kind` (e.g. `keygen`, `sign`) started. */
  sessionStarted(_kind: string): void {
    this.activeCount += 1;
    this.active.set(this.activeCount);
  }

  /** Records that a session of `kind` ended with `outcome` after `seconds`. */
  sessionEnded(kind: string, outcome: SessionOutcome, seconds: number): void {
    this.activeCount = Math.max(0, this.activeCount - 1);
    this.active.set(this.activeCount);
    this.sessions.inc({ kind, outcome });
    this.sessionDuration.observe({ kind }, seconds);
  }

  /** Records that `round` of a `kind` session took `seconds`. */
  roundDone(kind: string, round: number | string, seconds: number): void {
    this.rounds.observe({ kind, round: String(round) }, seconds);
  }

  /** Sets the number of currently connected peers. */
  setPeers(n: number): void {
    this.peers.set(n);
  }

  /** The Prometheus text exposition of every metric on this node's registry. */
  metricsText(): Promise<string> {
    return this.registry.metrics();
  }
}
