/**
 * One-time join tokens: made by the operator (REST or CLI), stored only as SHA-256 hashes, redeemed once by a
 * party over the control protocol, which admits its peer id for good. While a token is outstanding the
 * rendezvous lets unknown peers connect long enough to redeem one; {@link JoinTokens.outstanding} answers that
 * synchronously from a cache refreshed on every change and every minute.
 */
import { randomBytes } from 'node:crypto';
import { sha256hex } from '../crypto/sha256.js';
import type { JoinTokenRepo, PartyRepo } from '../db/types.js';

/** Prefix of every token, so a leaked one is recognisable in a scan. */
export const JOIN_TOKEN_PREFIX = 'mpcjoin_';

/** Join tokens over the database. */
export class JoinTokens {
  private openUntil = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly tokens: JoinTokenRepo,
    private readonly parties: PartyRepo,
  ) {
    this.timer = setInterval(() => void this.refresh().catch(() => {}), 60_000);
    this.timer.unref();
  }

  /** Makes a token valid for `ttlSeconds`; the plaintext token is returned once and never stored. */
  async create(ttlSeconds: number): Promise<{ token: string; expiresAt: string }> {
    const token = JOIN_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
    await this.tokens.create(sha256hex(token), expiresAt);
    this.openUntil = Math.max(this.openUntil, expiresAt.getTime());
    return { token, expiresAt: expiresAt.toISOString() };
  }

  /** Redeems `token` for `partyId` (atomically, once) and remembers the admission. */
  async redeem(token: string, partyId: string): Promise<boolean> {
    const ok = await this.tokens.redeem(sha256hex(token), partyId, new Date());
    if (ok) await this.parties.admit(partyId, 'token');
    await this.refresh();
    return ok;
  }

  /** Whether an unused token may still exist (cached; may err towards true until the next refresh). */
  outstanding(): boolean {
    return Date.now() < this.openUntil;
  }

  /** Re-reads whether any unused, unexpired token exists. */
  async refresh(): Promise<void> {
    const n = await this.tokens.outstanding(new Date());
    // an hour is a cache horizon only: the next change or the minute timer corrects it
    this.openUntil = n > 0 ? Date.now() + 3_600_000 : 0;
  }

  /** Stops the refresh timer. */
  stop(): void {
    clearInterval(this.timer);
  }
}
