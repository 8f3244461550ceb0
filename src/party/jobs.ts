/**
 * The party node's keygen and signing jobs: one per accepted record, run with the record's parties (indexed by
 * their key-share indices) through the session runner, ending in a signed result to the coordinator. A keygen
 * stores its share pending; a signing reads the committed share from a small cache (a committed share never
 * changes, so it need not be unsealed and re-validated per signing) and pair states from pairing. A delegate
 * node (delegate.ts) instead seals its keygen share into the result and signs with the share its delegate
 * message brought. External peers are reached across the relay first (relay-peers.ts). A reshare (or refresh)
 * deals from the committed share of the old key and stores the new share pending, in place of the old one once
 * committed; then every pair of parties of the new key runs a fresh pair setup (a Δ stolen before the refresh
 * must not outlive it). A party leaving the key notes that its old share goes at the commit. Presigning and
 * signing from a stored presignature are in presign-jobs.ts.
 */
import type { PrivateKey } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import { toHex } from '../../protocols/common/bytes.js';
import { isCodedError, ProtocolError } from '../../protocols/common/errors.js';
import type { ProtocolRun } from '../../protocols/common/run.js';
import type { ResultError, SessionResult } from '../../protocols/control/control.js';
import { ControlError } from '../../protocols/control/errors.js';
import type { Ed25519 } from '../../protocols/control/peer-key.js';
import type { SessionRecord } from '../../protocols/control/record.js';
import { signedResults } from '../../protocols/control/result.js';
import type { PartyRole } from '../../protocols/control/roles.js';
import type { KeyShare } from '../../protocols/dkls23/key-share.js';
import { createKeygen } from '../../protocols/dkls23/keygen.js';
import type { PairGuard } from '../../protocols/dkls23/pair-guard.js';
import { createReshare } from '../../protocols/dkls23/reshare.js';
import { createSign, type Presignature, type Signature } from '../../protocols/dkls23/sign.js';
import type { Host } from '../runtime/host.js';
import type { Log } from '../runtime/logger.js';
import type { SessionOutcome } from '../runtime/metrics.js';
import { nodeSuite } from '../runtime/suite.js';
import { SessionError, toSessionError } from '../session/errors.js';
import type { Pairing } from '../session/pairing.js';
import type { SessionRegistry } from '../session/registry.js';
import { runSession, type TamperOutbound } from '../session/runner.js';
import type { ShareStore } from '../store/share-store.js';
import { childTweak } from './child-key.js';
import type { CoordinatorLink } from './coordinator-link.js';
import { type DelegateDesk, DelegateError, selfRole, sessionKeyShare } from './delegate.js';
import { peerIdOfBytes } from './peer-id.js';
import { type JobPeers, onlineShareJob, type PoolJobContext, presignJob } from './presign-jobs.js';
import { reachSessionPeers } from './relay-peers.js';
import { reshareConfig, reshareRole } from './reshare-config.js';

/** Decoded committed shares kept in memory (oldest dropped first). */
const MAX_CACHED_SHARES = 1024;
/** How long stopping waits for running jobs to report their abort. */
const STOP_GRACE_MS = 5_000;

/** What the jobs need. */
export interface JobsInit {
  readonly host: Host;
  readonly store: ShareStore;
  readonly registry: SessionRegistry;
  readonly pairing: Pairing;
  readonly guard: PairGuard;
  readonly coordinator: CoordinatorLink;
  /** The node's libp2p identity, which signs results. */
  readonly identity: PrivateKey;
  readonly ed25519: Ed25519;
  readonly roundTimeoutMs: number;
  readonly totalTimeoutMs: number;
  readonly log: Log;
  readonly onSessionEnd?: (kind: string, outcome: SessionOutcome, seconds: number) => void;
  readonly onRound?: (kind: string, round: number, seconds: number) => void;
  readonly tamperOutbound?: TamperOutbound;
  /** This node's role. @default 'persistent' */
  readonly role?: PartyRole;
  /** A delegate node's sessions (delegate nodes only). */
  readonly delegate?: DelegateDesk;
}

type Peers = JobPeers;

/** Runs accepted records; see the module comment. */
export class SessionJobs {
  private readonly inflight = new Map<string, AbortController>();
  /** Committed shares already decoded, by key id (hex). */
  private readonly committed = new Map<string, KeyShare>();

  /** What the presignature jobs (presign-jobs.ts) use of these. */
  private readonly pool: PoolJobContext;

  constructor(private readonly o: JobsInit) {
    // a share a reshare's commit deleted must not be signed with from memory either
    o.store.onShareRetired((keyId) => this.committed.delete(toHex(keyId)));
    this.pool = {
      store: o.store,
      pairing: o.pairing,
      guard: o.guard,
      committedShare: (keyId) => this.committedShare(keyId),
      reach: (record, selfIndex, signal) => this.reach(record, selfIndex, signal),
      drive: (record, self, peers, run, signal, tokens) => this.drive(record, self, peers, run, signal, tokens),
    };
  }

  /**
   * Runs the session of `record` and reports its signed result; never throws. (A signing from a presignature is
   * no session: {@link presigned} answers it.)
   */
  start(record: SessionRecord, selfIndex: number): void {
    void this.runAndReport(record, selfIndex);
  }

  /**
   * Lets running jobs finish for at most `drainMs` (the node stops: it takes no new one), then aborts the rest and
   * waits (a few seconds at most) until each has reported its abort.
   */
  async stop(drainMs = 0): Promise<void> {
    const drainUntil = Date.now() + drainMs;
    while (this.inflight.size > 0 && Date.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
    for (const c of this.inflight.values()) c.abort();
    const deadline = Date.now() + STOP_GRACE_MS;
    while (this.inflight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  /**
   * Answers a signing from a presignature at once (no session with the other signers): this party's online
   * share as a signed result, or a failed result when it cannot give one (a refused record, a missing chain code).
   * The coordinator combines the shares (docs/protocol.md "Derived keys and presignature pools"). With `report`
   * (the record came by gossip, so there is no answer to carry it) the result also goes to the coordinator as a
   * report. Never throws.
   */
  async presigned(record: SessionRecord, presignature: Presignature | undefined, report: boolean): Promise<Uint8Array> {
    const started = performance.now();
    let result: SessionResult;
    let outcome: SessionOutcome = 'ok';
    try {
      result = await onlineShareJob(this.pool, record, presignature);
    } catch (e) {
      ({ result, outcome } = this.failed(record, e));
    }
    this.o.onSessionEnd?.(record.kind, outcome, (performance.now() - started) / 1000);
    const signed = this.signResult(result);
    if (report) await this.report(toHex(record.sessionId), signed);
    return signed;
  }

  private async runAndReport(record: SessionRecord, selfIndex: number): Promise<void> {
    const started = performance.now();
    const abort = new AbortController();
    const session = toHex(record.sessionId);
    this.inflight.set(session, abort);
    // a keygen or reshare is rare and makes a key: worth a line (signings and presignings are many; their failures
    // are logged)
    if (record.kind === 'keygen' || record.kind === 'reshare')
      this.o.log.info({ session, keyId: toHex(record.keyId) }, `${record.kind} started`);
    let result: SessionResult;
    let outcome: SessionOutcome = 'ok';
    try {
      switch (record.kind) {
        case 'keygen':
          result = await this.keygen(record, selfIndex, abort.signal);
          break;
        case 'sign':
          if (record.presignature) throw new ControlError('BAD_RECORD', 'a signing from a presignature is no session');
          result = await this.sign(record, selfIndex, abort.signal);
          break;
        case 'reshare':
          result = await this.reshare(record, selfIndex, abort.signal);
          break;
        case 'presign':
          result = await presignJob(this.pool, record, selfIndex, peersOf(record, selfIndex), abort.signal);
          break;
      }
    } catch (e) {
      ({ result, outcome } = this.failed(record, e));
      // a delegate keeps nothing about keys, not even a freeze: the user share's owner decides what happens next
      if (result.error?.code === 'SIGNATURE_INVALID' && this.o.role !== 'delegate') await this.freeze(record, session);
    }
    this.o.onSessionEnd?.(record.kind, outcome, (performance.now() - started) / 1000);
    try {
      await this.report(session, this.signResult(result));
    } finally {
      // only now: stop() waits for this, so an aborted session's result still reaches the coordinator
      this.inflight.delete(session);
    }
  }

  /** The result a failed job reports, and how it ended (logged). */
  private failed(record: SessionRecord, e: unknown): { result: SessionResult; outcome: SessionOutcome } {
    const failure = failureOf(e, record);
    const session = toHex(record.sessionId);
    this.o.log.warn({ session, kind: record.kind, error: failure.error, reason: errorText(e) }, 'session failed');
    return {
      outcome: failure.outcome,
      result: {
        sessionId: record.sessionId,
        status: failure.outcome === 'timeout' ? 'timeout' : 'failed',
        error: failure.error,
      },
    };
  }

  /** `result` signed with this node's identity, as a `RESULT` envelope. */
  private signResult(result: SessionResult): Uint8Array {
    return signedResults.encode(signedResults.sign(result, this.o.identity.raw.subarray(0, 32), this.o.ed25519));
  }

  /** Sends a signed result to the coordinator; a refusal or a failure is logged (never throws). */
  private async report(session: string, signed: Uint8Array): Promise<void> {
    try {
      const ack = await this.o.coordinator.request(signed);
      if (!ack.ok) this.o.log.warn({ session, code: ack.code }, 'the coordinator refused the result');
    } catch (e) {
      this.o.log.warn({ session, error: String(e) }, 'could not report the result');
    }
  }

  /**
   * A signature that does not verify after every check passed: freeze the key here (durably, before the
   * result reports it) until an operator lifts it; see store/frozen-keys.ts.
   */
  private async freeze(record: SessionRecord, session: string): Promise<void> {
    const keyId = toHex(record.keyId);
    try {
      await this.o.store.frozenKeys.freeze(record.keyId, `SIGNATURE_INVALID in session ${session}`);
      this.o.log.error(
        { keyId, session },
        'key frozen: a signature failed its final verification; no session for this key until an operator runs mpc party unfreeze --key',
      );
    } catch (e) {
      this.o.log.error(
        { keyId, session, error: String(e) },
        'could not freeze the key after a failed final verification',
      );
    }
  }

  private async keygen(record: SessionRecord, selfIndex: number, signal: AbortSignal): Promise<SessionResult> {
    const delegated = selfRole(record, selfIndex) === 'delegate' ? this.desk().take(record) : undefined;
    await this.reach(record, selfIndex, signal);
    const ordered = [...record.parties].sort((a, b) => a.index - b.index);
    const run = createKeygen({
      sessionId: record.sessionId,
      keyId: record.keyId,
      threshold: record.threshold,
      nodeIds: ordered.map((p) => p.peerId),
      self: selfIndex,
      suite: nodeSuite(),
    });
    const share: KeyShare = await this.drive(record, selfIndex, peersOf(record, selfIndex), run, signal);
    if (delegated) {
      // sealed for the caller and not kept: this node stores nothing about the key
      const userShare = this.desk().seal(share, delegated.accountId);
      this.o.log.info({ keyId: toHex(record.keyId) }, 'keygen done; share sealed for the caller, not stored');
      return { sessionId: record.sessionId, status: 'ok', ...publicKeyOf(share), userShare };
    }
    await this.o.store.putPendingShare(share);
    this.o.log.info({ keyId: toHex(record.keyId) }, 'keygen done; share stored pending');
    return { sessionId: record.sessionId, status: 'ok', ...publicKeyOf(share) };
  }

  private async sign(record: SessionRecord, selfIndex: number, signal: AbortSignal): Promise<SessionResult> {
    const held =
      selfRole(record, selfIndex) === 'delegate'
        ? this.desk().take(record).share
        : await this.committedShare(record.keyId);
    if (!held) throw new DelegateError('NO_DELEGATE_CONTEXT', 'the delegate message of this signing brought no share');
    // the record names every signer by the key-share index it holds (a delegate share by whichever delegate node
    // opened it); a record that does not is refused
    const share = sessionKeyShare(held, record);
    await this.reach(record, selfIndex, signal);
    const peers = peersOf(record, selfIndex);
    // pair setup and session dial a peer at the record's addresses (session/links.ts): a signer this node never met
    // (a delegate node that took no part in the keygen) is known only by them, and a peer may have restarted on
    // another port
    const pairs = await this.o.pairing.pairsFor(peers, signal);
    const run = createSign(
      {
        sessionId: record.sessionId,
        keyShare: share,
        signers: record.parties.map((p) => p.index),
        pairs,
        suite: nodeSuite(),
        pairGuard: this.o.guard,
      },
      record.messageHash as Uint8Array,
      { tweak: childTweak(share, record) },
    );
    // each link checks in its hello that both ends hold the same pair state (psid) before any OT message
    const tokens = new Map([...pairs].map(([i, state]) => [i, state.psid] as const));
    const sig: Signature = await this.drive(record, selfIndex, peers, run, signal, tokens);
    return { sessionId: record.sessionId, status: 'ok', signature: { r: sig.r, s: sig.s, recovery: sig.recovery } };
  }

  private async reshare(record: SessionRecord, selfIndex: number, signal: AbortSignal): Promise<SessionResult> {
    const started = Date.now();
    const { self, terms } = reshareRole(record, selfIndex);
    const old = self.oldIndex === undefined ? undefined : await this.committedShare(terms.fromKeyId);
    await this.reach(record, selfIndex, signal);
    const run = createReshare(reshareConfig(record, terms, selfIndex, old));
    const peers = peersOf(record, selfIndex);
    const share = await this.drive(record, selfIndex, peers, run, signal);
    const keyId = toHex(record.keyId);
    if (!share) {
      await this.o.store.putRetirement(record.keyId, terms.fromKeyId);
      this.o.log.info({ keyId, from: toHex(terms.fromKeyId) }, 'reshare done; this party leaves the key at the commit');
      // it reports the key as the record named it, chain code too: the judge wants every party to agree
      const chainCode = terms.chainCode ? { chainCode: terms.chainCode } : {};
      return { sessionId: record.sessionId, status: 'ok', publicKey: terms.publicKey, ...chainCode };
    }
    await this.o.store.putPendingShare(share, old ? { replaces: terms.fromKeyId } : {});
    // fresh pair states with every other holder of the new key, made after this reshare began (one side of each
    // pair asks, the other waits for it: session/pairing.ts)
    const receives = (i: number) => record.parties.find((p) => p.index === i)?.newIndex !== undefined;
    await this.o.pairing.renewPairs(new Map([...peers].filter(([i]) => receives(i))), started, signal);
    this.o.log.info({ keyId, from: toHex(terms.fromKeyId) }, 'reshare done; new share stored pending, pairs renewed');
    return { sessionId: record.sessionId, status: 'ok', ...publicKeyOf(share) };
  }

  private async drive<R>(
    record: SessionRecord,
    self: number,
    peers: Peers,
    run: ProtocolRun<R>,
    signal: AbortSignal,
    helloTokens?: ReadonlyMap<number, Uint8Array>,
  ): Promise<R> {
    const { host } = this.o;
    return runSession({
      host,
      registry: this.o.registry,
      sessionId: record.sessionId,
      self,
      peers,
      run,
      roundTimeoutMs: this.o.roundTimeoutMs,
      totalTimeoutMs: this.o.totalTimeoutMs,
      signal,
      ...(helloTokens ? { helloTokens } : {}),
      onRound: (round, ms) => this.o.onRound?.(record.kind, round, ms / 1000),
      // a pair state burnt by this session's failed OT check is on disk before anyone can learn of the failure:
      // before our streams close (the peer's signal) and before the result goes out
      beforeFailure: () => this.o.store.pairs.flushBurns(),
      ...(this.o.tamperOutbound ? { tamperOutbound: this.o.tamperOutbound } : {}),
    });
  }

  /** The delegate desk; a record names this node as a delegate only when it is one (the intake checked). */
  private desk(): DelegateDesk {
    if (!this.o.delegate) throw new DelegateError('ROLE_MISMATCH', 'this node is not a delegate');
    return this.o.delegate;
  }

  /** Connects to the session's peers across the relay where needed (external parties; see relay-peers.ts). */
  private reach(record: SessionRecord, selfIndex: number, signal: AbortSignal): Promise<void> {
    return reachSessionPeers(this.o.host, record, selfIndex, { timeoutMs: this.o.roundTimeoutMs, signal });
  }

  /** The committed share of `keyId`, from the cache or the store. */
  private async committedShare(keyId: Uint8Array): Promise<KeyShare> {
    const id = toHex(keyId);
    const hit = this.committed.get(id);
    if (hit) return hit;
    const stored = await this.o.store.getShare(keyId);
    if (!stored) throw new ControlError('INVALID_ARGUMENT', 'this node holds no share of the key');
    if (stored.status !== 'committed') throw new ControlError('INVALID_ARGUMENT', 'the key share is still pending');
    if (this.committed.size >= MAX_CACHED_SHARES) this.committed.delete(this.committed.keys().next().value as string);
    this.committed.set(id, stored.share);
    return stored.share;
  }
}

/** A keygen's or reshare's report of the key: its public key, and its chain code when the share has one. */
function publicKeyOf(share: KeyShare): { publicKey: Uint8Array; chainCode?: Uint8Array } {
  const publicKey = share.publicKey.toBytes(true);
  return share.chainCode ? { publicKey, chainCode: share.chainCode } : { publicKey };
}

/** The other parties of a record by their index (a key-share index), with their addresses. */
function peersOf(record: SessionRecord, selfIndex: number): Peers {
  const peers: Peers = new Map();
  for (const p of record.parties) {
    if (p.index === selfIndex) continue;
    peers.set(p.index, { peerId: peerIdOfBytes(p.peerId), addrs: p.addrs.map((a) => multiaddr(a)) });
  }
  return peers;
}

/**
 * What a failed job reports: how it ended (for metrics) and the result's error — its code (a failed check's
 * own code, not `PROTOCOL`), round and culprits (record indices, which are the session's). A refusal before
 * the session ran (a control or store error) keeps its own code and names nobody.
 */
export function failureOf(e: unknown, record: SessionRecord): { outcome: SessionOutcome; error: ResultError } {
  if (!(e instanceof SessionError || e instanceof ProtocolError)) {
    return { outcome: 'failed', error: { code: isCodedError(e) ? e.code : 'INTERNAL', round: 0, culprits: [] } };
  }
  const s = toSessionError(e);
  const round = Math.min(s.round, 0xffff);
  const culprits = [...new Set(s.culprits.filter((c) => record.parties.some((p) => p.index === c)))].slice(0, 16);
  const reported = (outcome: SessionOutcome, code: string) => ({ outcome, error: { code, round, culprits } });
  switch (s.code) {
    case 'TIMEOUT':
      return reported('timeout', s.code);
    case 'ABORTED':
      return reported('aborted', s.code);
    case 'REFUSED':
    case 'BANNED':
      return reported('refused', s.code);
    case 'PROTOCOL':
      return reported('failed', s.cause instanceof ProtocolError ? s.cause.code : s.code);
    case 'NETWORK':
    case 'STATE_MISMATCH':
      return reported('failed', s.code);
  }
}

/** A failure's message for the log (session and protocol errors name checks and peers, never secrets). */
function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
