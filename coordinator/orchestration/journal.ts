/**
 * A session's writes to the database, in order, off the critical path. Events are stamped when they happen
 * and written in batches (one statement per {@link BATCH_MS} window, and the last batch with the session's end);
 * the session row goes with the first batch, so a session that ends within the window — a signing from a
 * presignature — is one statement, and a longer one a few, rather than one per event; the protocol never waits
 * for them. Reads of the session wait for {@link Journal.flush}
 * (the orchestrator sees to that), so a client that reads the session next sees every event of it.
 */
import type { NewSession, SessionRepo, SessionRow, SessionStatus } from '../db/types.js';

/** How long events gather before they are written together. */
export const BATCH_MS = 25;

interface PendingEvent {
  type: string;
  detail: Record<string, unknown>;
  partyId?: string;
  at: Date;
}

/** Ordered, batched, non-blocking writes of one session. */
export class Journal {
  private chain: Promise<void> = Promise.resolve();
  private pending: PendingEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The session row, until it is written: with the first batch, or with the session's end when that comes first. */
  private opening: { row: NewSession; consumes?: string } | undefined;

  constructor(
    private readonly sessions: SessionRepo,
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
   * gathered so far (and with the session row, when it is not written yet).
   */
  finish(status: SessionStatus, outcome?: { result?: Record<string, unknown>; error?: SessionRow['error'] }): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    const opening = this.opening;
    this.opening = undefined;
    const end = { status, ...(outcome ? { outcome } : {}) };
    this.chain = this.chain
      .then(() =>
        opening
          ? this.sessions.insertEnded(opening.row, end, batch, opening.consumes)
          : this.sessions.finish(this.sessionId, status, outcome, batch),
      )
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

  /** Resolves when every event and write so far is stored. */
  flush(): Promise<void> {
    this.drain();
    return this.chain;
  }
}
