/**
 * One attempt of a session: announce a signed record to its parties, then gather their signed results until a
 * verdict is possible or the deadline passes. Results that arrive after the verdict are still logged, until
 * every party has reported or the deadline has passed.
 *
 * Verdicts: `ok` (the caller's judge accepted the results), `failed` (a party reported a failed protocol
 * check with a culprit, or the judge rejected a result — culprits named), `timeout` (the attempt ended for
 * unavailability: a party reported a timeout, refused the announcement, disconnected, aborted, had banned a peer,
 * or stayed silent — the silent parties named, so a retry can exclude them).
 */
import { equalBytes } from '../../protocols/common/bytes.js';
import type { Ack } from '../../protocols/control/ack.js';
import type { PartyRole, SessionResult } from '../../protocols/control/control.js';
import type { SessionRecord, SignedRecord } from '../../protocols/control/record.js';
import { peerIdOf } from '../../src/runtime/peer-ids.js';

/** How an attempt ended. */
export type Verdict<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'failed'; code: string; message: string; culprits: string[] }
  | { kind: 'timeout'; message: string; silent: string[] };

/**
 * How long an unavailability verdict drawn from results waits for the parties that have not reported yet: a
 * party whose peer broke off reports NETWORK naming that peer, often just before the peer reports the failed
 * check (with its culprit) that made it break off — and the failed check is the verdict, final, never retried.
 */
export const UNAVAILABLE_GRACE_MS = 1_500;

/** What a judge says of the results so far: a verdict, or undefined to keep waiting. */
export type Judge<T> = (results: ReadonlyMap<string, SessionResult>, latest: string) => Verdict<T> | undefined;

/** What an attempt needs from its surroundings. */
export interface AttemptIo {
  /** Sends the record to one party. */
  announce(partyId: string, signed: SignedRecord): Promise<Ack>;
  /** Publishes the record on the session topic, for a party that misses the direct copy (never throws). */
  publish(signed: SignedRecord): void;
  /** Appends an event to the session's log (never blocks the attempt). */
  event(type: string, detail: Record<string, unknown>, partyId?: string): void;
}

/** A party and its key-share index, as a record names it. */
export interface PartyIndex {
  readonly partyId: string;
  readonly index: number;
  /** The party's role in the session, stated in the record. */
  readonly role?: PartyRole;
}

/**
 * The party id of a record index: a record names every party by its key-share index, so the index a result
 * reports (a culprit) is looked up in the record, never recomputed from a party's position.
 */
export function partyAtIndex(
  record: SessionRecord,
  partyIds: readonly string[],
): (index: number) => string | undefined {
  const byIndex = new Map<number, string>();
  for (const id of partyIds) byIndex.set(indexOf(record, id), id);
  return (index) => byIndex.get(index);
}

/** The record index of `partyId`; throws when the record does not name it (a caller's bug). */
export function indexOf(record: SessionRecord, partyId: string): number {
  const bytes = peerIdOf(partyId).toMultihash().bytes;
  const party = record.parties.find((p) => equalBytes(p.peerId, bytes));
  if (!party) throw new Error(`the record does not name party ${partyId}`);
  return party.index;
}

/** An attempt in flight, registered so that incoming results find it. */
export class Attempt<T> {
  private readonly results = new Map<string, SessionResult>();
  private readonly expected: Set<string>;
  /** Party id of a record index, when it names one. */
  readonly partyAt: (index: number) => string | undefined;
  private readonly verdict = Promise.withResolvers<Verdict<T>>();
  private decided = false;
  private timer: NodeJS.Timeout | undefined;
  /** An unavailability verdict waiting {@link UNAVAILABLE_GRACE_MS} for a failed check to overrule it. */
  private pending: { verdict: Verdict<T>; timer: NodeJS.Timeout } | undefined;
  /** Resolves when every party reported or the deadline passed (for late logging and clean-up). */
  readonly settled = Promise.withResolvers<void>();

  constructor(
    readonly signed: SignedRecord,
    readonly parties: readonly string[],
    private readonly judge: Judge<T>,
    private readonly io: AttemptIo,
  ) {
    this.expected = new Set(parties);
    this.partyAt = partyAtIndex(signed.record, parties);
  }

  /**
   * Announces to every party directly, then on gossip when a direct copy was not accepted, and waits for the
   * verdict (at most `timeoutMs`).
   * Answers are handled as they come: a party that refuses or cannot be reached ends the attempt as a timeout
   * naming it, without waiting for slower answers.
   */
  run(timeoutMs: number): Promise<Verdict<T>> {
    this.timer = setTimeout(() => this.expire(), timeoutMs);
    const answers = this.parties.map((p) =>
      this.io.announce(p, this.signed).then((a) => {
        if (a.ok) {
          this.io.event('party-joined', {}, p);
          return true;
        }
        this.io.event('party-refused', { code: a.code, message: a.message }, p);
        this.decide({ kind: 'timeout', message: `party ${p} refused the session: ${a.code}`, silent: [p] });
        return false;
      }),
    );
    // the gossip copy serves a party that missed its direct copy: sent once the direct ones are answered (so it
    // does not compete with them for the parties' CPU), and only when one was not accepted — every party that
    // accepted its direct copy would only check it and drop it
    void Promise.allSettled(answers).then((all) => {
      if (all.some((a) => a.status === 'rejected' || !a.value)) this.io.publish(this.signed);
    });
    this.io.event('announced', { parties: this.parties.length });
    return this.verdict.promise;
  }

  /** Takes a verified result from `partyId`; false when the party is not part of this attempt. */
  offer(partyId: string, result: SessionResult): boolean {
    if (!this.expected.has(partyId) || this.results.has(partyId)) return false;
    this.results.set(partyId, result);
    const culprits = (result.error?.culprits ?? []).map((i) => this.partyAt(i) ?? `index ${i}`);
    this.io.event(
      result.status === 'timeout' ? 'round-timeout' : 'party-result',
      {
        status: result.status,
        ...(result.error ? { code: result.error.code, round: result.error.round, culprits } : {}),
      },
      partyId,
    );
    if (!this.decided) {
      const v = this.judge(this.results, partyId);
      const all = this.results.size === this.expected.size;
      if (v?.kind === 'timeout' && !all) this.hold(v);
      else if (v) this.decide(v);
      else if (all && this.pending) this.decide(this.pending.verdict);
    }
    if (this.results.size === this.expected.size) this.finish();
    return true;
  }

  /** Holds an unavailability verdict for {@link UNAVAILABLE_GRACE_MS} (the first one held keeps its clock). */
  private hold(v: Verdict<T>): void {
    if (this.pending) {
      this.pending.verdict = v;
      return;
    }
    const timer = setTimeout(() => this.pending && this.decide(this.pending.verdict), UNAVAILABLE_GRACE_MS);
    this.pending = { verdict: v, timer };
  }

  /**
   * `partyId` disconnected from the coordinator: when it is named here and has not reported, the attempt ends now
   * with it as silent (its peers would only wait for it until their round deadline).
   */
  partyGone(partyId: string): void {
    if (this.decided || !this.expected.has(partyId) || this.results.has(partyId)) return;
    this.io.event('party-disconnected', {}, partyId);
    this.decide({ kind: 'timeout', message: `party ${partyId} disconnected during the session`, silent: [partyId] });
  }

  private expire(): void {
    const silent = this.parties.filter((p) => !this.results.has(p));
    if (!this.decided && this.pending) this.decide(this.pending.verdict);
    if (!this.decided) {
      this.decide({ kind: 'timeout', message: `no result from ${silent.length} part(ies) in time`, silent });
    }
    this.finish();
  }

  private decide(v: Verdict<T>): void {
    if (this.decided) return;
    this.decided = true;
    clearTimeout(this.pending?.timer);
    this.verdict.resolve(v);
  }

  private finish(): void {
    clearTimeout(this.timer);
    this.settled.resolve();
  }

  /** Ends the attempt now (coordinator stopping). */
  cancel(): void {
    this.decide({ kind: 'timeout', message: 'the coordinator is stopping', silent: [] });
    this.finish();
  }
}

/**
 * Failure codes that say a peer was unreachable or silent rather than that a check failed (the party node's
 * SessionError codes): they are handled like timeouts, so a signing may be retried without that peer.
 */
export const UNAVAILABILITY_CODES: ReadonlySet<string> = new Set([
  'TIMEOUT',
  'NETWORK',
  'REFUSED',
  'ABORTED',
  // two signers held different pair states (one had re-paired): found before any OT check; a retry runs anew
  'STATE_MISMATCH',
  // the reporter has banned a peer of the session (the culprit): that pair cannot sign, another set can
  'BANNED',
  // the reporter failed on its own (a store error, stopping): no check failed, leave the reporter out
  'INTERNAL',
]);

/**
 * Codes with which the reporter speaks of itself when it names no culprit: it aborted (stopping), refused (at its
 * limit, stopping) or failed internally. The reporter is the party to leave out of a retry.
 */
const SELF_CODES: ReadonlySet<string> = new Set(['ABORTED', 'REFUSED', 'INTERNAL']);

/**
 * The verdict of results that are not all `ok`: a `failed` result with a check's code is a failed check
 * (culprits as reported, never retried); a `timeout` result, or a failure for unavailability, names the parties
 * it waited on as silent. Undefined when every result so far is ok.
 */
export function verdictOfFailures(
  results: ReadonlyMap<string, SessionResult>,
  partyAt: (index: number) => string | undefined,
): Verdict<never> | undefined {
  const named = (r: SessionResult) =>
    (r.error?.culprits ?? []).map(partyAt).filter((p): p is string => p !== undefined);
  for (const [from, r] of results) {
    if (r.status === 'failed' && !UNAVAILABILITY_CODES.has(r.error?.code ?? '')) {
      return {
        kind: 'failed',
        code: r.error?.code ?? 'FAILED',
        message: `party ${from} reported ${r.error?.code ?? 'a failure'} in round ${r.error?.round ?? 0}`,
        culprits: named(r),
      };
    }
  }
  for (const [from, r] of results) {
    if (r.status !== 'ok') {
      const what = r.error?.code ?? 'TIMEOUT';
      const culprits = named(r);
      const silent = culprits.length > 0 ? culprits : SELF_CODES.has(what) ? [from] : [];
      return { kind: 'timeout', message: `party ${from} reported ${what}`, silent };
    }
  }
  return undefined;
}
