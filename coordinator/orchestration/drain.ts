/**
 * A coordinator's stop without losing work: once draining, new keygens and signings are refused (503), running
 * ones may finish until shortly before the deadline, then the rest are cancelled (their outcome still recorded).
 */
import type { Log } from '../../src/runtime/logger.js';
import { CoordinatorError } from '../errors.js';
import type { Verdict } from './attempt.js';

/** Before its drain deadline, a stopping coordinator cancels the sessions still running this long ahead. */
const CANCEL_MARGIN_MS = 1_500;

/** Counts the requests being served and drains them. */
export class Drain {
  private running = 0;
  private draining = false;
  /** When the last request ended (performance.now()). */
  private lastEnd = 0;

  constructor(private readonly log: Log) {}

  /** True once {@link drain} was called. */
  get isDraining(): boolean {
    return this.draining;
  }

  /** Runs one keygen or signing request, counted; refused (503) once draining. */
  async serve<T>(work: () => Promise<T>): Promise<T> {
    if (this.draining) throw new CoordinatorError('UNAVAILABLE', 'the coordinator is stopping; retry shortly');
    this.running++;
    return work().finally(() => {
      this.running--;
      this.lastEnd = performance.now();
    });
  }

  /** True when no request is served and none ended in the last `quietMs`, and not draining (background work). */
  isIdle(quietMs: number): boolean {
    return !this.draining && this.running === 0 && performance.now() - this.lastEnd >= quietMs;
  }

  /**
   * Refuses new work and waits for the running requests, at most `deadlineMs`; shortly before the deadline calls
   * `cancel` (which ends the running attempts) and waits for those requests to answer.
   */
  async drain(deadlineMs: number, cancel: () => void): Promise<{ finished: boolean }> {
    this.draining = true;
    const until = Date.now() + deadlineMs;
    const wait = async (t: number) => {
      while (this.running > 0 && Date.now() < t) await new Promise((r) => setTimeout(r, 20));
    };
    // the cancelled requests still answer (503) and record their outcome within the deadline
    await wait(until - Math.min(CANCEL_MARGIN_MS, deadlineMs / 2));
    const finished = this.running === 0;
    if (!finished) {
      this.log.warn({ running: this.running }, 'drain deadline near; cancelling the running sessions');
      cancel();
      await wait(until);
    }
    return { finished };
  }

  /** A session cancelled by a drain answers 503 (retry shortly, elsewhere or after the restart), not 504. */
  stoppingError(verdict: Verdict<unknown>, sessionId: string): CoordinatorError | undefined {
    if (!this.draining || verdict.kind !== 'timeout' || verdict.silent.length > 0) return undefined;
    return new CoordinatorError('UNAVAILABLE', 'the coordinator is stopping; the session was cancelled, retry', {
      sessionId,
    });
  }
}
