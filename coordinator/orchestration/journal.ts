/**
 * A session's writes to the database, in order, off the critical path. Events are stamped when they happen
 * and written in batches (one statement per {@link BATCH_MS} window), so a signing costs a few queries rather
 * than one per event; the protocol never waits for them. Reads of the session wait for {@link Journal.flush}
 * (the orchestrator sees to that), so a client that reads the session next sees every event of it.
 */
import type { SessionRepo } from '../db/types.js';

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

  constructor(
    private readonly sessions: SessionRepo,
    /** The session (hex). */
    readonly sessionId: string,
    private readonly onError: (e: unknown) => void,
  ) {}

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

  /** Moves the gathered events into the write chain as one statement. */
  private drain(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
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
