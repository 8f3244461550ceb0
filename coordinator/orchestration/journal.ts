/**
 * A session's writes to the database, in order, off the critical path. Events are stamped when they happen
 * and written in batches (one statement per {@link BATCH_MS} window, and the last batch with the session's end);
 * the session row goes with the first batch, and a longer session takes a few statements rather than one per
 * event. A session that ends within the window — a signing from a presignature — is written whole, and every
 * such session that ended within {@link ENDED_BATCH_MS} goes in one statement ({@link EndedSessions}): a
 * statement costs the embedded database about as much CPU as the rest of a pooled signing, and most of it is
 * the same for one session or sixteen. The protocol never waits for these writes. Reads of the session wait for
 * {@link Journal.flush} (the orchestrator sees to that), so a client that reads the session next sees every
 * event of it.
 */
import type { EndedSession, NewSession, SessionRepo, SessionRow, SessionStatus } from '../db/types.js';

/** How long events gather before they are written together. */
export const BATCH_MS = 25;

interface PendingEvent {
  type: string;
  detail: Record<string, unknown>;
  partyId?: string;
  at: Date;
}

/**
 * How long ended sessions gather before one statement writes them. Pooled signings come every few milliseconds
 * under load, so this groups about sixteen: the embedded database's CPU per pooled signing measured 0.7 ms at
 * 25 ms and 0.4 ms at 100 ms. The answers have gone by then; a coordinator crash within the window loses those
 * sessions' rows, and their presignatures' rows are deleted in memory already (were they used again after a
 * restart, the parties would refuse them as used and the signing would fall back to a full one).
 */
export const ENDED_BATCH_MS = 100;

/** Most sessions one statement of {@link EndedSessions} writes. */
export const MAX_ENDED_PER_STATEMENT = 64;

/**
 * The sessions written whole once they ended (see the module comment): gathered for {@link ENDED_BATCH_MS} from
 * the first, then written in one statement.
 */
export class EndedSessions {
  private queue: { session: EndedSession; written: PromiseWithResolvers<void> }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly sessions: SessionRepo) {}

  /** Queues `session`; resolves once it is written (rejects if its statement failed). */
  add(session: EndedSession): Promise<void> {
    const written = Promise.withResolvers<void>();
    this.queue.push({ session, written });
    if (this.queue.length >= MAX_ENDED_PER_STATEMENT) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), ENDED_BATCH_MS);
    return written.promise;
  }

  /** Writes the queued sessions now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    this.sessions.insertEnded(batch.map((b) => b.session)).then(
      () => {
        for (const b of batch) b.written.resolve();
      },
      (e: unknown) => {
        for (const b of batch) b.written.reject(e);
      },
    );
  }
}

/** Ordered, batched, non-blocking writes of one session. */
export class Journal {
  private chain: Promise<void> = Promise.resolve();
  private pending: PendingEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The session row, until it is written: with the first batch, or with the session's end when that comes first. */
  private opening: { row: NewSession; consumes?: string } | undefined;
  /** The session was handed to {@link EndedSessions} whole. */
  private endedWhole = false;

  constructor(
    private readonly sessions: SessionRepo,
    private readonly ended: EndedSessions,
    /** The session (hex). */
    readonly sessionId: string,
    private readonly onError: (e: unknown) => void,
  ) {}

  /**
   * Starts the session's record with its row (and, with `consumes`, the deletion of the presignature's inventory
   * row). It is written with the first batch of events, within {@link BATCH_MS}, or — a session that ends sooner,
   * such as a signing from a presignature — in one statement with its events and its end.
   */
  open(row: NewSession, consumes?: string): void {
    this.opening = consumes === undefined ? { row } : { row, consumes };
    this.timer ??= setTimeout(() => this.drain(), BATCH_MS);
  }

  /** Queues a write after the events so far; a failed write is reported and does not stop the ones after it. */
  write(write: () => Promise<void>): void {
    this.drain();
    this.chain = this.chain.then(write).catch(this.onError);
  }

  /** Records an event now; it is written with the next batch. */
  event(type: string, detail: Record<string, unknown> = {}, partyId?: string): void {
    this.pending.push({ type, detail, ...(partyId ? { partyId } : {}), at: new Date() });
    this.timer ??= setTimeout(() => this.drain(), BATCH_MS);
  }

  /**
   * Ends the session on the record: `status` with its result or error, written in one statement with the events
   * gathered so far; when the session row is not written yet, the whole session goes to {@link EndedSessions}.
   */
  finish(status: SessionStatus, outcome?: { result?: Record<string, unknown>; error?: SessionRow['error'] }): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    const opening = this.opening;
    this.opening = undefined;
    const end = { status, ...(outcome ? { outcome } : {}) };
    if (opening) {
      this.endedWhole = true;
      const session = {
        row: opening.row,
        end,
        events: batch,
        ...(opening.consumes ? { consumes: opening.consumes } : {}),
      };
      // nothing of this session was written before (its row was still waiting), so the group may take it now
      const added = this.ended.add(session);
      this.chain = this.chain.then(() => added).catch(this.onError);
      return;
    }
    this.chain = this.chain
      .then(() => this.sessions.finish(this.sessionId, status, outcome, batch))
      .catch(this.onError);
  }

  /** Moves the session row, if not written yet, and the gathered events into the write chain. */
  private drain(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const opening = this.opening;
    this.opening = undefined;
    if (opening) {
      this.chain = this.chain.then(() => this.sessions.insert(opening.row, opening.consumes)).catch(this.onError);
    }
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.chain = this.chain.then(() => this.sessions.appendEvents(this.sessionId, batch)).catch(this.onError);
  }

  /** Writes what is gathered now (the session's group too); resolves when every event and write so far is stored. */
  flush(): Promise<void> {
    this.drain();
    if (this.endedWhole) this.ended.flush();
    return this.chain;
  }

  /** Resolves when every write queued so far is stored, without hurrying any of them. */
  written(): Promise<void> {
    this.drain();
    return this.chain;
  }
}
