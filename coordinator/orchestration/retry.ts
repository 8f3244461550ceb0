/**
 * The one retry rule of keygens and signings: an attempt that ended for unavailability (parties silent, refused
 * for a ban, gone) runs again without the parties it names while attempts remain; a failed protocol check with a
 * culprit is final and never retried.
 */
import type { Log } from '../../src/runtime/logger.js';
import type { Verdict } from './attempt.js';
import type { Journal } from './journal.js';

/**
 * Whether the attempt journalled in `journal` is to run again. If so, adds its silent parties to `excluded`,
 * records the retry in the journal (flushed) and logs it.
 */
export async function retryWithoutSilent(
  log: Log,
  what: 'keygen' | 'signing',
  verdict: Verdict<unknown>,
  attemptsLeft: boolean,
  excluded: Set<string>,
  journal: Journal,
): Promise<boolean> {
  if (verdict.kind !== 'timeout' || !attemptsLeft || verdict.silent.length === 0) return false;
  for (const p of verdict.silent) excluded.add(p);
  journal.event('retry', { excluded: verdict.silent });
  await journal.flush();
  log.warn(
    { session: journal.sessionId, silent: verdict.silent, reason: verdict.message },
    `${what} attempt ended for unavailability; retrying without the silent parties`,
  );
  return true;
}
