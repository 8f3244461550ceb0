/**
 * The streams of one session: one per peer, on the registry's protocol. The lower session index dials and
 * sends a hello naming the session and its index; the registry hands the higher index the stream it accepted.
 * Frames read from a stream are handed on as events; writes to each peer go out in order. Nothing here knows
 * the protocol run: the runner (runner.ts) decides what the events mean.
 */
import { setMaxListeners } from 'node:events';
import type { Libp2p, PeerId, Stream } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { type LengthPrefixedStream, lpStream } from '@libp2p/utils';
import { equalBytes } from '../../protocols/common/bytes.js';
import { ProtocolError } from '../../protocols/common/errors.js';
import type { HostMultiaddr } from '../runtime/host.js';
import { openStream } from '../runtime/spare-streams.js';
import { SessionError } from './errors.js';
import { decodeFrame, encodeFrame, type Frame, FrameError, HELLO_ROUND } from './frames.js';
import { type InboundStream, resetStream, type SessionRegistry } from './registry.js';

/** A session peer: its peer id, and optionally addresses to dial it at. */
export interface SessionPeerInfo {
  readonly peerId: PeerId | string;
  readonly addrs?: readonly HostMultiaddr[];
}

/** A session peer given as a peer id, a peer id string, or a {@link SessionPeerInfo}. */
export type SessionPeer = PeerId | string | SessionPeerInfo;

/** A frame about to be sent to party `to` (for the test hook). */
export interface OutboundFrame extends Frame {
  readonly to: number;
}

/** Test hook: replace an outbound frame, drop it, or (`undefined`) send it unchanged. Never set in production. */
export type TamperOutbound = (frame: OutboundFrame) => Frame | 'drop' | undefined;

/** What the streams of a session report: a frame from a peer, the end of a peer's stream, or a failure. */
export type LinkEvent =
  | { kind: 'frame'; index: number; frame: Frame }
  | { kind: 'eof'; index: number }
  | { kind: 'fail'; error: SessionError };

/** What {@link SessionLinks} needs. */
export interface SessionLinksInit {
  readonly host: Libp2p;
  readonly registry: SessionRegistry;
  readonly sessionId: Uint8Array;
  readonly self: number;
  readonly peers: ReadonlyMap<number, SessionPeer>;
  /** Deadline of one dial attempt. */
  readonly dialTimeoutMs: number;
  /** Per peer index, the 32-byte value both ends must hold alike (see `RunSessionOptions.helloTokens`). */
  readonly helloTokens?: ReadonlyMap<number, Uint8Array>;
  readonly tamperOutbound?: TamperOutbound;
  /** The run's current round, for the errors' `round`. */
  readonly round: () => number;
  /** Receives every event, in order per peer. */
  readonly emit: (ev: LinkEvent) => void;
}

/** A failed frame check: `BAD_MESSAGE` naming the sending peer. */
export function badFrame(index: number, why: string, round: number): SessionError {
  const cause = new ProtocolError('BAD_MESSAGE', `from party ${index}: ${why}`, { round, culprit: index });
  return new SessionError('PROTOCOL', cause.message, { round, culprits: [index], cause });
}

/** One peer's stream within a session. */
class Link {
  stream: Stream | undefined;
  readonly ready = Promise.withResolvers<LengthPrefixedStream<Stream>>();
  writes: Promise<void> = Promise.resolve();
  broken = false;
  eof = false;

  constructor(
    readonly index: number,
    readonly peerId: PeerId,
    readonly addrs: readonly HostMultiaddr[],
  ) {}
}

function toPeer(p: SessionPeer): { peerId: PeerId; addrs: readonly HostMultiaddr[] } {
  if (typeof p === 'string') return { peerId: peerIdFromString(p), addrs: [] };
  if ('peerId' in p && (typeof p.peerId === 'string' || 'toMultihash' in p.peerId)) {
    const info = p as SessionPeerInfo;
    return {
      peerId: typeof info.peerId === 'string' ? peerIdFromString(info.peerId) : info.peerId,
      addrs: info.addrs ?? [],
    };
  }
  return { peerId: p as PeerId, addrs: [] };
}

/** Sleeps `ms`, or less when `signal` aborts (never rejects). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Names a libp2p read error caused by a frame over the cap. */
function isOversize(e: unknown): boolean {
  const name = (e as { name?: string } | undefined)?.name;
  return (
    name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError' || name === 'InvalidMessageLengthError'
  );
}

/** The streams of one session, one per peer. */
export class SessionLinks {
  private readonly links = new Map<number, Link>();
  private readonly indexOf = new Map<string, number>();
  /** Aborted when the session ends: every pending read, write and dial listens on it. */
  private readonly end = new AbortController();
  private readonly maxFrameBytes: number;

  constructor(private readonly o: SessionLinksInit) {
    this.maxFrameBytes = o.registry.maxFrameBytes;
    setMaxListeners(Number.POSITIVE_INFINITY, this.end.signal);
    for (const [index, p] of o.peers) {
      const { peerId, addrs } = toPeer(p);
      const id = peerId.toString();
      if (this.indexOf.has(id)) throw new SessionError('REFUSED', `peer ${id} appears twice in the session`);
      this.indexOf.set(id, index);
      this.links.set(index, new Link(index, peerId, addrs));
    }
  }

  /** The session indices of the peers. */
  get indices(): number[] {
    return [...this.links.keys()];
  }

  /** The peer id of session index `index`. */
  peerOf(index: number): PeerId | undefined {
    return this.links.get(index)?.peerId;
  }

  /** `party 2 (12D3…)` for each index, for messages. */
  describe(indices: readonly number[]): string {
    if (indices.length === 0) return 'nobody';
    return indices.map((i) => `party ${i} (${this.links.get(i)?.peerId.toString() ?? '?'})`).join(', ');
  }

  /** True once the stream of `index` has ended (the peer can send nothing more). */
  ended(index: number): boolean {
    return this.links.get(index)?.eof === true;
  }

  /** Records that the stream of `index` ended. */
  markEnded(index: number): void {
    const link = this.links.get(index);
    if (link) link.eof = true;
  }

  /** Routes an inbound stream (from the registry) to its link, or resets it. */
  accept(inb: InboundStream): void {
    if (this.end.signal.aborted) {
      resetStream(inb.stream, 'session over');
      return;
    }
    const index = this.indexOf.get(inb.remotePeer);
    if (index === undefined) {
      resetStream(inb.stream, 'not a party of this session');
      return;
    }
    const link = this.links.get(index) as Link;
    if (inb.hello.from !== index) {
      resetStream(inb.stream, 'wrong sender index');
      this.o.emit({
        kind: 'fail',
        error: badFrame(index, `hello claims to be from party ${inb.hello.from}`, this.o.round()),
      });
      return;
    }
    if (index > this.o.self) {
      // The lower index dials; a stream the other way is not ours to take (our own dial serves this pair).
      resetStream(inb.stream, 'the lower session index dials');
      return;
    }
    if (!equalBytes(inb.hello.payload, this.tokenFor(index))) {
      // before any protocol message of this link is read or sent: nothing reaches an OT check
      resetStream(inb.stream, 'pair state mismatch');
      const error = new SessionError(
        'STATE_MISMATCH',
        `${this.describe([index])} holds another pair state with this node (one side re-paired); run the session again`,
        { culprits: [index] },
      );
      this.o.emit({ kind: 'fail', error });
      return;
    }
    if (link.stream) {
      resetStream(inb.stream, 'second stream for this session');
      const error = new SessionError('NETWORK', `party ${index} opened a second stream`, { culprits: [index] });
      this.o.emit({ kind: 'fail', error });
      return;
    }
    this.attach(link, inb.stream, inb.lp);
  }

  /** Dials every peer with a higher index (in the background; failures arrive as events). */
  dialUp(): void {
    for (const link of this.links.values()) if (link.index > this.o.self) void this.dial(link);
  }

  /** Queues a frame to party `to`, after the frames queued before it. */
  send(to: number, frame: Frame): void {
    const link = this.links.get(to);
    if (!link) throw new SessionError('PROTOCOL', `the run addressed party ${to}, which is not a session peer`);
    const t = this.o.tamperOutbound?.({ ...frame, to });
    if (t === 'drop') return;
    const bytes = encodeFrame(t ?? frame, this.maxFrameBytes);
    const signal = this.end.signal;
    link.writes = link.writes.then(async () => {
      if (link.broken) return;
      try {
        // A link that never opens leaves this pending: the session's deadlines end the session regardless.
        const lp = await link.ready.promise;
        if (signal.aborted || link.broken) return;
        await lp.write(bytes, { signal });
      } catch (e) {
        link.broken = true;
        if (!signal.aborted) this.fail(link, `sending to ${this.describe([link.index])} failed`, e);
      }
    });
  }

  /** Resolves once every queued frame has been handed to its stream. */
  flushed(): Promise<unknown> {
    return Promise.all([...this.links.values()].map((l) => l.writes));
  }

  /**
   * Ends the session's I/O: stops pending reads, writes and dials, then closes our half of every stream — on
   * failure too, so that a peer sees the end of our stream and fails fast only if it still awaits us, instead of
   * blaming us for someone else's failure. A stream that does not close in time, or whose peer never closes its
   * half, is reset. Then opens a spare stream to each peer this side dials, for the next session.
   */
  async close(): Promise<void> {
    this.end.abort();
    const closing: Promise<void>[] = [];
    for (const link of this.links.values()) {
      const stream = link.stream;
      if (!stream) continue;
      closing.push(
        stream
          .close({ signal: AbortSignal.timeout(2_000) })
          .catch(() => resetStream(stream, 'close failed'))
          .then(() => {
            if (stream.status === 'closed') return;
            const t = setTimeout(() => {
              if (stream.status !== 'closed') resetStream(stream, 'peer did not close');
            }, 10_000);
            t.unref?.();
          }),
      );
    }
    await Promise.all(closing);
    // the next session with these peers starts on a stream opened now, off its critical path
    for (const link of this.links.values()) {
      if (link.index > this.o.self && !this.o.registry.bans.has(link.peerId.toString())) {
        this.o.registry.refillSpare(link.peerId);
      }
    }
  }

  /** The hello token of the link to `index` (empty when the session has none). */
  private tokenFor(index: number): Uint8Array {
    return this.o.helloTokens?.get(index) ?? new Uint8Array(0);
  }

  private fail(link: Link, what: string, e: unknown): void {
    const message = `${what}: ${(e as Error)?.message ?? String(e)}`;
    const round = this.o.round();
    this.o.emit({
      kind: 'fail',
      error: new SessionError('NETWORK', message, { round, culprits: [link.index], cause: e }),
    });
  }

  private attach(link: Link, stream: Stream, lp: LengthPrefixedStream<Stream>): void {
    link.stream = stream;
    link.ready.resolve(lp);
    void this.readLoop(link, stream, lp);
  }

  private async dial(link: Link): Promise<void> {
    const { host, self, sessionId, tamperOutbound, registry } = this.o;
    const signal = this.end.signal;
    // a peer store write costs ~1 ms per session; a connected peer's addresses are known already
    if (link.addrs.length > 0 && host.getConnections(link.peerId).length === 0) {
      try {
        await host.peerStore.merge(link.peerId, { multiaddrs: [...link.addrs] });
      } catch {
        // dialing below reports the failure
      }
    }
    let delay = 100;
    let stream: Stream | undefined = await registry.takeSpare(link.peerId);
    while (!signal.aborted && !stream) {
      try {
        // over an open connection when there is one, relayed ones included (the hello frame goes out with the
        // protocol name: no round trip before the first byte)
        stream = await openStream(
          host,
          link.peerId,
          registry.protocol,
          AbortSignal.any([signal, AbortSignal.timeout(this.o.dialTimeoutMs)]),
        );
      } catch {
        if (signal.aborted) return;
        // Peer not up yet, or not reachable: retry until the session's deadlines end it.
        await sleep(delay, signal);
        delay = Math.min(delay * 2, 1000);
      }
    }
    if (!stream) return;
    if (signal.aborted) {
      resetStream(stream, 'session over');
      return;
    }
    // Once the stream is open, a failure is the peer refusing it (or the link breaking): no retry.
    try {
      const lp = lpStream(stream, registry.lpOptions());
      let hello: Frame = { sessionId, round: HELLO_ROUND, from: self, payload: this.tokenFor(link.index) };
      const t = tamperOutbound?.({ ...hello, to: link.index });
      if (t && t !== 'drop') hello = t;
      await lp.write(encodeFrame(hello, this.maxFrameBytes), { signal });
      this.attach(link, stream, lp);
    } catch (e) {
      resetStream(stream, 'hello failed');
      if (!signal.aborted) this.fail(link, `opening the stream to ${this.describe([link.index])} failed`, e);
    }
  }

  private async readLoop(link: Link, stream: Stream, lp: LengthPrefixedStream<Stream>): Promise<void> {
    const signal = this.end.signal;
    const emit = this.o.emit;
    while (!signal.aborted) {
      let bytes: Uint8Array;
      try {
        bytes = (await lp.read({ signal })).subarray();
      } catch (e) {
        if (signal.aborted) return;
        if (isOversize(e)) {
          emit({
            kind: 'fail',
            error: badFrame(link.index, `frame over the ${this.maxFrameBytes}-byte cap`, this.o.round()),
          });
        } else if (
          stream.remoteWriteStatus !== 'writable' &&
          stream.status !== 'reset' &&
          stream.status !== 'aborted'
        ) {
          emit({ kind: 'eof', index: link.index });
        } else {
          this.fail(link, `the stream of ${this.describe([link.index])} broke`, e);
        }
        return;
      }
      let frame: Frame;
      try {
        frame = decodeFrame(bytes, this.maxFrameBytes);
      } catch (e) {
        const why = e instanceof FrameError ? e.message : String(e);
        emit({ kind: 'fail', error: badFrame(link.index, why, this.o.round()) });
        return;
      }
      emit({ kind: 'frame', index: link.index, frame });
    }
  }
}
