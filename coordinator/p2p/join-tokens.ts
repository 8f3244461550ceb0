/**
 * Admission by the operator: one-time join tokens and revocation. A token is made by the operator (REST or
 * CLI) for one role, stored only as its SHA-256 hash, and redeemed once by a party over the control protocol,
 * which admits its peer id with that role until the operator revokes it. The joining peer does not choose its
 * role: it must register with the token's. While a token is outstanding the rendezvous lets unknown peers
 * connect long enough to redeem one; {@link JoinTokens.outstanding} answers that synchronously from a cache
 * refreshed on every change and every minute.
 */
import { randomBytes } from 'node:crypto';
import type { PartyRole } from '../../protocols/control/control.js';
import { sha256hex } from '../crypto/sha256.js';
import type { JoinTokenRepo, PartyRepo } from '../db/types.js';
import { CoordinatorError } from '../errors.js';
import type { JoinTokenView, RevokedParty } from '../service.js';

/** Prefix of every token, so a leaked one is recognisable in a scan. */
export const JOIN_TOKEN_PREFIX = 'mpcjoin_';

/** Join tokens over the database. */
export class JoinTokens {
  private openUntil = 0;
  private readonly timer: NodeJS.Timeout;

  /**
   * @param onRevoked cuts a revoked party off the network (the rendezvous: disconnect and refuse); called after
   *   the revocation is stored, so it holds across a restart even if this fails.
   */
  constructor(
    private readonly tokens: JoinTokenRepo,
    private readonly parties: PartyRepo,
    private readonly onRevoked: (partyId: string) => Promise<void> = async () => {},
  ) {
    this.timer = setInterval(() => void this.refresh().catch(() => {}), 60_000);
    this.timer.unref();
  }

  /**
   * Makes a token valid for `ttlSeconds` that admits one party as `role`; the plaintext token is returned once
   * and never stored.
   */
  async create(ttlSeconds: number, role: PartyRole = 'persistent'): Promise<JoinTokenView> {
    const token = JOIN_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
    await this.tokens.create(sha256hex(token), expiresAt, role);
    this.openUntil = Math.max(this.openUntil, expiresAt.getTime());
    return { token, expiresAt: expiresAt.toISOString(), role };
  }

  /**
   * Redeems `token` for `partyId` (atomically, once) and remembers the admission; the role the token fixes, or
   * false when it is unknown, used or expired.
   */
  async redeem(token: string, partyId: string): Promise<PartyRole | false> {
    const role = await this.tokens.redeem(sha256hex(token), partyId, new Date());
    if (role !== undefined) await this.parties.admit(partyId, 'token', role);
    await this.refresh();
    return role ?? false;
  }

  /**
   * Revokes a known party for good (stored first, then cut off the network); revoking it again answers the
   * same. Throws `NOT_FOUND` for a peer id the coordinator does not know.
   */
  async revoke(partyId: string): Promise<RevokedParty> {
    const at = await this.parties.revoke(partyId, new Date());
    if (at === undefined) throw new CoordinatorError('NOT_FOUND', `party ${partyId} not found`);
    await this.onRevoked(partyId);
    return { partyId, revokedAt: at.toISOString() };
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
