/**
 * Refresh and reshare of an account: one session in which the key's online parties deal their shares to the
 * new key's parties (reshare-plan.ts), judged like a keygen (every party reports the account's public key).
 * The new shares stay pending on the parties until the account row names the new key; then every party is told
 * to commit — a party of the new key keeps its new share and deletes the old one in one store batch, a party
 * leaving the key deletes its old share. A reshare that fails is aborted: the new shares go, the old ones stay
 * and keep signing. One refresh or reshare per account at a time (409 otherwise); signings go on meanwhile with
 * the old key until the commit.
 */
import { randomBytes } from 'node:crypto';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { Log } from '../../src/runtime/logger.js';
import type { Repositories } from '../db/types.js';
import { CoordinatorError } from '../errors.js';
import type { AccountView, ResharedView, ReshareTarget, SessionView } from '../service.js';
import { partyAtIndex } from './attempt.js';
import { bannedPairs } from './banned-pairs.js';
import { reshareJudge } from './judges.js';
import type { PartyNetwork } from './orchestrator.js';
import { recordOutcome, verdictError } from './outcome.js';
import { planReshare } from './reshare-plan.js';
import type { SessionRuns } from './runs.js';
import { sessionRecord } from './session-record.js';

/** What {@link Resharing} needs. */
export interface ResharingInit {
  readonly network: PartyNetwork;
  readonly repos: Repositories;
  readonly runs: SessionRuns;
  readonly log: Log;
  readonly timeoutMs: number;
  /** Online and taking sessions. */
  readonly online: (partyId: string) => boolean;
  /** The account moved to new shares: forget what is cached of it. */
  readonly onRekeyed: (accountId: string) => void;
  readonly getAccount: (accountId: string) => Promise<AccountView>;
  readonly getSession: (sessionId: Uint8Array) => Promise<SessionView>;
}

/** Runs refreshes and reshares; see the module comment. */
export class Resharing {
  /** Accounts with a refresh or reshare running. */
  private readonly running = new Set<string>();

  constructor(private readonly o: ResharingInit) {}

  /** Refreshes (no `target`) or reshares the account; see the module comment. */
  async run(accountId: string, target?: ReshareTarget): Promise<ResharedView> {
    if (this.running.has(accountId)) {
      throw new CoordinatorError('CONFLICT', `a refresh or reshare of account ${accountId} is already running`);
    }
    this.running.add(accountId);
    try {
      return await this.once(accountId, target);
    } finally {
      this.running.delete(accountId);
    }
  }

  private async once(accountId: string, target: ReshareTarget | undefined): Promise<ResharedView> {
    const { network, repos, runs } = this.o;
    const what = target ? 'reshare' : 'refresh';
    const account = await repos.accounts.get(accountId);
    if (!account) throw new CoordinatorError('NOT_FOUND', `account ${accountId} not found`);
    const online = network.presence().filter((p) => this.o.online(p.partyId));
    const plan = planReshare(account, target, online, bannedPairs(network.presence()));
    const publicKey = hexToBytes((account.publicKey as string).slice(2));
    const keyId = randomBytes(32);
    // the chain code is public (it is in the xpub): a newcomer learns it here, and the reshare binds it
    const chainCode = account.chainCode === null ? undefined : hexToBytes(account.chainCode);
    const reshare = {
      fromKeyId: hexToBytes(account.keyId),
      oldThreshold: account.threshold,
      publicKey,
      ...(chainCode ? { chainCode } : {}),
    };
    const record = sessionRecord(network, 'reshare', keyId, plan.threshold, plan.seats, this.o.timeoutMs, {
      reshare,
    });
    const sessionId = bytesToHex(record.sessionId);
    const partyIds = plan.seats.map((s) => s.partyId);
    const started = performance.now();
    const signed = runs.sign(record);
    const journal = runs.journal(signed, accountId, partyIds, 1, null);
    journal.event(what, {
      fromKeyId: account.keyId,
      keyId: bytesToHex(keyId),
      threshold: plan.threshold,
      parties: plan.keyParties.length,
    });
    const judge = reshareJudge(partyIds.length, { publicKey, chainCode }, partyAtIndex(record, partyIds));
    const verdict = await runs.run(signed, partyIds, judge, this.o.timeoutMs, journal);
    if (verdict.kind === 'ok') {
      const moved = await repos.accounts.rekey(accountId, account.keyId, {
        keyId: bytesToHex(keyId),
        threshold: plan.threshold,
        parties: plan.keyParties,
      });
      if (moved) {
        this.o.onRekeyed(accountId);
        await runs.decideAll(record, partyIds, 'commit', journal);
        journal.finish('completed', {
          result: { publicKey: account.publicKey, threshold: plan.threshold, parties: plan.keyParties.length },
        });
        recordOutcome(runs.sinks(journal), 'reshare', verdict, started);
        await journal.flush();
        this.o.log.info({ accountId, session: sessionId, what }, `${what} committed`);
        return { account: await this.o.getAccount(accountId), session: await this.o.getSession(record.sessionId) };
      }
    }
    await runs.decideAll(record, partyIds, 'abort', journal);
    if (verdict.kind === 'ok') {
      // the account changed under the reshare (it cannot while this one runs, short of a second coordinator)
      const conflict = { kind: 'failed' as const, code: 'CONFLICT', message: 'the account changed', culprits: [] };
      recordOutcome(runs.sinks(journal), 'reshare', conflict, started);
      await journal.flush();
      throw new CoordinatorError('CONFLICT', `account ${accountId} changed during the ${what}; nothing was changed`);
    }
    recordOutcome(runs.sinks(journal), 'reshare', verdict, started);
    await journal.flush();
    throw verdictError(verdict, sessionId, what);
  }
}
