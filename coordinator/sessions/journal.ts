/**
 * A session's writes to the database, in order, off the critical path: the protocol does not wait for the
 * event log, but the API answers only after {@link Journal.flush}, so a client that reads the session next
 * sees every event of it.
 */
import type { SessionRepo } from '../db/types.js';

/** Ordered, non-blocking writes of one session. */
export class Journal {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly sessions: SessionRepo,
    /** The session (hex). */
    readonly sessionId: string,
    private readonly onError: (e: unknown) => void,
  ) {}

  /** Queues a write; a failed write is reported and does not stop the ones after it. */
  write(write: () => Promise<void>): void {
    this.chain = this.chain.then(write).catch(this.onError);
  }

  /** Queues an append to the session's event log. */
  event(type: string, detail: Record<string, unknown> = {}, partyId?: string): void {
    this.write(() => this.sessions.appendEvent(this.sessionId, type, detail, partyId));
  }

  /** Resolves when every queued write is done. */
  flush(): Promise<void> {
    return this.chain;
  }
}
