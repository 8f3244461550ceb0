/**
 * Banned peers. A peer whose message failed an attributable protocol check is banned: no session with it
 * starts again and its streams are reset, until an operator lifts the ban. There is no automatic retry with
 * the same peer. The node persists bans through `onBan` and passes them back as `initial` on start.
 */

/** The node's one list of banned peers (peer id strings), shared by the session registry and pairing. */
export class BanList {
  private readonly banned = new Map<string, string>();
  private readonly listeners = new Set<() => void>();

  /**
   * @param onBan called once per newly banned peer, with the reason (persist it)
   * @param initial peers banned earlier (loaded from storage)
   */
  constructor(
    private readonly onBan: (peerId: string, reason: string) => void = () => {},
    initial: Iterable<string> = [],
  ) {
    for (const p of initial) this.banned.set(p, 'banned earlier');
  }

  /** True when `peerId` is banned. */
  has(peerId: string): boolean {
    return this.banned.has(peerId);
  }

  /** Why `peerId` is banned, or undefined. */
  reason(peerId: string): string | undefined {
    return this.banned.get(peerId);
  }

  /** Bans `peerId` (idempotent). */
  add(peerId: string, reason: string): void {
    if (this.banned.has(peerId)) return;
    this.banned.set(peerId, reason);
    this.onBan(peerId, reason);
    this.changed();
  }

  /** Lifts a ban (an operator's decision, never automatic). */
  lift(peerId: string): boolean {
    const lifted = this.banned.delete(peerId);
    if (lifted) this.changed();
    return lifted;
  }

  /** Calls `listener` after every change of the list (the node reports its bans to the coordinator). */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  /** Every banned peer id. */
  list(): string[] {
    return [...this.banned.keys()];
  }
}
