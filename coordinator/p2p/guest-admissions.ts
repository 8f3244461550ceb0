/**
 * Requests from guests (peers connected only to redeem a join token or present a pool secret) that wait for the
 * guest's admission instead of being refused outright. A party's libp2p asks the coordinator's relay for a slot
 * the moment it connects, which is before its first control request (the join) has been answered; refused then,
 * it would not ask again on that connection. Held until the join lands, the same request is granted, and the
 * party holds its slot before it registers (see relay.ts).
 */

/** Guests' requests waiting for their admission, by peer id. */
export class GuestAdmissions {
  private readonly waiting = new Map<string, Set<(admitted: boolean) => void>>();

  /** Resolves true once {@link settle} says `peerId` was admitted; false when it says not, or after `ms`. */
  wait(peerId: string, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const waiters = this.waiting.get(peerId) ?? new Set();
      this.waiting.set(peerId, waiters);
      const done = (admitted: boolean) => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0 && this.waiting.get(peerId) === waiters) this.waiting.delete(peerId);
        resolve(admitted);
      };
      const timer = setTimeout(() => done(false), ms);
      timer.unref();
      waiters.add(done);
    });
  }

  /** Answers every request of `peerId` waiting now: it was admitted, or it never will be on this connection. */
  settle(peerId: string, admitted: boolean): void {
    for (const done of [...(this.waiting.get(peerId) ?? [])]) done(admitted);
  }

  /** Answers every waiting request with a refusal (the host stops). */
  clear(): void {
    for (const id of [...this.waiting.keys()]) this.settle(id, false);
  }
}
