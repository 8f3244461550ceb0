/**
 * The sessions the coordinator runs: each attempt with its journal (the session row and its event log), the
 * routing of parties' results to their attempt, and the signed commit/abort decisions that end a keygen or a
 * reshare. Keygen, signing and reshare all run their attempts through one {@link SessionRuns}.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Ack } from '../../protocols/control/ack.js';
import type { SessionResult } from '../../protocols/control/control.js';
import { signedDecisions } from '../../protocols/control/decision.js';
import { type SessionRecord, type SignedRecord, signedRecords } from '../../protocols/control/record.js';
import { nodeEd25519 } from '../../src/runtime/ed25519.js';
import type { Log } from '../../src/runtime/logger.js';
import type { Repositories } from '../db/types.js';
import type { SessionMetrics, SignatureView } from '../service.js';
import { Attempt, indexOf, type Judge, type Verdict } from './attempt.js';
import { EndedSessions, Journal } from './journal.js';
import type { PartyNetwork } from './orchestrator.js';
import { type OutcomeSinks, recordOutcome } from './outcome.js';

/** Ed25519 for records and decisions (OpenSSL). */
export const ed25519 = nodeEd25519();

/** What {@link SessionRuns} needs. */
export interface SessionRunsInit {
  readonly network: PartyNetwork;
  readonly repos: Repositories;
  /** The coordinator's Ed25519 secret seed (32 bytes), which signs records and decisions. */
  readonly signingKey: Uint8Array;
  readonly metrics: SessionMetrics;
  readonly log: Log;
}

/** The running attempts and their journals; see the module comment. */
export class SessionRuns {
  private readonly attempts = new Map<string, Attempt<unknown>>();
  /** Journals still writing, so that a read of their session waits for them (read-your-writes). */
  private readonly journals = new Map<string, Journal>();
  /** The sessions written whole when they end, a group per statement. */
  private readonly ended: EndedSessions;

  constructor(private readonly o: SessionRunsInit) {
    this.ended = new EndedSessions(o.repos.sessions);
  }

  /** Routes a verified result from `partyId` to its attempt. */
  handleResult(partyId: string, result: SessionResult): Ack {
    const attempt = this.attempts.get(bytesToHex(result.sessionId));
    if (!attempt) return { ok: false, code: 'UNKNOWN_SESSION', message: 'no such session is running' };
    if (!attempt.offer(partyId, result)) {
      return { ok: false, code: 'NOT_NAMED', message: 'this party is not part of the session or already reported' };
    }
    return { ok: true };
  }

  /** Ends every attempt that names `partyId` and waits for its result, with it as silent. */
  partyOffline(partyId: string): void {
    for (const attempt of this.attempts.values()) attempt.partyGone(partyId);
  }

  /** Cancels every running attempt (the coordinator stops). */
  cancelAll(): void {
    for (const a of this.attempts.values()) a.cancel();
  }

  /** Waits until every journal is written. */
  async flushAll(): Promise<void> {
    await Promise.all([...this.journals.values()].map((j) => j.flush()));
  }

  /** The journal of a session still writing, if any. */
  journalOf(sessionId: string): Journal | undefined {
    return this.journals.get(sessionId);
  }

  /** Where an attempt's outcome goes: its journal, the session row, the metrics. */
  sinks(journal: Journal): OutcomeSinks {
    return { journal, metrics: this.o.metrics };
  }

  /**
   * Ends a signing attempt on the record: a released signature's `result` event and completed session row, and
   * for every verdict its outcome (failure event, session status, metric).
   */
  settleSign(journal: Journal, verdict: Verdict<SignatureView>, started: number): void {
    if (verdict.kind === 'ok') {
      journal.event('result', { signatureHex: verdict.value.signatureHex });
      journal.finish('completed', { result: { ...verdict.value.signature } });
    }
    recordOutcome(this.sinks(journal), 'sign', verdict, started);
  }

  /** Signs `record`. */
  sign(record: SessionRecord): SignedRecord {
    return signedRecords.sign(record, this.o.signingKey, ed25519);
  }

  /**
   * Opens the journal of a new attempt: its session row and its `created` event; a signing from a presignature
   * names it in `consumes`, and its inventory row goes with the session row's insert.
   */
  journal(
    signed: SignedRecord,
    accountId: string,
    partyIds: readonly string[],
    attempt: number,
    retryOf: string | null,
    consumes?: string,
  ): Journal {
    const record = signed.record;
    const sessionId = bytesToHex(record.sessionId);
    const journal = new Journal(this.o.repos.sessions, this.ended, sessionId, (e) =>
      this.o.log.warn({ session: sessionId, error: String(e) }, 'could not record a session event'),
    );
    this.journals.set(sessionId, journal);
    journal.open(
      {
        sessionId,
        kind: record.kind,
        accountId,
        parties: partyIds.map((partyId) => ({ partyId, index: indexOf(record, partyId) })),
        messageHash: record.messageHash ? `0x${bytesToHex(record.messageHash)}` : null,
        attempt,
        retryOf,
        record: signed.bytes,
      },
      consumes,
    );
    journal.event('created', { kind: record.kind, attempt, ...(retryOf ? { retryOf } : {}) });
    return journal;
  }

  /** Announces `signed` to `partyIds` and waits for the judge's verdict, at most `timeoutMs`. */
  async run<T>(
    signed: SignedRecord,
    partyIds: readonly string[],
    judge: Judge<T>,
    timeoutMs: number,
    journal: Journal,
  ): Promise<Verdict<T>> {
    const key = bytesToHex(signed.record.sessionId);
    const attempt = new Attempt(signed, partyIds, judge, {
      announce: (p, s) => this.o.network.announce(p, s),
      publish: (s) => this.o.network.publish(signedRecords.encode(s)),
      event: (type, detail, partyId) => journal.event(type, detail, partyId),
    });
    this.attempts.set(key, attempt as Attempt<unknown>);
    void attempt.settled.promise
      .then(() => {
        this.attempts.delete(key);
        // the verdict's own writes are queued in the same turn as the verdict; let them join the chain first
        return new Promise((r) => setImmediate(r));
      })
      .then(() => journal.written())
      .then(() => this.journals.delete(key));
    return attempt.run(timeoutMs);
  }

  /** Sends `action` for the key of `record` to `partyIds` (and a gossip copy for any that missed it). */
  async decideAll(record: SessionRecord, partyIds: readonly string[], action: 'commit' | 'abort', journal: Journal) {
    const signed = signedDecisions.sign(
      { sessionId: record.sessionId, keyId: record.keyId, action },
      this.o.signingKey,
      ed25519,
    );
    const acks = await Promise.all(partyIds.map((p) => this.o.network.decide(p, signed)));
    void this.o.network.publish(signedDecisions.encode(signed)); // the copy for a party that missed the direct one
    acks.forEach((a, i) => {
      if (!a.ok) journal.event(`${action}-refused`, { code: a.code, message: a.message }, partyIds[i]);
    });
    journal.event(action, { parties: partyIds.length });
  }
}
