/**
 * Orchestration: how a keygen or a signing runs. The {@link Orchestrator} picks parties, writes and signs the
 * session record, announces it, judges the signed results, and keeps accounts, sessions and the event log in
 * the database. Reads for the API are in `reads.ts`, views in `views.ts`, how an attempt ends on the record in
 * `outcome.ts`.
 *
 * - Keygen: N online persistent parties; the account becomes active only when every party reported the same
 *   public key; then each party is told to commit its pending share (abort otherwise).
 * - Signing: `threshold` online parties holding the key, persistent first, in random order within a role (load
 *   spreads over the parties). The first result whose signature verifies under the account key (checked here,
 *   with noble) is released. An attempt that ends for unavailability — a timeout, a party that refuses, cannot
 *   be reached, disconnects, aborts (stopping) or has banned a peer — is retried with a fresh session id without
 *   the silent parties, up to {@link MAX_SIGN_ATTEMPTS} attempts; a failed protocol check with a culprit is never
 *   retried: it is recorded with its culprits and returned.
 * - Neither ever picks a set containing a banned pair (one party reported it banned the other) while another set
 *   exists; when none exists the request fails at once as unavailable, naming the pairs.
 * - A party that disconnects ends the attempts it is named in at once (as silent), rather than at the deadline.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { peerIdFromString } from '@libp2p/peer-id';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { Ack } from '../../protocols/control/ack.js';
import type { PartyRole, SessionResult } from '../../protocols/control/control.js';
import { signedDecisions } from '../../protocols/control/decision.js';
import { type SessionRecord, type SignedRecord, signedRecords } from '../../protocols/control/record.js';
import { nodeEd25519 } from '../../src/runtime/ed25519.js';
import type { Log } from '../../src/runtime/logger.js';
import type { AbandonedKeygen, AccountRow, Repositories } from '../db/types.js';
import { CoordinatorError } from '../errors.js';
import type { JoinTokens } from '../p2p/join-tokens.js';
import type { Rendezvous } from '../p2p/rendezvous.js';
import type {
  AccountView,
  CoordinatorService,
  HealthView,
  KeygenRequest,
  PartyView,
  SessionMetrics,
  SessionView,
  SignatureView,
} from '../service.js';
import { AbandonedKeygens } from './abandoned.js';
import { Attempt, indexOf, type Judge, type PartyIndex, partyAtIndex, type Verdict } from './attempt.js';
import { type BannedPair, bannedPairs, describePairs, pickWithoutBannedPair } from './banned-pairs.js';
import { ethereumAddress } from './ethereum.js';
import { Journal } from './journal.js';
import { keygenJudge, signJudge } from './judges.js';
import { type OutcomeSinks, recordOutcome, verdictError } from './outcome.js';
import { Reads } from './reads.js';

/** Default deadline of a keygen attempt. */
export const DEFAULT_KEYGEN_TIMEOUT_MS = 60_000;
/** Default deadline of a signing attempt (a first signing of a node pair includes its pair setup). */
export const DEFAULT_SIGN_TIMEOUT_MS = 30_000;
/** Before its drain deadline, a stopping coordinator cancels the sessions still running this long ahead. */
const CANCEL_MARGIN_MS = 1_500;

/** Attempts of one signing request (the first and its retries without silent parties). */
export const MAX_SIGN_ATTEMPTS = 3;

/** The parts of the rendezvous orchestration uses. */
export type PartyNetwork = Pick<Rendezvous, 'announce' | 'decide' | 'publish' | 'isOnline' | 'presence' | 'get'>;

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

  /** Abort decisions still to deliver: keygens a previous coordinator process left unfinished. */
  private readonly abandoned: AbandonedKeygens;

  /** Keygen and signing requests being served (a drain waits for them). */
  private running = 0;
  private draining = false;

  /** The read side of the service (accounts, sessions, parties, health). */
  private readonly reads: Reads;

  constructor(private readonly init: OrchestratorInit) {
    this.abandoned = new AbandonedKeygens(init.network, init.signingKey, init.log);
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

  /** True once {@link drain} was called: new keygens and signings are refused (503). */
  get isDraining(): boolean {
    return this.draining;
  }

  /**
   * Stops taking keygens and signings (they answer 503 UNAVAILABLE) and waits for the running ones, at most
   * `deadlineMs`; then cancels the attempts still running (their outcome is recorded: failed, the coordinator is
   * stopping) and waits for those requests to answer and for every journal to be written.
   */
  async drain(deadlineMs: number): Promise<{ finished: boolean }> {
    this.draining = true;
    const until = Date.now() + deadlineMs;
    const wait = async (t: number) => {
      while (this.running > 0 && Date.now() < t) await new Promise((r) => setTimeout(r, 20));
    };
    // the cancelled requests still answer (503) and record their outcome within the deadline
    await wait(until - Math.min(CANCEL_MARGIN_MS, deadlineMs / 2));
    const finished = this.running === 0;
    if (!finished) {
      this.init.log.warn({ running: this.running }, 'drain deadline near; cancelling the running sessions');
      for (const a of this.attempts.values()) a.cancel();
      await wait(until);
    }
    await Promise.all([...this.journals.values()].map((j) => j.flush()));
    return { finished };
  }

  /** A session cancelled by a drain answers 503 (retry shortly, elsewhere or after the restart), not 504. */
  private stoppingError(verdict: Verdict<unknown>, sessionId: string): CoordinatorError | undefined {
    if (!this.draining || verdict.kind !== 'timeout' || verdict.silent.length > 0) return undefined;
    return new CoordinatorError('UNAVAILABLE', 'the coordinator is stopping; the session was cancelled, retry', {
      sessionId,
    });
  }

  /** Runs one keygen or signing request, counted for {@link drain}; refused once draining. */
  private async serve<T>(work: () => Promise<T>): Promise<T> {
    if (this.draining) throw new CoordinatorError('UNAVAILABLE', 'the coordinator is stopping; retry shortly');
    this.running++;
    return work().finally(() => this.running--);
  }

  /** {@inheritDoc CoordinatorService.createAccount} */
  createAccount(req: KeygenRequest): Promise<AccountView> {
    return this.serve(() => this.runKeygen(req));
  }

  private async runKeygen(req: KeygenRequest): Promise<AccountView> {
    const { userId, threshold, parties: n } = req;
    const online = this.init.network.presence().filter((p) => p.role === 'persistent' && this.online(p.partyId));
    if (online.length < n) {
      throw new CoordinatorError(
        'UNAVAILABLE',
        `a ${threshold}-of-${n} keygen needs ${n} online persistent parties; ${online.length} online`,
      );
    }
    const pairs = this.bannedPairs();
    const chosen = pickWithoutBannedPair(shuffle(online), n, pairs);
    if (!chosen) throw bannedPairsError(`a ${threshold}-of-${n} keygen`, pairs);
    const accountId = randomUUID();
    const keyId = randomBytes(32);
    // a keygen gives out the key-share indices 1..N; signing records name the parties by them
    const indexed = chosen.map((p, i) => ({ partyId: p.partyId, index: i + 1 }));
    const record = this.record('keygen', keyId, threshold, indexed, this.keygenTimeout);
    const sessionId = bytesToHex(record.sessionId);
    await this.init.repos.accounts.insert({
      accountId,
      userId,
      keyId: bytesToHex(keyId),
      threshold,
      sessionId,
      parties: chosen.map((p, i) => ({ partyId: p.partyId, index: i + 1, role: p.role })),
    });
    const started = performance.now();
    const partyIds = chosen.map((p) => p.partyId);
    const signed = signedRecords.sign(record, this.init.signingKey, ed25519);
    const journal = this.journal(signed, accountId, partyIds, 1, null);
    const verdict = await this.runAttempt(signed, partyIds, keygenJudge(n), this.keygenTimeout, journal);
    if (verdict.kind === 'ok') {
      const publicKey = `0x${bytesToHex(verdict.value)}`;
      const address = ethereumAddress(verdict.value);
      await this.init.repos.accounts.activate(accountId, publicKey, address);
      await this.decideAll(record, partyIds, 'commit', journal);
      journal.event('result', { publicKey, address });
      journal.write(() => this.init.repos.sessions.finish(sessionId, 'completed', { result: { publicKey, address } }));
    } else {
      await this.init.repos.accounts.fail(accountId);
      await this.decideAll(record, partyIds, 'abort', journal);
    }
    recordOutcome(this.sinks(journal), 'keygen', verdict, started);
    await journal.flush();
    if (verdict.kind !== 'ok')
      throw this.stoppingError(verdict, sessionId) ?? verdictError(verdict, sessionId, 'keygen');
    return this.getAccount(accountId);
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
  sign(accountId: string, hash: Uint8Array): Promise<SignatureView> {
    return this.serve(() => this.runSign(accountId, hash));
  }

  private async runSign(accountId: string, hash: Uint8Array): Promise<SignatureView> {
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
    const excluded = new Set<string>();
    let retryOf: string | null = null;
    for (let attemptNo = 1; ; attemptNo++) {
      const picked = this.pickSigners(account, excluded);
      const signers = picked.map((p) => p.partyId);
      const record = this.record('sign', hexToBytes(account.keyId), account.threshold, picked, this.signTimeout, hash);
      const sessionId = bytesToHex(record.sessionId);
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
      if (verdict.kind === 'timeout' && attemptNo < MAX_SIGN_ATTEMPTS && verdict.silent.length > 0) {
        for (const p of verdict.silent) excluded.add(p);
        journal.event('retry', { excluded: verdict.silent });
        await journal.flush();
        retryOf = sessionId;
        this.init.log.warn(
          { session: sessionId, silent: verdict.silent, reason: verdict.message },
          'signing attempt ended for unavailability; retrying without the silent parties',
        );
        continue;
      }
      // a released signature does not wait for the event log: reads of the session wait for it instead
      if (verdict.kind === 'ok') return verdict.value;
      await journal.flush();
      throw this.stoppingError(verdict, sessionId) ?? verdictError(verdict, sessionId, 'signing');
    }
  }

  /**
   * `threshold` online parties of the account, not excluded, no two of them a banned pair: persistent first,
   * in random order within a role so that signings spread over the parties.
   */
  private pickSigners(account: AccountRow, excluded: ReadonlySet<string>): PartyIndex[] {
    const rank = (role: PartyRole | undefined) => (role === 'persistent' ? 0 : 1);
    const candidates = shuffle(account.parties.filter((p) => !excluded.has(p.partyId) && this.online(p.partyId))).sort(
      (a, b) => rank(this.init.network.get(a.partyId)?.role) - rank(this.init.network.get(b.partyId)?.role),
    );
    if (candidates.length < account.threshold) {
      throw new CoordinatorError(
        'UNAVAILABLE',
        `signing needs ${account.threshold} online parties holding the key; ${candidates.length} available`,
        excluded.size > 0 ? { excluded: [...excluded] } : undefined,
      );
    }
    const pairs = this.bannedPairs();
    const chosen = pickWithoutBannedPair(candidates, account.threshold, pairs);
    if (!chosen) throw bannedPairsError('signing', pairs);
    return chosen.map(({ partyId, index }) => ({ partyId, index }));
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
    for (const attempt of this.attempts.values()) attempt.partyGone(partyId);
  }

  // ---- sessions ---------------------------------------------------------------------------------------

  /** Online and taking sessions (not draining). */
  private online(partyId: string): boolean {
    return this.init.network.isOnline(partyId) && this.init.network.get(partyId)?.draining !== true;
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
    const parties = indexed.map(({ partyId, index }) => ({
      peerId: peerIdBytes(partyId),
      index,
      addrs: (this.init.network.get(partyId)?.addresses ?? []).slice(0, 8),
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

  /**
   * Keygens a previous coordinator process left unfinished (now failed): each of their parties is sent a signed
   * abort, so that it discards its pending share, when it is online (now, or when it registers).
   */
  abandonKeygens(keygens: readonly AbandonedKeygen[]): void {
    this.abandoned.add(keygens, (p: string) => this.online(p));
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
  createJoinToken(ttlSeconds: number): Promise<{ token: string; expiresAt: string }> {
    return this.init.joinTokens.create(ttlSeconds);
  }

  /** {@inheritDoc CoordinatorService.health} */
  health(): Promise<HealthView> {
    return this.reads.health();
  }
}

/** The failure of a request every candidate set of which holds a banned pair. */
function bannedPairsError(what: string, pairs: readonly BannedPair[]): CoordinatorError {
  return new CoordinatorError(
    'UNAVAILABLE',
    `${what}: every set of available parties contains a banned pair (${describePairs(pairs)}); an operator lifts the ban on the party that made it (mpc party unban), or brings another party online`,
    { bannedPairs: pairs.map((p) => [...p]) },
  );
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
