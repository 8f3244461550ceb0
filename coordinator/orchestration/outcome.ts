/**
 * How an attempt ends on the record: the failure event and session status in the journal, the session metric,
 * and the {@link CoordinatorError} a failed or timed-out attempt becomes for the API.
 */

import type { SessionKind } from '../../protocols/control/record.js';
import { CoordinatorError } from '../errors.js';
import type { SessionMetrics } from '../service.js';
import type { Verdict } from './attempt.js';
import type { Journal } from './journal.js';

/** Where an outcome is recorded. */
export interface OutcomeSinks {
  journal: Journal;
  metrics: SessionMetrics;
}

/** Records the end of an attempt (metrics; for a failure, its event and the session's status). */
export function recordOutcome(
  { journal, metrics }: OutcomeSinks,
  kind: SessionKind,
  verdict: Verdict<unknown>,
  started: number,
): void {
  const seconds = (performance.now() - started) / 1000;
  metrics.sessionEnded(kind, verdict.kind, seconds);
  if (verdict.kind === 'ok') return;
  const error =
    verdict.kind === 'failed'
      ? { code: verdict.code, message: verdict.message, culprits: verdict.culprits }
      : { code: 'TIMEOUT', message: verdict.message, culprits: verdict.silent };
  journal.event('failure', error);
  journal.finish('failed', { error });
}

/**
 * The API error of a verdict that is not ok: `SIGNING_FAILED` (502) naming the reason and culprits of a failed
 * protocol check, `TIMEOUT` (504) naming the silent parties.
 */
export function verdictError(
  verdict: Exclude<Verdict<unknown>, { kind: 'ok' }>,
  sessionId: string,
  what: string,
): CoordinatorError {
  if (verdict.kind === 'failed') {
    return new CoordinatorError('SIGNING_FAILED', `${what} failed: ${verdict.message}`, {
      sessionId,
      reason: verdict.code,
      culprits: verdict.culprits,
    });
  }
  return new CoordinatorError('TIMEOUT', `${what} timed out: ${verdict.message}`, {
    sessionId,
    silent: verdict.silent,
  });
}
