/**
 * The party node: a libp2p host that registers with the coordinator, acts only on session records the
 * coordinator signed (naming this node, not expired, never seen before for the key), runs keygen and signing
 * directly with the other parties, keeps shares in the encrypted store, and reports signed results.
 *
 * Control flow of one session: announcement (request/response from the coordinator) → acceptRecord → durable
 * session-id mark → answer "accepted" → run (pair setup first where needed) → signed result to the
 * coordinator. A keygen share is stored pending and committed only on the coordinator's signed decision.
 */
import { TopicValidatorResult } from '@libp2p/gossipsub';
import type { PeerId, PrivateKey } from '@libp2p/interface';
import { peerIdFromMultihash, peerIdFromString } from '@libp2p/peer-id';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import * as Digest from 'multiformats/hashes/digest';
import { equalBytes } from '../../protocols/common/bytes.js';
import { ProtocolError } from '../../protocols/common/errors.js';
import type { ProtocolRun } from '../../protocols/common/run.js';
import { type Ack, decodeAck, encodeAck } from '../../protocols/control/ack.js';
import {
  decodeAnnounce,
  decodeDecisionMessage,
  encodeJoin,
  encodeRegister,
  encodeResultMessage,
  type PartyRole,
  type SessionResult,
  signResult,
  validateAnnouncement,
  verifyDecision,
} from '../../protocols/control/control.js';
import { ControlError } from '../../protocols/control/errors.js';
import { acceptRecord, type SessionRecord } from '../../protocols/control/record.js';
import { MessageType } from '../../protocols/control/wire.js';
import type { KeyShare } from '../../protocols/dkls23/key-share.js';
import { createKeygen } from '../../protocols/dkls23/keygen.js';
import type { PairGuard } from '../../protocols/dkls23/pair-guard.js';
import type { PairState } from '../../protocols/dkls23/pair-state.js';
import { createSign, type Signature } from '../../protocols/dkls23/sign.js';
import { controlRequest, serveControl } from '../runtime/control-transport.js';
import { chooseCurveBackend } from '../runtime/curve-backend.js';
import { nodeEd25519 } from '../runtime/ed25519.js';
import { createHost, type Host } from '../runtime/host.js';
import { nodeSuite } from '../runtime/suite.js';
import { BanList } from '../session/bans.js';
import { Pairing, PairingError, type PairStore } from '../session/pairing.js';
import { SessionRegistry } from '../session/registry.js';
import { runSession, SessionError, type TamperOutbound } from '../session/runner.js';
import { isStoreError } from '../store/errors.js';
import type { ShareStore } from '../store/share-store.js';

/** The gossipsub topic on which the coordinator publishes session records (never secret material). */
export const ANNOUNCE_TOPIC = 'mpc/sessions/1.0.0';

/** Decoded committed shares kept in memory (oldest dropped first). */
const MAX_CACHED_SHARES = 1024;

/** Default per-round deadline of a session. */
export const DEFAULT_ROUND_TIMEOUT_MS = 10_000;
/** Default deadline of a whole session (pair setups included). */
export const DEFAULT_TOTAL_TIMEOUT_MS = 60_000;

/** What the node reports as it works (the CLI wires a pino logger). */
export interface PartyLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Session outcomes, for metrics. */
export type SessionOutcome = 'ok' | 'failed' | 'timeout' | 'refused' | 'aborted';

/** Options of {@link PartyNode.start}. */
export interface PartyNodeInit {
  /** The open encrypted store. The node does not close it. */
  store: ShareStore;
  /** The node's libp2p identity (Ed25519). */
  identity: PrivateKey;
  /** The coordinator's multiaddr, ending in `/p2p/<peer id>`. */
  coordinator: string;
  /** Listen addresses. @default ['/ip4/127.0.0.1/tcp/0'] */
  listen?: string[];
  /** @default 'persistent' */
  role?: PartyRole;
  /** Software version sent at registration. */
  version: string;
  /**
   * A one-time join token from the coordinator's operator, redeemed before registering so that a coordinator
   * that does not list this peer id admits it. Harmless once admitted (the coordinator answers ok).
   */
  joinToken?: string;
  /** @default DEFAULT_ROUND_TIMEOUT_MS */
  roundTimeoutMs?: number;
  /** @default DEFAULT_TOTAL_TIMEOUT_MS */
  totalTimeoutMs?: number;
  /** Sessions at once; more are refused. @default 32 */
  maxSessions?: number;
  /** @default silent */
  log?: PartyLog;
  /** Called when a session ends (metrics). */
  onSessionEnd?: (kind: string, outcome: SessionOutcome, seconds: number) => void;
  /** Called when a round of a session completes (metrics). */
  onRound?: (kind: string, round: number, seconds: number) => void;
  /** Current time (tests). @default Date.now */
  now?: () => number;
  /** Tests only: rewrites this node's outbound session frames, to make it misbehave and exercise the others' checks. */
  tamperOutbound?: TamperOutbound;
}

const silent: PartyLog = { info() {}, warn() {} };

/** Ed25519 for control messages (records, results, decisions): OpenSSL, shared by every node of the process. */
const ed25519 = nodeEd25519();

function peerIdOfBytes(bytes: Uint8Array): PeerId {
  return peerIdFromMultihash(Digest.decode(bytes));
}

/** Splits `/…/p2p/<id>` into the peer id and the dialable address. */
export function parseCoordinatorAddr(addr: string): { peerId: PeerId; addr: Multiaddr } {
  let ma: Multiaddr;
  try {
    ma = multiaddr(addr);
  } catch {
    throw new Error(`invalid coordinator multiaddr '${addr}'`);
  }
  const id = ma.getComponents().find((c) => c.name === 'p2p')?.value;
  if (!id) throw new Error(`the coordinator multiaddr '${addr}' must end with /p2p/<peer id>`);
  return { peerId: peerIdFromString(id), addr: ma };
}

/** A running party node. */
export class PartyNode {
  private readonly inflight = new Map<string, AbortController>();
  /** Committed shares already decoded, by key id (hex): a signing need not unseal and re-validate them. */
  private readonly committed = new Map<string, KeyShare>();
  private stopping = false;
  private registeredNow = false;
  private retrying = false;

  private constructor(
    readonly host: Host,
    private readonly init: PartyNodeInit,
    private readonly coordinator: { peerId: PeerId; addr: Multiaddr },
    private readonly allowed: Set<string>,
    private readonly registry: SessionRegistry,
    private readonly pairing: Pairing,
    private readonly guard: PairGuard,
    private readonly bans: BanList,
    private readonly burntPeers: Set<string>,
  ) {}

  /**
   * An operator's `mpc party pair`: admits `peer`, forgets a burnt state's refusal (the operator's consent),
   * and runs a fresh pair setup with it now (a fresh Δ). The peer's operator does the same on its side; when
   * both ask at once the setups meet in one. Resolves with the new pair-setup session id (hex).
   */
  async pairNow(peer: string, addrs: readonly string[] = [], signal?: AbortSignal): Promise<string> {
    const peerId = peerIdFromString(peer);
    if (this.bans.has(peer)) throw new Error(`peer ${peer} is banned; lift the ban first (mpc party unban)`);
    this.allowed.add(peer);
    this.burntPeers.delete(peer);
    const mas = addrs.map((a) => multiaddr(a));
    if (mas.length > 0) await this.host.peerStore.merge(peerId, { multiaddrs: mas });
    const opts = { force: true, ...(mas.length ? { addrs: mas } : {}), ...(signal ? { signal } : {}) };
    let state: PairState;
    try {
      state = await this.pairing.ensure(peerId, opts);
    } catch (e) {
      // When both operators ask at once, the two setups can cross and one side's stream be reset: a transport
      // race, not a failed check. The operator asked for a fresh setup, so run one more; a failed protocol
      // check (a ProtocolError cause) is never retried.
      if (!(e instanceof PairingError) || e.cause instanceof ProtocolError || signal?.aborted) throw e;
      this.log.warn({ peer, error: e.message }, 'pair setup stream lost in a crossing; running it once more');
      await new Promise((r) => setTimeout(r, 250));
      state = await this.pairing.ensure(peerId, opts);
    }
    return Buffer.from(state.psid).toString('hex');
  }

  /** Starts the host, serves the control protocol and registers with the coordinator. */
  static async start(init: PartyNodeInit): Promise<PartyNode> {
    const coordinator = parseCoordinatorAddr(init.coordinator);
    // Chosen once per process, before anything else (a bad MPC_CURVE_BACKEND stops the start with ConfigError).
    const curve = chooseCurveBackend();
    const store = init.store;
    const stored = await store.listBans();
    const bans = new BanList(
      (peer, reason) => void store.ban(peerIdFromString(peer).toMultihash().bytes, reason).catch(() => {}),
      stored.map((b) => peerIdOfBytes(b.peerId).toString()),
    );
    const allowed = new Set([coordinator.peerId.toString()]);
    const host = await createHost({
      privateKey: init.identity,
      listen: init.listen ?? ['/ip4/127.0.0.1/tcp/0'],
      allowedPeers: (id: string) => allowed.has(id) && !bans.has(id),
      gossip: true,
    });
    const registry = await SessionRegistry.install(host, { maxSessions: init.maxSessions ?? 32, bans });
    const pairStore: PairStore = {
      get: (peer) => store.getPairState(peerIdFromString(peer).toMultihash().bytes),
      put: (_peer, state) => store.putPairState(state, { replace: true }),
    };
    // A peer whose current pair state is burnt may not start a new pair setup: only an operator's
    // `mpc party pair --peer` (which discards the burnt state) re-opens pairing, with a fresh Δ.
    const burntPeers = new Set<string>();
    for (const state of await store.listPairStates()) {
      if (await store.isBurnt(state)) burntPeers.add(peerIdOfBytes(state.peerNodeId).toString());
    }
    const guard = await store.createPairGuard((state) => burntPeers.add(peerIdOfBytes(state.peerNodeId).toString()));
    const pairing = await Pairing.install(host, {
      store: pairStore,
      bans,
      suite: nodeSuite(),
      acceptSetup: (peer) => !burntPeers.has(peer),
    });
    await host.peerStore.merge(coordinator.peerId, { multiaddrs: [coordinator.addr] });
    const node = new PartyNode(host, init, coordinator, allowed, registry, pairing, guard, bans, burntPeers);
    node.log.info({ curveBackend: curve.backend.name, why: curve.reason }, 'secp256k1 backend chosen');
    await serveControl(host, (peer, request) => node.onControl(peer, request));
    node.listenForAnnouncements();
    host.addEventListener('peer:disconnect', (evt) => {
      if (evt.detail.equals(coordinator.peerId) && !node.stopping) void node.keepRegistered();
    });
    await node.keepRegistered();
    return node;
  }

  /** True once the coordinator has accepted this node's registration (and the connection has not dropped since). */
  get registered(): boolean {
    return this.registeredNow && this.host.getConnections(this.coordinator.peerId).length > 0;
  }

  /**
   * Registers, retrying with exponential backoff (1 s doubling to 30 s) while the coordinator is unreachable;
   * resolves after the first attempt either way, so a node can start before its coordinator.
   */
  private async keepRegistered(): Promise<void> {
    this.registeredNow = false;
    if (this.retrying) return;
    this.retrying = true;
    let delay = 1_000;
    const attempt = async (): Promise<boolean> => {
      if (this.stopping) return true;
      try {
        await this.register();
        this.registeredNow = true;
        return true;
      } catch (e) {
        this.log.warn({ error: String(e), retryInMs: delay }, 'registration with the coordinator failed');
        return false;
      }
    };
    const first = await attempt();
    if (first) {
      this.retrying = false;
      return;
    }
    void (async () => {
      while (!this.stopping && !(await new Promise((r) => setTimeout(r, delay)).then(attempt))) {
        delay = Math.min(delay * 2, 30_000);
      }
      this.retrying = false;
    })();
  }

  /** This node's peer id. */
  get peerId(): string {
    return this.host.peerId.toString();
  }

  private get log(): PartyLog {
    return this.init.log ?? silent;
  }

  /** Registers (role, version, addresses) with the coordinator; throws when refused or unreachable. */
  async register(): Promise<void> {
    if (this.init.joinToken !== undefined) {
      const joined = decodeAck(
        await controlRequest(this.host, this.coordinator.peerId, encodeJoin(this.init.joinToken)),
      );
      if (!joined.ok) throw new Error(`the coordinator refused the join token: ${joined.code}: ${joined.message}`);
    }
    const addrs = this.host.getMultiaddrs().map((a) => a.toString());
    const req = encodeRegister({ role: this.init.role ?? 'persistent', version: this.init.version, addrs });
    const ack = decodeAck(await controlRequest(this.host, this.coordinator.peerId, req));
    if (!ack.ok) throw new Error(`the coordinator refused registration: ${ack.code}: ${ack.message}`);
    this.log.info({ coordinator: this.coordinator.peerId.toString() }, 'registered with the coordinator');
  }

  /**
   * Session records also arrive on gossipsub. The topic validator rejects (and so never forwards) anything the
   * coordinator did not sign; gossipsub's StrictSign policy authenticates the publisher on top of that.
   */
  private listenForAnnouncements(): void {
    const pubsub = this.host.services.pubsub;
    if (!pubsub) return;
    const coordinatorId = this.coordinator.peerId.toMultihash().bytes;
    pubsub.topicValidators.set(ANNOUNCE_TOPIC, (_peer, msg) =>
      validateAnnouncement(msg.data, coordinatorId, ed25519) === 'accept'
        ? TopicValidatorResult.Accept
        : TopicValidatorResult.Reject,
    );
    pubsub.subscribe(ANNOUNCE_TOPIC);
    pubsub.addEventListener('message', (evt) => {
      if (evt.detail.topic !== ANNOUNCE_TOPIC || this.stopping) return;
      this.onAnnounce(evt.detail.data).then(
        (ack) => {
          if (!ack.ok) this.log.warn({ code: ack.code }, 'gossiped session record refused');
        },
        (e) => {
          // the same record usually also arrives by request/response, and most records name other parties
          if (e instanceof ControlError && (e.code === 'REPLAYED' || e.code === 'NOT_NAMED')) return;
          this.log.warn({ error: String(e) }, 'gossiped session record refused');
        },
      );
    });
  }

  /** Answers one control request; only the coordinator may send them. */
  private async onControl(peer: PeerId, request: Uint8Array): Promise<Uint8Array> {
    const refuse = (code: string, message: string): Uint8Array => encodeAck({ ok: false, code, message });
    if (!peer.equals(this.coordinator.peerId))
      return refuse('FORBIDDEN', 'only the coordinator sends control requests');
    if (this.stopping) return refuse('STOPPING', 'the node is shutting down');
    try {
      if (request[0] === MessageType.ANNOUNCE) return encodeAck(await this.onAnnounce(request));
      if (request[0] === MessageType.DECISION) return encodeAck(await this.onDecision(request));
      return refuse('BAD_MESSAGE', 'unknown control message type');
    } catch (e) {
      if (e instanceof ControlError) return refuse(e.code, e.message);
      if (isStoreError(e)) return refuse(e.code, e.message);
      throw e;
    }
  }

  private async onAnnounce(request: Uint8Array): Promise<Ack> {
    const signed = decodeAnnounce(request);
    const { record, selfIndex } = acceptRecord(signed, {
      coordinatorPeerId: this.coordinator.peerId.toMultihash().bytes,
      selfPeerId: this.host.peerId.toMultihash().bytes,
      now: (this.init.now ?? Date.now)(),
      // the durable log answers below, atomically; acceptRecord checks everything else first
      alreadySeen: () => false,
      ed25519,
    });
    if (record.protocol !== 'dkls23') return { ok: false, code: 'UNSUPPORTED', message: `protocol ${record.protocol}` };
    await this.init.store.markSessionUsed(record.keyId, record.sessionId).catch((e) => {
      if (isStoreError(e, 'SESSION_REPLAYED'))
        throw new ControlError('REPLAYED', 'this session id was already used for the key');
      throw e;
    });
    for (const p of record.parties) this.allowed.add(peerIdOfBytes(p.peerId).toString());
    void this.runAndReport(record, selfIndex);
    return { ok: true };
  }

  private async onDecision(request: Uint8Array): Promise<Ack> {
    const signed = decodeDecisionMessage(request);
    const d = verifyDecision(signed.bytes, signed.signature, this.coordinator.peerId.toMultihash().bytes, ed25519);
    if (d.action === 'commit') {
      await this.init.store.commitShare(d.keyId);
      this.log.info({ keyId: Buffer.from(d.keyId).toString('hex') }, 'key committed');
    } else {
      this.log.warn(
        { keyId: Buffer.from(d.keyId).toString('hex') },
        'keygen aborted by the coordinator; the share stays pending',
      );
    }
    return { ok: true };
  }

  /** Runs the session and sends the signed result; never throws. */
  private async runAndReport(record: SessionRecord, selfIndex: number): Promise<void> {
    const started = performance.now();
    const abort = new AbortController();
    const key = Buffer.from(record.sessionId).toString('hex');
    this.inflight.set(key, abort);
    let result: SessionResult;
    let outcome: SessionOutcome = 'ok';
    // A signing runs on the key's party indices; results name culprits by the record's indices.
    const indexMap = { toRecord: (i: number): number | undefined => i };
    try {
      result =
        record.kind === 'keygen'
          ? await this.keygen(record, selfIndex, abort.signal)
          : await this.sign(record, selfIndex, abort.signal, indexMap);
    } catch (e) {
      const failure = describeFailure(e, record, indexMap.toRecord);
      outcome = failure.outcome;
      result = {
        sessionId: record.sessionId,
        status: outcome === 'timeout' ? 'timeout' : 'failed',
        error: failure.error,
      };
      this.log.warn({ session: key, kind: record.kind, error: failure.error }, 'session failed');
    }
    this.init.onSessionEnd?.(record.kind, outcome, (performance.now() - started) / 1000);
    try {
      const seed = this.init.identity.raw.subarray(0, 32);
      const msg = encodeResultMessage(signResult(result, seed, ed25519));
      const ack = decodeAck(await controlRequest(this.host, this.coordinator.peerId, msg));
      if (!ack.ok) this.log.warn({ session: key, code: ack.code }, 'the coordinator refused the result');
    } catch (e) {
      this.log.warn({ session: key, error: String(e) }, 'could not report the result');
    } finally {
      // only now: stop() waits for this, so an aborted session's result still reaches the coordinator
      this.inflight.delete(key);
    }
  }

  private peersOf(record: SessionRecord, selfIndex: number, indexOf: (p: Uint8Array) => number) {
    const peers = new Map<number, { peerId: PeerId; addrs: Multiaddr[] }>();
    for (const p of record.parties) {
      if (p.index === selfIndex) continue;
      peers.set(indexOf(p.peerId), { peerId: peerIdOfBytes(p.peerId), addrs: p.addrs.map((a) => multiaddr(a)) });
    }
    return peers;
  }

  private async drive<R>(
    record: SessionRecord,
    self: number,
    peers: Map<number, { peerId: PeerId; addrs: Multiaddr[] }>,
    run: ProtocolRun<R>,
    signal: AbortSignal,
  ): Promise<R> {
    for (const { peerId, addrs } of peers.values()) {
      // a peer store write costs ~1 ms; a connected peer's addresses are known already
      if (this.host.getConnections(peerId).length === 0) await this.host.peerStore.merge(peerId, { multiaddrs: addrs });
    }
    return runSession({
      host: this.host,
      registry: this.registry,
      sessionId: record.sessionId,
      self,
      peers,
      run,
      roundTimeoutMs: this.init.roundTimeoutMs ?? DEFAULT_ROUND_TIMEOUT_MS,
      totalTimeoutMs: this.init.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS,
      signal,
      onRound: (round, ms) => this.init.onRound?.(record.kind, round, ms / 1000),
      ...(this.init.tamperOutbound ? { tamperOutbound: this.init.tamperOutbound } : {}),
    });
  }

  private async keygen(record: SessionRecord, selfIndex: number, signal: AbortSignal): Promise<SessionResult> {
    const ordered = [...record.parties].sort((a, b) => a.index - b.index);
    const run = createKeygen({
      sessionId: record.sessionId,
      keyId: record.keyId,
      threshold: record.threshold,
      nodeIds: ordered.map((p) => p.peerId),
      self: selfIndex,
      suite: nodeSuite(),
    });
    const share: KeyShare = await this.drive(
      record,
      selfIndex,
      this.peersOf(record, selfIndex, (id) => ordered.findIndex((p) => equalBytes(p.peerId, id)) + 1),
      run,
      signal,
    );
    await this.init.store.putPendingShare(share);
    this.log.info({ keyId: Buffer.from(record.keyId).toString('hex') }, 'keygen done; share stored pending');
    return { sessionId: record.sessionId, status: 'ok', publicKey: share.publicKey.toBytes(true) };
  }

  private async sign(
    record: SessionRecord,
    selfIndex: number,
    signal: AbortSignal,
    indexMap: { toRecord: (i: number) => number | undefined },
  ): Promise<SessionResult> {
    const share = await this.committedShare(record.keyId);
    // Session indices are the key's party indices, found by peer id (a signing record numbers only its signers).
    const keyIndexOf = (id: Uint8Array) => share.nodeIds.findIndex((n) => equalBytes(n, id)) + 1;
    indexMap.toRecord = (k) => {
      const id = share.nodeIds[k - 1];
      return id === undefined ? undefined : record.parties.find((p) => equalBytes(p.peerId, id))?.index;
    };
    const selfKeyIndex = share.index;
    const peers = this.peersOf(record, selfIndex, keyIndexOf);
    if ([...peers.keys()].some((i) => i === 0)) throw new ControlError('BAD_RECORD', 'a signer does not hold this key');
    const pairs = await this.pairing.pairsFor(new Map([...peers].map(([i, p]) => [i, p.peerId] as const)), signal);
    const run = createSign(
      {
        sessionId: record.sessionId,
        keyShare: share,
        signers: [selfKeyIndex, ...peers.keys()],
        pairs,
        suite: nodeSuite(),
        pairGuard: this.guard,
      },
      record.messageHash as Uint8Array,
    );
    const sig: Signature = await this.drive(record, selfKeyIndex, peers, run, signal);
    return { sessionId: record.sessionId, status: 'ok', signature: { r: sig.r, s: sig.s, recovery: sig.recovery } };
  }

  /** The committed share of `keyId`, from the cache or the store (a committed share never changes). */
  private async committedShare(keyId: Uint8Array): Promise<KeyShare> {
    const id = Buffer.from(keyId).toString('hex');
    const hit = this.committed.get(id);
    if (hit) return hit;
    const stored = await this.init.store.getShare(keyId);
    if (!stored) throw new ControlError('INVALID_ARGUMENT', 'this node holds no share of the key');
    if (stored.status !== 'committed') throw new ControlError('INVALID_ARGUMENT', 'the key share is still pending');
    if (this.committed.size >= MAX_CACHED_SHARES) this.committed.delete(this.committed.keys().next().value as string);
    this.committed.set(id, stored.share);
    return stored.share;
  }

  /** Stops: in-flight sessions end with an abort result; then the host stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const c of this.inflight.values()) c.abort();
    const deadline = Date.now() + 5_000;
    while (this.inflight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await this.init.store.flushBurns();
    await this.pairing.stop();
    await this.registry.stop();
    await this.host.stop();
  }
}

/** Turns a session failure into the result's error (code, round, culprits as record indices). */
function describeFailure(
  e: unknown,
  record: SessionRecord,
  toRecord: (i: number) => number | undefined,
): { outcome: SessionOutcome; error: { code: string; round: number; culprits: number[] } } {
  if (e instanceof SessionError) {
    const outcome: SessionOutcome =
      e.code === 'TIMEOUT' ? 'timeout' : e.code === 'ABORTED' ? 'aborted' : e.code === 'REFUSED' ? 'refused' : 'failed';
    const code = e.code === 'PROTOCOL' && e.cause instanceof ProtocolError ? e.cause.code : e.code;
    const culprits = e.culprits
      .map(toRecord)
      .filter((c): c is number => c !== undefined && record.parties.some((p) => p.index === c))
      .slice(0, 16);
    return { outcome, error: { code, round: Math.min(e.round ?? 0, 65535), culprits: [...new Set(culprits)] } };
  }
  if (e instanceof ProtocolError) {
    return {
      outcome: 'failed',
      error: { code: e.code, round: e.round, culprits: e.culprit === undefined ? [] : [e.culprit] },
    };
  }
  const code = e instanceof ControlError ? e.code : isStoreError(e) ? e.code : 'INTERNAL';
  return { outcome: 'failed', error: { code, round: 0, culprits: [] } };
}
