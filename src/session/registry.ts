/**
 * A node's registry of running sessions for one protocol (`/mpc/tss/1.0.0` for keygen and signing,
 * `/mpc/pair/1.0.0` for pair setup): it owns the protocol's handler, reads each inbound stream's hello frame
 * (with a deadline), and hands the stream to the session it names. A stream for a session that has not started
 * here yet is held for a short while (sessions start in either order), then reset — unless the owner starts
 * the session on seeing it (a pair setup the peer asked for). It also bounds the number of concurrent
 * sessions and keeps the node's ban list.
 */
import type { Libp2p, PeerId, Stream } from '@libp2p/interface';
import { type LengthPrefixedStream, lpStream } from '@libp2p/utils';
import { SpareStreams } from '../runtime/spare-streams.js';
import { BanList } from './bans.js';
import { SessionError } from './errors.js';
import { decodeFrame, type Frame, HELLO_ROUND, MAX_FRAME_BYTES, sessionKey } from './frames.js';

/** The protocol of session streams. */
export const TSS_PROTOCOL = '/mpc/tss/1.0.0';

/** Default bound on concurrent sessions per node. */
export const DEFAULT_MAX_SESSIONS = 32;
/** Default time an inbound stream may wait for its session to start here. */
export const DEFAULT_EARLY_STREAM_MS = 5_000;
/** Default bound on inbound streams waiting for their session. */
export const DEFAULT_MAX_EARLY_STREAMS = 64;
/** Default time an inbound stream has to send its hello frame. */
export const DEFAULT_HELLO_TIMEOUT_MS = 5_000;

/** How long a session that ended is remembered, so that late streams for it are reset at once. */
const RECENTLY_ENDED_MS = 60_000;
/** A spare stream is used only this long before the peer's hello deadline would drop it. */
const SPARE_MARGIN_MS = 2_000;

/** An inbound session stream whose hello has been read. */
export interface InboundStream {
  readonly stream: Stream;
  readonly lp: LengthPrefixedStream<Stream>;
  /** The authenticated peer id (noise) of the dialer. */
  readonly remotePeer: string;
  /** The hello frame (round 0). */
  readonly hello: Frame;
}

/** What a registry does with a stream for a session that is not running here: hold it for a while, or reset it. */
export type UnknownSessionAnswer = 'hold' | 'refuse';

/** What a running session offers the registry. */
export interface SessionSlot {
  /** Takes an inbound stream that named this session. */
  accept(inbound: InboundStream): void;
}

/** Options of {@link SessionRegistry}; all optional. */
export interface SessionRegistryInit {
  /** The protocol the registry serves. @default TSS_PROTOCOL */
  protocol?: string;
  /** Sessions that may run at once; more are refused with `REFUSED`. @default 32 */
  maxSessions?: number;
  /** Largest frame accepted or sent, header included. @default 1 MiB */
  maxFrameBytes?: number;
  /** How long an inbound stream may wait for its session to start here. @default 5000 */
  earlyStreamMs?: number;
  /** How many inbound streams may wait for their sessions at once. @default 64 */
  maxEarlyStreams?: number;
  /** How long an inbound stream has to send its hello. @default 5000 */
  helloTimeoutMs?: number;
  /** The node's ban list. @default an empty in-memory list */
  bans?: BanList;
  /** Keep a spare stream per peer for its next session (worth it where sessions with a peer recur). @default true */
  spareStreams?: boolean;
  /**
   * Told of every stream for a session that is not running here (and did not end recently), once the stream is
   * held: answering `refuse` resets it; a session started from inside the call finds it. @default hold all
   */
  onUnknownSession?: (inbound: InboundStream) => UnknownSessionAnswer;
}

interface EarlyStream {
  inbound: InboundStream;
  timer: ReturnType<typeof setTimeout>;
}

const registries = new WeakMap<Libp2p, Map<string, SessionRegistry>>();

function positiveInt(name: string, v: number | undefined, dflt: number): number {
  const x = v ?? dflt;
  if (!Number.isInteger(x) || x < 1) throw new RangeError(`invalid ${name} ${x}; must be a positive integer`);
  return x;
}

/** Aborts a stream quietly (it may already be closed). */
export function resetStream(stream: Stream, reason: string): void {
  try {
    stream.abort(new Error(reason));
  } catch {
    // already gone
  }
}

/** The session registry of one protocol of one host. Create with {@link SessionRegistry.install}. */
export class SessionRegistry {
  readonly protocol: string;
  readonly maxSessions: number;
  readonly maxFrameBytes: number;
  readonly earlyStreamMs: number;
  readonly maxEarlyStreams: number;
  readonly helloTimeoutMs: number;
  readonly bans: BanList;
  private readonly sessions = new Map<string, SessionSlot>();
  private readonly early = new Map<string, EarlyStream[]>();
  private earlyCount = 0;
  /** Sessions that ended here recently: a late stream for one is reset at once rather than held. */
  private readonly ended = new Map<string, number>();
  private stopped = false;
  /** Pre-opened outbound streams, one per peer (see {@link SessionRegistry.refillSpare}). */
  private readonly spares: SpareStreams;

  private constructor(
    readonly host: Libp2p,
    private readonly init: SessionRegistryInit,
  ) {
    this.protocol = init.protocol ?? TSS_PROTOCOL;
    this.maxSessions = positiveInt('maxSessions', init.maxSessions, DEFAULT_MAX_SESSIONS);
    this.maxFrameBytes = positiveInt('maxFrameBytes', init.maxFrameBytes, MAX_FRAME_BYTES);
    this.earlyStreamMs = positiveInt('earlyStreamMs', init.earlyStreamMs, DEFAULT_EARLY_STREAM_MS);
    this.maxEarlyStreams = positiveInt('maxEarlyStreams', init.maxEarlyStreams, DEFAULT_MAX_EARLY_STREAMS);
    this.helloTimeoutMs = positiveInt('helloTimeoutMs', init.helloTimeoutMs, DEFAULT_HELLO_TIMEOUT_MS);
    this.bans = init.bans ?? new BanList();
    // the peer's registry holds a stream for its hello deadline: a spare is used only inside it, with a margin
    this.spares = new SpareStreams(host, {
      protocol: this.protocol,
      maxAgeMs: this.helloTimeoutMs - SPARE_MARGIN_MS,
      openTimeoutMs: this.helloTimeoutMs + 60_000,
      dial: false,
    });
  }

  /**
   * Registers the protocol's handler on `host` and returns the host's registry for it (one per host and
   * protocol: a second install returns the first).
   */
  static async install(host: Libp2p, init: SessionRegistryInit = {}): Promise<SessionRegistry> {
    const protocol = init.protocol ?? TSS_PROTOCOL;
    const existing = SessionRegistry.of(host, protocol);
    if (existing) return existing;
    const reg = new SessionRegistry(host, init);
    const byProtocol = registries.get(host) ?? new Map<string, SessionRegistry>();
    byProtocol.set(protocol, reg);
    registries.set(host, byProtocol);
    const streams = reg.maxSessions + reg.maxEarlyStreams;
    await host.handle(protocol, (stream, connection) => reg.onInbound(stream, connection.remotePeer.toString()), {
      maxInboundStreams: streams,
      maxOutboundStreams: streams,
      // a party behind NAT is reached through the coordinator's relay (a limited connection)
      runOnLimitedConnection: true,
    });
    return reg;
  }

  /** The registry installed on `host` for `protocol`, if any. */
  static of(host: Libp2p, protocol = TSS_PROTOCOL): SessionRegistry | undefined {
    return registries.get(host)?.get(protocol);
  }

  /** Sessions running now. */
  get active(): number {
    return this.sessions.size;
  }

  /** Options for `lpStream` that cap frames (and buffered bytes) at this registry's limit. */
  lpOptions(): { maxDataLength: number; maxBufferSize: number } {
    return { maxDataLength: this.maxFrameBytes, maxBufferSize: 4 * this.maxFrameBytes + 64 };
  }

  /**
   * Admits a session: refuses (`REFUSED`) when the node is at its limit or the id is already running, then
   * hands it every stream that arrived early. Returns the release function (call it in `finally`).
   */
  admit(sessionId: Uint8Array, slot: SessionSlot): () => void {
    if (this.stopped) throw new SessionError('REFUSED', 'the session registry is stopped');
    const key = sessionKey(sessionId);
    if (this.sessions.has(key)) throw new SessionError('REFUSED', `session ${key} is already running on this node`);
    if (this.sessions.size >= this.maxSessions) {
      throw new SessionError(
        'REFUSED',
        `session limit reached: ${this.sessions.size} of ${this.maxSessions} sessions running; retry later`,
      );
    }
    this.sessions.set(key, slot);
    const waiting = this.early.get(key) ?? [];
    this.early.delete(key);
    for (const e of waiting) {
      clearTimeout(e.timer);
      this.earlyCount--;
      slot.accept(e.inbound);
    }
    return () => {
      if (this.sessions.get(key) !== slot) return;
      this.sessions.delete(key);
      this.ended.set(key, Date.now());
      if (this.ended.size > 4 * this.maxSessions) this.pruneEnded();
    };
  }

  private pruneEnded(): void {
    const cutoff = Date.now() - RECENTLY_ENDED_MS;
    for (const [k, t] of this.ended) if (t < cutoff || this.ended.size > 4 * this.maxSessions) this.ended.delete(k);
  }

  /**
   * Opens a stream to `peer` now, for its next session: the dialing side of a session waits for a stream
   * before its hello. Only over an open connection (never dials).
   */
  refillSpare(peer: PeerId): void {
    if (this.stopped || this.init.spareStreams === false || this.helloTimeoutMs <= SPARE_MARGIN_MS) return;
    this.spares.refill(peer);
  }

  /** A spare stream to `peer` that is still open and young enough, or undefined. */
  takeSpare(peer: PeerId): Promise<Stream | undefined> {
    return this.spares.take(peer);
  }

  /** Unregisters the handler and resets streams still waiting for a session. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.spares.stop();
    registries.get(this.host)?.delete(this.protocol);
    for (const list of this.early.values()) {
      for (const e of list) {
        clearTimeout(e.timer);
        resetStream(e.inbound.stream, 'node stopping');
      }
    }
    this.early.clear();
    this.earlyCount = 0;
    try {
      await this.host.unhandle(this.protocol);
    } catch {
      // the host may already be stopped
    }
  }

  private async onInbound(stream: Stream, remotePeer: string): Promise<void> {
    if (this.stopped || this.bans.has(remotePeer)) {
      resetStream(stream, 'refused');
      return;
    }
    const lp = lpStream(stream, this.lpOptions());
    let hello: Frame;
    try {
      const bytes = await lp.read({ signal: AbortSignal.timeout(this.helloTimeoutMs) });
      hello = decodeFrame(bytes.subarray(), this.maxFrameBytes);
      if (hello.round !== HELLO_ROUND) throw new Error('the first frame of a session stream must be its hello');
    } catch {
      resetStream(stream, 'bad or missing hello');
      return;
    }
    const inbound: InboundStream = { stream, lp, remotePeer, hello };
    const key = sessionKey(hello.sessionId);
    const slot = this.sessions.get(key);
    if (slot) {
      slot.accept(inbound);
      return;
    }
    const endedAt = this.ended.get(key);
    if (endedAt !== undefined && Date.now() - endedAt < RECENTLY_ENDED_MS) {
      resetStream(stream, 'session already ended here');
      return;
    }
    if (this.earlyCount >= this.maxEarlyStreams) {
      resetStream(stream, 'too many streams waiting for their sessions');
      return;
    }
    const entry: EarlyStream = {
      inbound,
      timer: setTimeout(() => {
        this.dropEarly(key, entry);
        resetStream(stream, 'no such session here');
      }, this.earlyStreamMs),
    };
    entry.timer.unref?.();
    const list = this.early.get(key) ?? [];
    list.push(entry);
    this.early.set(key, list);
    this.earlyCount++;
    if (this.init.onUnknownSession?.(inbound) === 'refuse') {
      this.dropEarly(key, entry);
      resetStream(stream, 'refused');
    }
  }

  /** Forgets a held stream (its session never came, or the owner refused it). */
  private dropEarly(key: string, entry: EarlyStream): void {
    clearTimeout(entry.timer);
    const list = this.early.get(key);
    const i = list?.indexOf(entry) ?? -1;
    if (!list || i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) this.early.delete(key);
    this.earlyCount--;
  }
}
