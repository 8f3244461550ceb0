/**
 * Orchestration: how a keygen or a signing runs. The {@link Orchestrator} picks parties, writes and signs the
 * session record, announces it, judges the signed results, and keeps accounts, sessions and the event log in
 * the database. Reads for the API are in `reads.ts`, views in `views.ts`, how an attempt ends on the record in
 * `outcome.ts`.
 *
 * - Keygen: N online persistent parties (the `include`d ones first, whatever their role); the account becomes
 *   active only when every party reported the same public key; then each party is told to commit its pending
 *   share (abort otherwise). Hybrid custody: one of the N is an online delegate node, told the account id first
 *   (a delegate message); its result carries its share sealed for the caller, which the answer hands out once
 *   and nothing here keeps. A delegate commits nothing, so it gets no decision.
 * - Signing: `threshold` online parties holding the key, the required and `include`d ones first, then
 *   persistent, then by key index. With a user share: any online delegate node at the delegate's key index
 *   (delegates are interchangeable: the share opens under the operator's master key), told the account's key
 *   and the share first, which it opens before any session exists (`INVALID_USER_SHARE` when it does not);
 *   without one, the delegate's index is not used (`USER_SHARE_REQUIRED` when that leaves too few). The first result
 *   whose signature verifies under the account key (checked here, with noble) is released. A timeout (or a
 *   party that refuses or cannot be reached) is retried once with a fresh session id and without the silent
 *   parties; a failed protocol check is never retried: it is recorded with its culprits and returned.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { peerIdFromString } from '@libp2p/peer-id';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { Ack } from '../../protocols/control/ack.js';
import type { PartyRole, SessionResult } from '../../protocols/control/control.js';
import { signedDecisions } from '../../protocols/control/decision.js';
import { MAX_USER_SHARE_BYTES } from '../../protocols/control/delegate.js';
import { type SessionRecord, type SignedRecord, signedRecords } from '../../protocols/control/record.js';
import { nodeEd25519 } from '../../src/runtime/ed25519.js';
import type { Log } from '../../src/runtime/logger.js';
import type { AccountParty, AccountRow, Custody, Repositories } from '../db/types.js';
import { CoordinatorError } from '../errors.js';
import type { JoinTokens } from '../p2p/join-tokens.js';
import type { Presence, Rendezvous } from '../p2p/rendezvous.js';
import type {
  AccountView,
  CoordinatorService,
  CreatedAccountView,
  HealthView,
  JoinTokenView,
  KeygenRequest,
  PartyView,
  RevokedParty,
  SessionMetrics,
  SessionView,
  SignatureView,
  SignOptions,
} from '../service.js';
import {
  Attempt,
  indexOf,
  type Judge,
  type PartyIndex,
  partyAtIndex,
  type Verdict,
  verdictOfFailures,
} from './attempt.js';
import { checkSignature, ethereumAddress } from './ethereum.js';
import { Journal } from './journal.js';
import { type OutcomeSinks, recordOutcome, verdictError } from './outcome.js';
import { Reads } from './reads.js';

/** Default deadline of a keygen attempt. */
export const DEFAULT_KEYGEN_TIMEOUT_MS = 60_000;
/** Default deadline of a signing attempt (a first signing of a node pair includes its pair setup). */
export const DEFAULT_SIGN_TIMEOUT_MS = 30_000;

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
}

/** Active accounts kept in memory (oldest dropped first). */
const MAX_CACHED_ACCOUNTS = 10_000;

/** Ed25519 for records and decisions (OpenSSL). */
const ed25519 = nodeEd25519();

/** The coordinator's operations. */
export class Orchestrator implements CoordinatorService {
  private readonly attempts = new Map<string, Attempt<unknown>>();
  /** Active accounts by id: an active account never changes, so signing need not read it again. */
  private readonly active = new Map<string, AccountRow>();
  /** Journals still writing, so that a read of their session waits for them (read-your-writes). */
  private readonly journals = new Map<string, Journal>();

  /** The read side of the service (accounts, sessions, parties, health). */
  private readonly reads: Reads;

  constructor(private readonly init: OrchestratorInit) {
    this.reads = new Reads({
      network: init.network,
      repos: init.repos,
      journalOf: (sessionId) => this.journals.get(sessionId),
      ...(init.quorum === undefined ? {} : { quorum: init.quorum }),
    });
  }

  private get keygenTimeout(): number {
    return this.init.keygenTimeoutMs ?? DEFAULT_KEYGEN_TIMEOUT_MS;
  }

  private get signTimeout(): number {
    return this.init.signTimeoutMs ?? DEFAULT_SIGN_TIMEOUT_MS;
  }

  /** Routes a verified result from `partyId` to its attempt (the rendezvous calls this). */
  handleResult(partyId: string, result: SessionResult): Ack {
    const attempt = this.attempts.get(bytesToHex(result.sessionId));
    if (!attempt) return { ok: false, code: 'UNKNOWN_SESSION', message: 'no such session is running' };
    if (!attempt.offer(partyId, result)) {
      return { ok: false, code: 'NOT_NAMED', message: 'this party is not part of the session or already reported' };
    }
    return { ok: true };
  }

  // ---- accounts ---------------------------------------------------------------------------------------

  /** {@inheritDoc CoordinatorService.createAccount} */
  async createAccount(req: KeygenRequest): Promise<CreatedAccountView> {
    const { userId, threshold, parties: n } = req;
    const custody = req.custody ?? 'server';
    const chosen = this.pickKeygenParties(n, custody, req.include ?? []);
    const accountId = randomUUID();
    const keyId = randomBytes(32);
    // a keygen gives out the key-share indices 1..N; signing records name the parties by them
    const indexed = chosen.map((p, i) => ({ partyId: p.partyId, index: i + 1, role: p.role }));
    const record = this.record('keygen', keyId, threshold, indexed, this.keygenTimeout);
    const sessionId = bytesToHex(record.sessionId);
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
    const delegate = indexed.find((p) => p.role === 'delegate');
    if (delegate) {
      const ack = await this.init.network.delegate(delegate.partyId, {
        kind: 'keygen',
        sessionId: record.sessionId,
        accountId,
      });
      if (!ack.ok) {
        await this.init.repos.accounts.fail(accountId);
        throw new CoordinatorError('UNAVAILABLE', `the delegate node refused the keygen: ${ack.code}: ${ack.message}`, {
          partyId: delegate.partyId,
        });
      }
    }
    const started = performance.now();
    const partyIds = chosen.map((p) => p.partyId);
    // a delegate stores nothing: there is nothing for it to commit or abort
    const holders = indexed.filter((p) => p.role !== 'delegate').map((p) => p.partyId);
    const signed = signedRecords.sign(record, this.init.signingKey, ed25519);
    const journal = this.journal(signed, accountId, partyIds, 1, null);
    const judge = keygenJudge(n, delegate?.partyId);
    const verdict = await this.runAttempt(signed, partyIds, judge, this.keygenTimeout, journal);
    if (verdict.kind === 'ok') {
      const publicKey = `0x${bytesToHex(verdict.value.publicKey)}`;
      const address = ethereumAddress(verdict.value.publicKey);
      await this.init.repos.accounts.activate(accountId, publicKey, address);
      await this.decideAll(record, holders, 'commit', journal);
      journal.event('result', { publicKey, address, ...(delegate ? { userShare: 'returned to the caller' } : {}) });
      journal.write(() => this.init.repos.sessions.finish(sessionId, 'completed', { result: { publicKey, address } }));
    } else {
      await this.init.repos.accounts.fail(accountId);
      await this.decideAll(record, holders, 'abort', journal);
    }
    recordOutcome(this.sinks(journal), 'keygen', verdict, started);
    await journal.flush();
    if (verdict.kind !== 'ok') throw verdictError(verdict, sessionId, 'keygen');
    const view = await this.getAccount(accountId);
    const userShare = verdict.value.userShare;
    return userShare ? { ...view, userShare: Buffer.from(userShare).toString('base64url') } : view;
  }

  /**
   * The N parties of a keygen: the `include`d ones (online, whatever their role; at most one delegate, and only
   * for hybrid custody), then online persistent parties at random, and for hybrid custody one online delegate
   * node (an included one, else one at random).
   */
  private pickKeygenParties(n: number, custody: Custody, include: readonly string[]): Presence[] {
    const online = this.init.network.presence().filter((p) => this.online(p.partyId));
    const included: Presence[] = [];
    for (const id of include) {
      const p = online.find((x) => x.partyId === id);
      if (!p) throw new CoordinatorError('UNAVAILABLE', `include: party ${id} is not online`, { partyId: id });
      if (p.role === 'delegate' && custody !== 'hybrid') {
        throw new CoordinatorError(
          'INVALID_REQUEST',
          `include: party ${id} is a delegate node, which stores no share; it takes part only with custody "hybrid"`,
        );
      }
      included.push(p);
    }
    const delegates = included.filter((p) => p.role === 'delegate');
    if (delegates.length > 1) {
      throw new CoordinatorError(
        'INVALID_REQUEST',
        'include: names more than one delegate node; a key has one user share',
      );
    }
    const chosen = [...included];
    if (custody === 'hybrid' && delegates.length === 0) {
      const delegate = shuffle(online.filter((p) => p.role === 'delegate'))[0];
      if (!delegate)
        throw new CoordinatorError('UNAVAILABLE', 'hybrid custody needs an online delegate node; none is online');
      if (chosen.length >= n) {
        throw new CoordinatorError(
          'INVALID_REQUEST',
          `include: leaves no room for the delegate node among ${n} parties`,
        );
      }
      chosen.push(delegate);
    }
    const pool = shuffle(online.filter((p) => p.role === 'persistent' && !included.includes(p)));
    const wanted = n - chosen.length;
    if (pool.length < wanted) {
      throw new CoordinatorError(
        'UNAVAILABLE',
        `a ${n}-party ${custody} keygen needs ${wanted} more online persistent parties; ${pool.length} online`,
      );
    }
    return [...chosen, ...pool.slice(0, wanted)];
  }

  /** {@inheritDoc CoordinatorService.getAccount} */
  getAccount(accountId: string): Promise<AccountView> {
    return this.reads.getAccount(accountId);
  }

  /** {@inheritDoc CoordinatorService.listAccounts} */
  listAccounts(userId: string): Promise<AccountView[]> {
    return this.reads.listAccounts(userId);
  }

  // ---- signing ----------------------------------------------------------------------------------------

  /** {@inheritDoc CoordinatorService.sign} */
  async sign(accountId: string, hash: Uint8Array, opts: SignOptions = {}): Promise<SignatureView> {
    const account = this.active.get(accountId) ?? (await this.init.repos.accounts.get(accountId));
    if (!account) throw new CoordinatorError('NOT_FOUND', `account ${accountId} not found`);
    if (account.status !== 'active' || account.publicKey === null) {
      throw new CoordinatorError('CONFLICT', `account ${accountId} is ${account.status}, not active`);
    }
    if (!this.active.has(accountId)) {
      if (this.active.size >= MAX_CACHED_ACCOUNTS) this.active.delete(this.active.keys().next().value as string);
      this.active.set(accountId, account);
    }
    const publicKey = hexToBytes(account.publicKey.slice(2));
    const rules = signRules(account, opts);
    const excluded = new Set<string>();
    let retryOf: string | null = null;
    for (let attemptNo = 1; ; attemptNo++) {
      const picked = this.pickSigners(account, excluded, rules);
      const signers = picked.map((p) => p.partyId);
      const record = this.record('sign', hexToBytes(account.keyId), account.threshold, picked, this.signTimeout, hash);
      const sessionId = bytesToHex(record.sessionId);
      const delegate = picked.find((p) => p.role === 'delegate');
      if (delegate && opts.userShare) await this.handUserShare(account, delegate, record, opts.userShare, publicKey);
      const started = performance.now();
      const signed = signedRecords.sign(record, this.init.signingKey, ed25519);
      const journal = this.journal(signed, accountId, signers, attemptNo, retryOf);
      const judge = signJudge(hash, publicKey, { accountId, sessionId }, partyAtIndex(signed.record, signers));
      const verdict = await this.runAttempt(signed, signers, judge, this.signTimeout, journal);
      if (verdict.kind === 'ok') {
        journal.event('result', { signatureHex: verdict.value.signatureHex });
        journal.write(() =>
          this.init.repos.sessions.finish(sessionId, 'completed', { result: { ...verdict.value.signature } }),
        );
      }
      recordOutcome(this.sinks(journal), 'sign', verdict, started);
      if (verdict.kind === 'timeout' && attemptNo === 1 && verdict.silent.length > 0) {
        for (const p of verdict.silent) excluded.add(p);
        journal.event('retry', { excluded: verdict.silent });
        await journal.flush();
        retryOf = sessionId;
        this.init.log.warn(
          { session: sessionId, silent: verdict.silent },
          'signing timed out; retrying once without the silent parties',
        );
        continue;
      }
      // a released signature does not wait for the event log: reads of the session wait for it instead
      if (verdict.kind === 'ok') return verdict.value;
      await journal.flush();
      throw verdictError(verdict, sessionId, 'signing');
    }
  }

  /**
   * `threshold` online signers of the account, not excluded: the required and included parties first, then
   * persistent ones, then by key index; at the delegate's index (with a user share) an online delegate node.
   */
  private pickSigners(account: AccountRow, excluded: ReadonlySet<string>, rules: SignRules): PartyIndex[] {
    const role = (p: AccountParty) => this.init.network.get(p.partyId)?.role ?? p.role;
    const rank = (p: AccountParty) => (rules.must.has(p.partyId) ? 0 : role(p) === 'persistent' ? 1 : 2);
    const holders = account.parties.filter((p) => p.role !== 'delegate');
    for (const id of rules.must) {
      if (excluded.has(id) || !this.online(id)) {
        throw new CoordinatorError('UNAVAILABLE', `party ${id} must take part in this signing and is not online`, {
          partyId: id,
          ...(excluded.size > 0 ? { excluded: [...excluded] } : {}),
        });
      }
    }
    const picked: PartyIndex[] = [];
    const seat = account.parties.find((p) => p.role === 'delegate');
    if (rules.userShare && seat) {
      const node = shuffle(
        this.init.network
          .presence()
          .filter((p) => p.role === 'delegate' && this.online(p.partyId) && !excluded.has(p.partyId)),
      )[0];
      if (!node)
        throw new CoordinatorError(
          'UNAVAILABLE',
          'signing with the user share needs an online delegate node; none is online',
        );
      picked.push({ partyId: node.partyId, index: seat.index, role: 'delegate' });
    }
    const candidates = holders
      .filter((p) => !excluded.has(p.partyId) && this.online(p.partyId))
      .sort((a, b) => rank(a) - rank(b) || a.index - b.index);
    const wanted = account.threshold - picked.length;
    if (candidates.length < wanted) {
      throw new CoordinatorError(
        'UNAVAILABLE',
        `signing needs ${account.threshold} online parties holding the key; ${candidates.length + picked.length} available`,
        excluded.size > 0 ? { excluded: [...excluded] } : undefined,
      );
    }
    for (const p of candidates.slice(0, wanted)) picked.push({ partyId: p.partyId, index: p.index, role: role(p) });
    return picked.sort((a, b) => a.index - b.index);
  }

  /**
   * Hands the delegate node of a signing the account's key and the caller's user share, before the record. A
   * share that does not open is the caller's error (400 `INVALID_USER_SHARE`): no session exists yet, so no pair
   * state is used and no party is blamed.
   */
  private async handUserShare(
    account: AccountRow,
    delegate: PartyIndex,
    record: SessionRecord,
    userShare: Uint8Array,
    publicKey: Uint8Array,
  ): Promise<void> {
    if (userShare.length > MAX_USER_SHARE_BYTES) {
      throw new CoordinatorError(
        'INVALID_USER_SHARE',
        `userShare: longer than any user share (${MAX_USER_SHARE_BYTES} bytes)`,
      );
    }
    const ack = await this.init.network.delegate(delegate.partyId, {
      kind: 'sign',
      sessionId: record.sessionId,
      accountId: account.accountId,
      keyId: record.keyId,
      index: delegate.index,
      publicKey,
      userShare,
    });
    if (ack.ok) return;
    if (ack.code === 'INVALID_USER_SHARE') {
      throw new CoordinatorError(
        'INVALID_USER_SHARE',
        `userShare: not the user share of account ${account.accountId} (altered, truncated, or another account's)`,
      );
    }
    throw new CoordinatorError('UNAVAILABLE', `the delegate node refused the signing: ${ack.code}: ${ack.message}`, {
      partyId: delegate.partyId,
    });
  }

  // ---- sessions ---------------------------------------------------------------------------------------

  private online(partyId: string): boolean {
    return this.init.network.isOnline(partyId);
  }

  /** A fresh record for `parties` (each with its key-share index), with their registered addresses. */
  private record(
    kind: 'keygen' | 'sign',
    keyId: Uint8Array,
    threshold: number,
    indexed: readonly PartyIndex[],
    ttlMs: number,
    messageHash?: Uint8Array,
  ): SessionRecord {
    const parties = indexed.map(({ partyId, index, role }) => ({
      peerId: peerIdBytes(partyId),
      index,
      addrs: (this.init.network.get(partyId)?.addresses ?? []).slice(0, 8),
      // the role tells a delegate node it is one, and the parties whom to reach across the relay (external)
      ...(role ? { role } : {}),
    }));
    const base = {
      sessionId: randomBytes(32),
      kind,
      protocol: 'dkls23',
      keyId,
      threshold,
      parties,
      expiresAt: Date.now() + ttlMs,
    };
    return messageHash ? { ...base, messageHash } : base;
  }

  private journal(
    signed: SignedRecord,
    accountId: string,
    partyIds: readonly string[],
    attempt: number,
    retryOf: string | null,
  ): Journal {
    const record = signed.record;
    const sessionId = bytesToHex(record.sessionId);
    const journal = new Journal(this.init.repos.sessions, sessionId, (e) =>
      this.init.log.warn({ session: sessionId, error: String(e) }, 'could not record a session event'),
    );
    this.journals.set(sessionId, journal);
    journal.write(() =>
      this.init.repos.sessions.insert({
        sessionId,
        kind: record.kind,
        accountId,
        parties: partyIds.map((partyId) => ({ partyId, index: indexOf(record, partyId) })),
        messageHash: record.messageHash ? `0x${bytesToHex(record.messageHash)}` : null,
        attempt,
        retryOf,
        record: signed.bytes,
      }),
    );
    journal.event('created', { kind: record.kind, attempt, ...(retryOf ? { retryOf } : {}) });
    return journal;
  }

  private sinks(journal: Journal): OutcomeSinks {
    return { journal, sessions: this.init.repos.sessions, metrics: this.init.metrics };
  }

  private async runAttempt<T>(
    signed: SignedRecord,
    partyIds: readonly string[],
    judge: Judge<T>,
    timeoutMs: number,
    journal: Journal,
  ): Promise<Verdict<T>> {
    const key = bytesToHex(signed.record.sessionId);
    const attempt = new Attempt(signed, partyIds, judge, {
      announce: (p, s) => this.init.network.announce(p, s),
      publish: (s) => this.init.network.publish(signedRecords.encode(s)),
      event: (type, detail, partyId) => journal.event(type, detail, partyId),
    });
    this.attempts.set(key, attempt as Attempt<unknown>);
    void attempt.settled.promise
      .then(() => {
        this.attempts.delete(key);
        // the verdict's own writes are queued in the same turn as the verdict; let them join the chain first
        return new Promise((r) => setImmediate(r));
      })
      .then(() => journal.flush())
      .then(() => this.journals.delete(key));
    return attempt.run(timeoutMs);
  }

  private async decideAll(
    record: SessionRecord,
    partyIds: readonly string[],
    action: 'commit' | 'abort',
    journal: Journal,
  ) {
    const signed = signedDecisions.sign(
      { sessionId: record.sessionId, keyId: record.keyId, action },
      this.init.signingKey,
      ed25519,
    );
    const acks = await Promise.all(partyIds.map((p) => this.init.network.decide(p, signed)));
    void this.init.network.publish(signedDecisions.encode(signed)); // the copy for a party that missed the direct one
    acks.forEach((a, i) => {
      if (!a.ok) journal.event(`${action}-refused`, { code: a.code, message: a.message }, partyIds[i]);
    });
    journal.event(action, { parties: partyIds.length });
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

/** A keygen's outcome: the agreed public key, and the delegate's sealed share for hybrid custody. */
interface KeygenValue {
  publicKey: Uint8Array;
  userShare?: Uint8Array;
}

function keygenJudge(n: number, delegate: string | undefined): Judge<KeygenValue> {
  return (results, latest) => {
    const failure = verdictOfFailures(results, () => undefined);
    if (failure) return failure;
    const r = results.get(latest);
    const bad = (message: string) => ({ kind: 'failed' as const, code: 'BAD_RESULT', message, culprits: [latest] });
    if (r && !r.publicKey) return bad('a keygen result without a public key');
    // only the delegate hands out a share, and it must
    if (r && latest === delegate && !r.userShare) return bad('the delegate node returned no user share');
    if (r && latest !== delegate && r.userShare) return bad('a party that keeps its share returned a user share');
    if (results.size < n) return undefined;
    const keys = new Set([...results.values()].map((x) => bytesToHex(x.publicKey as Uint8Array)));
    if (keys.size !== 1)
      return {
        kind: 'failed',
        code: 'KEY_MISMATCH',
        message: 'the parties reported different public keys',
        culprits: [],
      };
    const publicKey = (results.get(latest) as SessionResult).publicKey as Uint8Array;
    const userShare = delegate === undefined ? undefined : results.get(delegate)?.userShare;
    return { kind: 'ok', value: userShare ? { publicKey, userShare } : { publicKey } };
  };
}

/** What a signing request asks of the signer set. */
interface SignRules {
  /** Parties that must sign (the account's required ones and the request's `include`). */
  readonly must: ReadonlySet<string>;
  /** The request brought a user share (then a delegate node signs at the delegate's index). */
  readonly userShare: boolean;
}

/**
 * The rules of one signing of `account`, or a 400: `USER_SHARE_REQUIRED` when the account needs its user share
 * and none came (it requires one, or its persistent parties alone cannot reach the threshold), a user share for
 * an account that has none, an `include` that names no signer of the account.
 */
function signRules(account: AccountRow, opts: SignOptions): SignRules {
  const hybrid = account.custody === 'hybrid';
  const holders = account.parties.filter((p) => p.role !== 'delegate').length;
  if (opts.userShare && !hybrid) {
    throw new CoordinatorError(
      'INVALID_REQUEST',
      `userShare: account ${account.accountId} has no user share (custody "server")`,
    );
  }
  if (!opts.userShare && hybrid && (account.requireUserShare || holders < account.threshold)) {
    throw new CoordinatorError(
      'USER_SHARE_REQUIRED',
      account.requireUserShare
        ? `userShare: account ${account.accountId} requires its user share for every signing`
        : `userShare: account ${account.accountId} has ${holders} parties keeping a share, fewer than its threshold ${account.threshold}; send the user share its creation returned`,
    );
  }
  const must = new Set(account.requiredParties);
  for (const id of opts.include ?? []) {
    const p = account.parties.find((x) => x.partyId === id);
    if (!p)
      throw new CoordinatorError(
        'INVALID_REQUEST',
        `include: party ${id} holds no share of account ${account.accountId}`,
      );
    if (p.role === 'delegate') {
      throw new CoordinatorError('INVALID_REQUEST', `include: party ${id} is the delegate; send the userShare instead`);
    }
    must.add(id);
  }
  const seats = account.threshold - (opts.userShare ? 1 : 0);
  if (must.size > seats) {
    throw new CoordinatorError(
      'INVALID_REQUEST',
      `include: ${must.size} required parties but a signing has ${seats} seats for them`,
    );
  }
  return { must, userShare: opts.userShare !== undefined };
}

function signJudge(
  hash: Uint8Array,
  publicKey: Uint8Array,
  ids: { accountId: string; sessionId: string },
  partyAt: (index: number) => string | undefined,
): Judge<SignatureView> {
  return (results, latest) => {
    const r = results.get(latest);
    if (r?.status === 'ok') {
      if (!r.signature)
        return {
          kind: 'failed',
          code: 'BAD_RESULT',
          message: 'a signing result without a signature',
          culprits: [latest],
        };
      const checked = checkSignature(r.signature, hash, publicKey, ids);
      if (checked.ok) return { kind: 'ok', value: checked.view };
      return {
        kind: 'failed',
        code: 'BAD_SIGNATURE',
        message: `party ${latest} released a bad signature: ${checked.reason}`,
        culprits: [latest],
      };
    }
    return verdictOfFailures(results, partyAt);
  };
}

function shuffle<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomBytes(4).readUInt32BE(0) % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function peerIdBytes(id: string): Uint8Array {
  return peerIdFromString(id).toMultihash().bytes;
}
