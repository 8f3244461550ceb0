/**
 * What the API reads: accounts, sessions (after their pending writes), parties with their live presence, and
 * health. No session runs here; {@link Orchestrator} runs them and owns the journals a read may wait for.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Repositories } from '../db/types.js';
import { CoordinatorError } from '../errors.js';
import type { AccountView, HealthView, PartyView, SessionView } from '../service.js';
import { bannedPairs } from './banned-pairs.js';
import type { Journal } from './journal.js';
import type { PartyNetwork } from './orchestrator.js';
import { accountView, sessionView } from './views.js';

/** Parties a default keygen needs online; `/health` reports 503 below it. */
export const DEFAULT_QUORUM = 3;

/** What {@link Reads} needs. */
export interface ReadsInit {
  network: Pick<PartyNetwork, 'isOnline' | 'presence' | 'get'>;
  repos: Repositories;
  /** The journal of a session whose writes may still be pending (read-your-writes), if any. */
  journalOf: (sessionId: string) => Journal | undefined;
  /** @default DEFAULT_QUORUM */
  quorum?: number;
}

/** The read side of the coordinator's service. */
export class Reads {
  constructor(private readonly init: ReadsInit) {}

  /** {@inheritDoc CoordinatorService.getAccount} */
  async getAccount(accountId: string): Promise<AccountView> {
    const row = await this.init.repos.accounts.get(accountId);
    if (!row) throw new CoordinatorError('NOT_FOUND', `account ${accountId} not found`);
    return accountView(row);
  }

  /** {@inheritDoc CoordinatorService.listAccounts} */
  async listAccounts(userId: string): Promise<AccountView[]> {
    return (await this.init.repos.accounts.byUser(userId)).map(accountView);
  }

  /** {@inheritDoc CoordinatorService.getSession} */
  async getSession(id: Uint8Array): Promise<SessionView> {
    const sessionId = bytesToHex(id);
    await this.init.journalOf(sessionId)?.flush();
    const row = await this.init.repos.sessions.get(sessionId);
    if (!row) throw new CoordinatorError('NOT_FOUND', `session ${sessionId} not found`);
    const events = await this.init.repos.sessions.events(sessionId);
    return sessionView(row, events);
  }

  /** {@inheritDoc CoordinatorService.listParties} */
  async listParties(): Promise<PartyView[]> {
    const rows = await this.init.repos.parties.list();
    // A party that has just registered may not be in the table yet (presence is written in the background):
    // the live view adds it, so a caller that saw the registration succeed also sees the party listed.
    const known = new Set(rows.map((r) => r.partyId));
    const fresh = this.init.network
      .presence()
      .filter((p) => !known.has(p.partyId) && this.init.network.isOnline(p.partyId))
      .map((p) => ({ partyId: p.partyId, role: p.role, addresses: p.addresses, lastSeen: p.lastSeen }));
    return [...rows, ...fresh]
      .map((r): PartyView => {
        const live = this.init.network.get(r.partyId);
        return {
          partyId: r.partyId,
          role: live?.role ?? r.role,
          status: this.init.network.isOnline(r.partyId) ? 'online' : 'offline',
          addresses: live?.addresses ?? r.addresses,
          lastSeen: (live?.lastSeen ?? r.lastSeen)?.toISOString() ?? null,
          bans: [...(live?.bans ?? [])],
        };
      })
      .sort((a, b) => (a.partyId < b.partyId ? -1 : a.partyId > b.partyId ? 1 : 0));
  }

  /** {@inheritDoc CoordinatorService.health} */
  async health(): Promise<HealthView> {
    const database = await this.init.repos.ping().catch(() => false);
    const onlineParties = this.init.network
      .presence()
      .filter((p) => p.role === 'persistent' && this.init.network.isOnline(p.partyId)).length;
    const quorum = this.init.quorum ?? DEFAULT_QUORUM;
    const pairs = bannedPairs(this.init.network.presence()).map(([a, b]): [string, string] => [a, b]);
    return { ok: database && onlineParties >= quorum, database, onlineParties, quorum, bannedPairs: pairs };
  }
}
