/**
 * Prometheus metrics of every node process. Each process (and each node of a test that runs several in one
 * process) owns a registry, never prom-client's global one, so nodes never share or clash over counters.
 * {@link NodeMetrics} sets the registry up with what both the party node and the coordinator count — sessions
 * by kind and outcome, and their durations — and each side adds its own metrics on top.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** How a session ended, as the party node and the coordinator count it. */
export type SessionOutcome = 'ok' | 'failed' | 'timeout' | 'refused' | 'aborted';

/** Every {@link SessionOutcome}, e.g. for pre-initialising label sets. */
export const SESSION_OUTCOMES: readonly SessionOutcome[] = ['ok', 'failed', 'timeout', 'refused', 'aborted'];

/** What the owner of a metrics registry chooses (the party node's and the coordinator's constructors take it). */
export interface MetricsOptions {
  /** Also register Node's process metrics (CPU, memory, event loop, GC). @default true */
  readonly defaultMetrics?: boolean;
}

/** Options of {@link NodeMetrics}. */
export interface NodeMetricsInit extends MetricsOptions {
  /** Prefix of the metric names, e.g. `mpc` gives `mpc_sessions_total`. */
  readonly prefix: string;
  /** Buckets of the session-duration histogram, in seconds. */
  readonly sessionBuckets: readonly number[];
}

/** A process's metrics registry with the session metrics every node process keeps. */
export class NodeMetrics {
  /** The registry all of this node's metrics are registered on. */
  readonly registry = new Registry();
  private readonly sessions: Counter<'kind' | 'outcome'>;
  private readonly sessionDuration: Histogram<'kind'>;

  constructor(init: NodeMetricsInit) {
    this.sessions = this.counter(`${init.prefix}_sessions_total`, 'Sessions ended, by kind and outcome', [
      'kind',
      'outcome',
    ]);
    this.sessionDuration = this.histogram(
      `${init.prefix}_session_duration_seconds`,
      'Time from a session start to its end, by kind',
      ['kind'],
      init.sessionBuckets,
    );
    if (init.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** A counter on this registry. */
  protected counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /** A histogram on this registry, with `buckets` in seconds. */
  protected histogram<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets: readonly number[],
  ): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets: [...buckets], registers: [this.registry] });
  }

  /** A gauge without labels on this registry. */
  protected gauge(name: string, help: string): Gauge {
    return new Gauge({ name, help, registers: [this.registry] });
  }

  /** Content type of {@link metricsText}, for the HTTP response. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Records that a session of `kind` (e.g. `keygen`, `sign`) ended with `outcome` after `seconds`. */
  sessionEnded(kind: string, outcome: SessionOutcome, seconds: number): void {
    this.sessions.inc({ kind, outcome });
    this.sessionDuration.observe({ kind }, seconds);
  }

  /** The Prometheus text exposition of every metric on this registry. */
  metricsText(): Promise<string> {
    return this.registry.metrics();
  }
}
