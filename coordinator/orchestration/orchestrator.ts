/**
 * Orchestration: how a keygen or a signing runs. The {@link Orchestrator} picks parties, writes and signs the
 * session record, announces it, judges the signed results, and keeps accounts, sessions and the event log in
 * the database. Reads for the API are in `reads.ts`, views in `views.ts`, how an attempt ends on the record in
 * `outcome.ts`.
 *
 * - Keygen: N online parties — the `include`d ones first (whatever their role), then persistent ones at random,
 *   and for hybrid custody one online delegate node; the account becomes active only when every party reported
 *   the same public key; then each party is told to commit its pending share (abort otherwise). The delegate is
 *   told the account id first (a delegate message); its result carries its share sealed for the caller, which the
 *   answer hands out once and nothing here keeps. A delegate commits nothing, so it gets no decision.
 * - Signing: `threshold` online parties holding the key: the required and `include`d ones first, then persistent
 *   ones in random order (load spreads over the parties). With a user share: any online delegate node at the
 *   delegate's key index (delegates are interchangeable: the share opens under the operator's master key), told
 *   the account's key and the share first, which it opens before any session exists (`INVALID_USER_SHARE` when it
 *   does not); without one, the delegate's index is not used (`USER_SHARE_REQUIRED` when that leaves too few).
 *   The first result whose signature verifies under the account key (checked here, with noble) is released. An
 *   attempt that ends for unavailability — a timeout, a party that refuses, cannot be reached, disconnects,
 *   aborts (stopping) or has banned a peer — is retried with a fresh session id without the silent parties, up
 *   to {@link MAX_SIGN_ATTEMPTS} attempts; a failed protocol check with a culprit is never retried: it is
 *   recorded with its culprits and returned.
 * - Neither ever picks a set containing a banned pair (one party reported it banned the other) while another set
 *   exists; when none exists the request fails at once as unavailable, naming the pairs (choice.ts).
 * - A party that disconnects ends the attempts it is named in at once (as silent), rather than at the deadline.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { Ack } from '../../protocols/control/ack.js';
import type { PartyRole, SessionResult } from '../../protocols/control/control.js';
import { signedDecisions } from '../../protocols/control/decision.js';
import type { Log } from '../../src/runtime/logger.js';
import type { AbandonedKeygen, AccountRow, Repositories } from '../db/types.js';
import { CoordinatorError, isCoordinatorError } from '../errors.js';
import type { JoinTokens } from '../p2p/join-tokens.js';
import type { Rendezvous } from '../p2p/rendezvous.js';
import type {
  AccountView,
  CoordinatorService,
  CreatedAccountView,
  HealthView,
  JoinTokenView,
  KeygenRequest,
  PartyView,
  ResharedView,
  ReshareTarget,
  RevokedParty,
  SessionMetrics,
  SessionView,
  SignatureView,
  SignOptions,
} from '../service.js';
import { AbandonedKeygens } from './abandoned.js';
import { type PartyIndex, partyAtIndex } from './attempt.js';
import { type BannedPair, bannedPairs } from './banned-pairs.js';
import { type PartyPresence, pickKeygenParties, pickSigners, type SignRules, signRules } from './choice.js';
import { handUserShare } from './delegate-share.js';
import { Drain } from './drain.js';
import { ethereumAddress } from './ethereum.js';
import { keygenJudge, signJudge } from './judges.js';
import { recordOutcome, verdictError } from './outcome.js';
import { PresignPool } from './presign-pool.js';
import { Reads } from './reads.js';
import { Resharing } from './reshare.js';
import { retryWithoutSilent } from './retry.js';
import { ed25519, SessionRuns } from './runs.js';
import { sessionRecord } from './session-record.js';
import { signingKey } from './signing-key.js';

/** Default deadline of a keygen attempt. */
export const DEFAULT_KEYGEN_TIMEOUT_MS = 60_000;
/** Default deadline of a signing attempt (a first signing of a node pair includes its pair setup). */
export const DEFAULT_SIGN_TIMEOUT_MS = 30_000;

/** Attempts of one signing request (the first and its retries without silent parties). */
export const MAX_SIGN_ATTEMPTS = 3;
/** Attempts of one keygen request (the first and its retries without silent parties). */
export const MAX_KEYGEN_ATTEMPTS = 3;

/** The parts of the rendezvous orchestration uses. */
export type PartyNetwork = Pick<
  Rendezvous,
  'announce' | 'decide' | 'publish' | 'isOnline' | 'presence' | 'get' | 'delegate'
>;

/** Options of {@link Orchestrator}. */
export interface OrchestratorInit {
  network: PartyNetwork;
  repos: Repositories;
  joinTokens: JoinTokens;
  /** The coordinator's Ed25519 secret seed (32 bytes), which signs records and decisions. */
  signingKey: Uint8Array;
  metrics: SessionMetrics;
  log: Log;
  /** @default DEFAULT_KEYGEN_TIMEOUT_MS */
  keygenTimeoutMs?: number;
  /** @default DEFAULT_SIGN_TIMEOUT_MS */
  signTimeoutMs?: number;
  /** Parties `/health` wants online. @default DEFAULT_QUORUM (reads.ts) */
  quorum?: number;
  /** Presignatures to keep per account while idle (presign-pool.ts); 0 keeps none. @default 0 */
  presignPool?: number;
}

/** How long after the last request the coordinator counts as idle (the presignature filler may run). */
export const POOL_QUIET_MS = 300;

/** Active accounts kept in memory (oldest dropped first). */
const MAX_CACHED_ACCOUNTS = 10_000;

/** The coordinator's operations. */
export class Orchestrator implements CoordinatorService {
  /** Active accounts by id: only a reshare changes one (and drops it here), so signing need not read it again. */
  private readonly active = new Map<string, AccountRow>();
  /** The running attempts and their journals. */
  private readonly runs: SessionRuns;
  /** Refreshes and reshares. */
  private readonly resharing: Resharing;

  /** Abort decisions still to deliver: keygens a previous coordinator process left unfinished. */
  private readonly abandoned: AbandonedKeygens;

  /** Keygen and signing requests being served (a drain waits for them). */
  private readonly stopping: Drain;

  /** The read side of the service (accounts, sessions, parties, health). */
  private readonly reads: Reads;

  /** The presignature pool, when one is kept. */
  private readonly pool: PresignPool | undefined;

  constructor(private readonly init: OrchestratorInit) {
    this.runs = new SessionRuns(init);
    this.resharing = new Resharing({
      network: init.network,
      repos: init.repos,
      runs: this.runs,
      log: init.log,
      timeoutMs: this.keygenTimeout,
      online: (id) => this.online(id),
      onRekeyed: (id) => {
        this.active.delete(id);
        this.pool?.forget(id);
      },
      getAccount: (id) => this.getAccount(id),
      getSession: (id) => this.getSession(id),
    });
    this.abandoned = new AbandonedKeygens(init.network, init.signingKey, init.log);
    this.stopping = new Drain(init.log);
    this.reads = new Reads({
      network: init.network,
      repos: init.repos,
      journalOf: (sessionId) => this.runs.journalOf(sessionId),
      ...(init.quorum === undefined ? {} : { quorum: init.quorum }),
    });
    const size = init.presignPool ?? 0;
    this.pool =
      size > 0
        ? new PresignPool({
            size,
            runs: this.runs,
            network: init.network,
            repos: init.repos,
            log: init.log,
            timeoutMs: this.signTimeout,
            idle: () => this.stopping.isIdle(POOL_QUIET_MS),
            online: (id) => this.online(id),
            bannedPairs: () => this.bannedPairs(),
            pickSigners: (account, rules) => this.pickSigners(account, new Set(), rules),
          })
        : undefined;
    this.pool?.start();
  }

  private get keygenTimeout(): number {
    return this.init.keygenTimeoutMs ?? DEFAULT_KEYGEN_TIMEOUT_MS;
  }

  private get signTimeout(): number {
    return this.init.signTimeoutMs ?? DEFAULT_SIGN_TIMEOUT_MS;
  }

  /** Routes a verified result from `partyId` to its attempt (the rendezvous calls this). */
  handleResult(partyId: string, result: SessionResult): Ack {
    return this.runs.handleResult(partyId, result);
  }

  // ---- accounts ---------------------------------------------------------------------------------------

  /** True once {@link drain} was called: new keygens and signings are refused (503). */
  get isDraining(): boolean {
    return this.stopping.isDraining;
  }

  /**
   * Stops taking keygens and signings (they answer 503 UNAVAILABLE) and waits for the running ones, at most
   * `deadlineMs`; then cancels the attempts still running (their outcome is recorded: failed, the coordinator is
   * stopping) and waits for those requests to answer and for every journal to be written.
   */
  async drain(deadlineMs: number): Promise<{ finished: boolean }> {
    const poolStopped = this.pool?.stop();
    const result = await this.stopping.drain(deadlineMs, () => this.runs.cancelAll());
    // a presign session still running ends now (the filler starts no other)
    this.runs.cancelAll();
    await poolStopped;
    await this.runs.flushAll();
    return result;
  }

  /** {@inheritDoc CoordinatorService.createAccount} */
  createAccount(req: KeygenRequest): Promise<CreatedAccountView> {
    return this.stopping.serve(() => this.runKeygen(req));
  }

  private async runKeygen(req: KeygenRequest): Promise<CreatedAccountView> {
    const { userId, threshold, parties: n } = req;
    const custody = req.custody ?? 'server';
    const accountId = randomUUID();
    const excluded = new Set<string>();
    let retryOf: string | null = null;
    for (let attemptNo = 1; ; attemptNo++) {
      const online = this.init.network.presence().filter((p) => this.online(p.partyId) && !excluded.has(p.partyId));
      let chosen: ReturnType<typeof pickKeygenParties>;
      try {
        chosen = pickKeygenParties(online, n, custody, req.include ?? [], this.bannedPairs());
      } catch (e) {
        // a retry that finds no set ends the account, which the first attempt created; its message says which
        // parties the earlier attempts left out, or "N online" would read as a count of every online party
        if (attemptNo === 1) throw e;
        await this.init.repos.accounts.fail(accountId);
        if (!isCoordinatorError(e, 'UNAVAILABLE')) throw e;
        const left = [...excluded].join(', ');
        throw new CoordinatorError('UNAVAILABLE', `${e.message} (not counting ${left}, silent in an earlier attempt)`, {
          ...e.details,
          excluded: [...excluded],
        });
      }
      const keyId = randomBytes(32);
      // a keygen gives out the key-share indices 1..N; signing records name the parties by them
      const indexed = chosen.map((p, i) => ({ partyId: p.partyId, index: i + 1, role: p.role }));
      const record = sessionRecord(this.init.network, 'keygen', keyId, threshold, indexed, this.keygenTimeout);
      const sessionId = bytesToHex(record.sessionId);
      if (attemptNo === 1) {
        await this.init.repos.accounts.insert({
          accountId,
          userId,
          keyId: bytesToHex(keyId),
          threshold,
          sessionId,
          parties: indexed,
          custody,
          requireUserShare: req.requireUserShare ?? false,
          requiredParties: [...(req.requireParties ?? [])],
        });
      } else {
        await this.init.repos.accounts.reassign(accountId, { keyId: bytesToHex(keyId), sessionId, parties: indexed });
      }
      const delegate = indexed.find((p) => p.role === 'delegate');
      if (delegate) {
        const ack = await this.init.network.delegate(delegate.partyId, {
          kind: 'keygen',
          sessionId: record.sessionId,
          accountId,
        });
        if (!ack.ok) {
          await this.init.repos.accounts.fail(accountId);
          throw new CoordinatorError(
            'UNAVAILABLE',
            `the delegate node refused the keygen: ${ack.code}: ${ack.message}`,
            { partyId: delegate.partyId },
          );
        }
      }
      const started = performance.now();
      const partyIds = chosen.map((p) => p.partyId);
      // a delegate stores nothing: there is nothing for it to commit or abort
      const holders = indexed.filter((p) => p.role !== 'delegate').map((p) => p.partyId);
      const signed = this.runs.sign(record);
      const journal = this.runs.journal(signed, accountId, partyIds, attemptNo, retryOf);
      const judge = keygenJudge(n, delegate?.partyId, partyAtIndex(record, partyIds));
      const verdict = await this.runs.run(signed, partyIds, judge, this.keygenTimeout, journal);
      if (verdict.kind === 'ok') {
        const publicKey = `0x${bytesToHex(verdict.value.publicKey)}`;
        const address = ethereumAddress(verdict.value.publicKey);
        const chainCode = verdict.value.chainCode ? bytesToHex(verdict.value.chainCode) : null;
        await this.init.repos.accounts.activate(accountId, publicKey, address, chainCode);
        await this.runs.decideAll(record, holders, 'commit', journal);
        journal.event('result', { publicKey, address, ...(delegate ? { userShare: 'returned to the caller' } : {}) });
        journal.finish('completed', { result: { publicKey, address } });
        recordOutcome(this.runs.sinks(journal), 'keygen', verdict, started);
        await journal.flush();
        const view = await this.getAccount(accountId);
        const userShare = verdict.value.userShare;
        return userShare ? { ...view, userShare: Buffer.from(userShare).toString('base64url') } : view;
      }
      await this.runs.decideAll(record, holders, 'abort', journal);
      recordOutcome(this.runs.sinks(journal), 'keygen', verdict, started);
      // like a signing: an attempt that ended for unavailability (a party refused for a ban, went silent) runs
      // again without the parties it names; a failed check with a culprit is final
      if (
        await retryWithoutSilent(this.init.log, 'keygen', verdict, attemptNo < MAX_KEYGEN_ATTEMPTS, excluded, journal)
      ) {
        retryOf = sessionId;
        continue;
      }
      await this.init.repos.accounts.fail(accountId);
      await journal.flush();
      throw this.stopping.stoppingError(verdict, sessionId) ?? verdictError(verdict, sessionId, 'keygen');
    }
  }

  /** {@inheritDoc CoordinatorService.refreshAccount} */
  refreshAccount(accountId: string): Promise<ResharedView> {
    return this.stopping.serve(() => this.resharing.run(accountId));
  }

  /** {@inheritDoc CoordinatorService.reshareAccount} */
  reshareAccount(accountId: string, target: ReshareTarget): Promise<ResharedView> {
    return this.stopping.serve(() => this.resharing.run(accountId, target));
  }

  /** {@inheritDoc CoordinatorService.getAccount} */
  async getAccount(accountId: string): Promise<AccountView> {
    const view = await this.reads.getAccount(accountId);
    if (!this.pool || view.status !== 'active') return view;
    const account = await this.init.repos.accounts.get(accountId);
    return account ? { ...view, presignatures: await this.pool.count(account) } : view;
  }

  /** {@inheritDoc CoordinatorService.listAccounts} */
  listAccounts(userId: string): Promise<AccountView[]> {
    return this.reads.listAccounts(userId);
  }

  // ---- signing ----------------------------------------------------------------------------------------

  /** {@inheritDoc CoordinatorService.sign} */
  sign(accountId: string, hash: Uint8Array, opts: SignOptions = {}): Promise<SignatureView> {
    return this.stopping.serve(() => this.runSign(accountId, hash, opts));
  }

  private async runSign(accountId: string, hash: Uint8Array, opts: SignOptions): Promise<SignatureView> {
    const account = this.active.get(accountId) ?? (await this.init.repos.accounts.get(accountId));
    if (!account) throw new CoordinatorError('NOT_FOUND', `account ${accountId} not found`);
    if (account.status !== 'active' || account.publicKey === null) {
      throw new CoordinatorError('CONFLICT', `account ${accountId} is ${account.status}, not active`);
    }
    if (!this.active.has(accountId)) {
      if (this.active.size >= MAX_CACHED_ACCOUNTS) this.active.delete(this.active.keys().next().value as string);
      this.active.set(accountId, account);
    }
    const key = signingKey(account, opts.derivationPath);
    const { publicKey, accountKey, derivationPath } = key;
    const rules = signRules(account, opts);
    const excluded = new Set<string>();
    let retryOf: string | null = null;
    // a pooled presignature whose signers are online: the online round alone (presign-pool.ts)
    const row = await this.pool?.take(account, rules);
    if (row) {
      const presigned = await (this.pool as PresignPool).sign(account, row, hash, key, this.signTimeout);
      if (presigned.kind === 'signed') return presigned.view;
      retryOf = presigned.retryOf;
    }
    for (let attemptNo = 1; ; attemptNo++) {
      const picked = this.pickSigners(account, excluded, rules);
      const signers = picked.map((p) => p.partyId);
      const record = sessionRecord(
        this.init.network,
        'sign',
        hexToBytes(account.keyId),
        account.threshold,
        picked,
        this.signTimeout,
        { messageHash: hash, ...(key.steps.length > 0 ? { derivationPath: key.steps } : {}) },
      );
      const sessionId = bytesToHex(record.sessionId);
      const delegate = picked.find((p) => p.role === 'delegate');
      if (delegate && opts.userShare)
        await handUserShare(this.init.network, account, delegate, record, opts.userShare, accountKey);
      const started = performance.now();
      const signed = this.runs.sign(record);
      const journal = this.runs.journal(signed, accountId, signers, attemptNo, retryOf);
      const ids = { accountId, sessionId, derivationPath };
      const judge = signJudge(hash, publicKey, ids, partyAtIndex(signed.record, signers));
      const verdict = await this.runs.run(signed, signers, judge, this.signTimeout, journal);
      this.runs.settleSign(journal, verdict, started);
      if (
        await retryWithoutSilent(this.init.log, 'signing', verdict, attemptNo < MAX_SIGN_ATTEMPTS, excluded, journal)
      ) {
        retryOf = sessionId;
        continue;
      }
      // a released signature does not wait for the event log: reads of the session wait for it instead
      if (verdict.kind === 'ok') return verdict.value;
      await journal.flush();
      throw this.stopping.stoppingError(verdict, sessionId) ?? verdictError(verdict, sessionId, 'signing');
    }
  }

  /** `threshold` online signers of the account, not excluded, without a banned pair (choice.ts). */
  private pickSigners(account: AccountRow, excluded: ReadonlySet<string>, rules: SignRules): PartyIndex[] {
    const parties: PartyPresence = {
      online: (id) => this.online(id),
      role: (id) => this.init.network.get(id)?.role,
      delegates: () => this.init.network.presence().filter((p) => p.role === 'delegate'),
    };
    return pickSigners(account, excluded, rules, parties, this.bannedPairs());
  }

  /** The banned pairs the parties reported. */
  private bannedPairs(): BannedPair[] {
    return bannedPairs(this.init.network.presence());
  }

  /**
   * `partyId` disconnected: every attempt that names it and still waits for its result ends now, with it as
   * silent (a signing is retried without it), instead of at the deadline.
   */
  partyOffline(partyId: string): void {
    this.runs.partyOffline(partyId);
  }

  // ---- sessions ---------------------------------------------------------------------------------------

  /** Online and taking sessions (not draining). */
  private online(partyId: string): boolean {
    return this.init.network.isOnline(partyId) && this.init.network.get(partyId)?.draining !== true;
  }

  /**
   * Keygens a previous coordinator process left unfinished (now failed): each of their parties is sent a signed
   * abort, so that it discards its pending share, when it is online (now, or when it registers).
   */
  abandonKeygens(keygens: readonly AbandonedKeygen[]): void {
    this.abandoned.add(keygens, (p: string) => this.online(p));
  }

  /**
   * What became of the keygens of `keyIds`, pending keys `partyId` holds (it asks for those older than a keygen
   * deadline): a signed decision message per settled key — commit for an active account the party is a party of
   * (it heals a commit the party missed), abort for a failed one or a key no account of the party has now (a key
   * the coordinator never made, or a retried keygen's earlier attempt). A pending account gets no answer: its
   * keygen may still run, so the party keeps the share.
   */
  async keyFates(partyId: string, keyIds: readonly Uint8Array[]): Promise<Uint8Array[]> {
    const rows = await this.init.repos.accounts.byKeyIds(keyIds.map((k) => bytesToHex(k)));
    const out: Uint8Array[] = [];
    for (const keyId of keyIds) {
      const row = rows.find((r) => r.keyId === bytesToHex(keyId) && r.parties.some((p) => p.partyId === partyId));
      if (row?.status === 'pending') continue;
      const action = row?.status === 'active' ? 'commit' : 'abort';
      // a key no account has was made by no session on record: the abort names the all-zero session
      const sessionId = row ? hexToBytes(row.sessionId) : new Uint8Array(32);
      const signed = signedDecisions.sign({ sessionId, keyId, action }, this.init.signingKey, ed25519);
      out.push(signedDecisions.encode(signed));
    }
    return out;
  }

  /** `partyId` registered: delivers the aborts it is due (see {@link abandonKeygens}). */
  partyOnline(partyId: string): void {
    this.abandoned.deliver(partyId);
  }

  /** {@inheritDoc CoordinatorService.getSession} */
  getSession(sessionId: Uint8Array): Promise<SessionView> {
    return this.reads.getSession(sessionId);
  }

  // ---- parties, tokens, health ------------------------------------------------------------------------

  /** {@inheritDoc CoordinatorService.listParties} */
  listParties(): Promise<PartyView[]> {
    return this.reads.listParties();
  }

  /** {@inheritDoc CoordinatorService.createJoinToken} */
  createJoinToken(ttlSeconds: number, role?: PartyRole): Promise<JoinTokenView> {
    return this.init.joinTokens.create(ttlSeconds, role);
  }

  /** {@inheritDoc CoordinatorService.revokeParty} */
  revokeParty(partyId: string): Promise<RevokedParty> {
    return this.init.joinTokens.revoke(partyId);
  }

  /** {@inheritDoc CoordinatorService.health} */
  health(): Promise<HealthView> {
    return this.reads.health();
  }
}
