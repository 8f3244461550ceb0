/**
 * Request/response between a party and the coordinator. The bytes are the control messages of protocols/control/
 * (register, join, announce, result, decision); this file only moves them, with a deadline and a size cap on
 * every frame. Both sides use it: the party node and the coordinator.
 *
 * Each side keeps one long-lived stream per peer for the requests it sends (a channel), on
 * `/mpc/control/2.0.0`: length-prefixed frames, a request `id(u32) ‖ body`, its answer `id(u32) ‖ status(u8: 0
 * answered, 1 failed) ‖ body`. The serving side answers requests as they finish, in any order. Opening a libp2p
 * stream costs bookkeeping on both nodes and five frames to open and close it; an exchange on a channel costs
 * its two frames (and yamux's window updates), which is most of what a signing from a presignature costs a node.
 *
 * `/mpc/control/1.0.0` — one request frame, one response frame, then the stream closes — is still served, and
 * used towards a peer that does not speak 2.0.0 (a node of an older version, during a rolling upgrade).
 */
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface';
import { type LengthPrefixedStream, lpStream } from '@libp2p/utils';
import { bestConnection, openStream } from './spare-streams.js';

/** The one-exchange-per-stream control protocol id. */
export const CONTROL_PROTOCOL = '/mpc/control/1.0.0';
/** The channel control protocol id (many exchanges on one stream). */
export const CONTROL_CHANNEL_PROTOCOL = '/mpc/control/2.0.0';
/** Largest control message (a session record names at most 16 parties with 8 addresses each). */
export const MAX_CONTROL_FRAME_BYTES = 64 * 1024;
/** Deadline of one request/response exchange. */
export const DEFAULT_CONTROL_TIMEOUT_MS = 10_000;
/** How long a peer that refused the channel protocol is asked with one stream per exchange. */
export const ONE_SHOT_MS = 60_000;
/** Requests one channel carries at once; a request beyond them waits for the channel's answers. */
export const MAX_CHANNEL_REQUESTS = 256;

const ID_BYTES = 4;
const ANSWERED = 0;
const FAILED = 1;

/** Answers one control request from the authenticated `peer`; throwing fails that request. */
export type ControlHandler = (peer: PeerId, request: Uint8Array) => Promise<Uint8Array>;

function framed(stream: Stream, extra = 0): LengthPrefixedStream<Stream> {
  const max = MAX_CONTROL_FRAME_BYTES + extra;
  return lpStream(stream, { maxDataLength: max, maxBufferSize: 2 * max });
}

function withId(id: number, head: Uint8Array, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(ID_BYTES + head.length + body.length);
  new DataView(out.buffer).setUint32(0, id);
  out.set(head, ID_BYTES);
  out.set(body, ID_BYTES + head.length);
  return out;
}

/** Resolves with `work`, or rejects when `signal` aborts first. */
function race<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Serves control requests on `host` with `handler`, on both protocols. */
export async function serveControl(
  host: Libp2p,
  handler: ControlHandler,
  timeoutMs = DEFAULT_CONTROL_TIMEOUT_MS,
): Promise<void> {
  await host.handle(CONTROL_PROTOCOL, async (stream, connection) => {
    const signal = AbortSignal.timeout(timeoutMs);
    const lp = framed(stream);
    try {
      const request = (await lp.read({ signal })).subarray();
      const response = await handler(connection.remotePeer, request);
      await lp.write(response, { signal });
      await stream.close({ signal });
    } catch {
      stream.abort(new Error('control request failed'));
    }
  });
  await host.handle(CONTROL_CHANNEL_PROTOCOL, (stream, connection) =>
    serveChannel(stream, connection, handler, timeoutMs),
  );
}

/** Answers the requests of one channel until it closes; each within `timeoutMs`, else it is answered failed. */
async function serveChannel(
  stream: Stream,
  connection: Connection,
  handler: ControlHandler,
  timeoutMs: number,
): Promise<void> {
  const lp = framed(stream, ID_BYTES);
  const answer = (id: number, status: number, body: Uint8Array) =>
    lp.write(withId(id, Uint8Array.of(status), body), { signal: AbortSignal.timeout(timeoutMs) });
  try {
    for (;;) {
      const frame = (await lp.read()).subarray();
      if (frame.length <= ID_BYTES) throw new Error('a control channel frame without a request');
      const id = new DataView(frame.buffer, frame.byteOffset).getUint32(0);
      const request = frame.slice(ID_BYTES);
      void race(handler(connection.remotePeer, request), AbortSignal.timeout(timeoutMs))
        .then(
          (response) => answer(id, ANSWERED, response),
          () => answer(id, FAILED, new Uint8Array(0)),
        )
        .catch((e) => stream.abort(e instanceof Error ? e : new Error(String(e))));
    }
  } catch (e) {
    // the peer closed its end (it stopped, or the connection went), or sent a malformed frame
    if (stream.status === 'open') stream.abort(e instanceof Error ? e : new Error(String(e)));
  }
}

/** One long-lived stream to a peer carrying our requests and its answers. */
class Channel {
  private readonly lp: LengthPrefixedStream<Stream>;
  private readonly pending = new Map<number, PromiseWithResolvers<Uint8Array>>();
  private nextId = 0;
  /** Set once the stream failed or closed: the channel takes no more requests. */
  closed = false;

  constructor(
    private readonly stream: Stream,
    private readonly connection: Connection,
    private readonly onClose: () => void,
  ) {
    this.lp = framed(stream, ID_BYTES + 1);
    void this.readAnswers();
  }

  /**
   * Whether the channel's stream or its connection has gone, though no read failed yet (a connection can close
   * before its streams notice): a request on it would wait out its deadline.
   */
  get stale(): boolean {
    return this.stream.status !== 'open' || this.connection.status !== 'open';
  }

  /** Whether the channel can take another request now. */
  get usable(): boolean {
    return !this.closed && !this.stale && this.pending.size < MAX_CHANNEL_REQUESTS;
  }

  /** Sends one request and resolves with its answer; rejects on a failed answer, `signal`, or a broken stream. */
  async request(body: Uint8Array, signal: AbortSignal): Promise<Uint8Array> {
    const id = this.nextId;
    this.nextId = (this.nextId + 1) >>> 0;
    const waiter = Promise.withResolvers<Uint8Array>();
    // the stream may fail (rejecting every waiter) while this request is still being written, before anything
    // awaits its answer: that rejection is handled here (the write's own error is what this request throws)
    waiter.promise.catch(() => {});
    this.pending.set(id, waiter);
    try {
      await this.lp.write(withId(id, new Uint8Array(0), body), { signal });
    } catch (e) {
      this.pending.delete(id);
      if (!signal.aborted) this.fail(e); // the stream broke: every request on it fails
      throw e;
    }
    try {
      return await race(waiter.promise, signal);
    } finally {
      this.pending.delete(id);
    }
  }

  private async readAnswers(): Promise<void> {
    try {
      for (;;) {
        const frame = (await this.lp.read()).subarray();
        if (frame.length <= ID_BYTES) throw new Error('a control channel frame without an answer');
        const id = new DataView(frame.buffer, frame.byteOffset).getUint32(0);
        const waiter = this.pending.get(id);
        if (!waiter) continue; // answered after its deadline: the caller has gone
        if (frame[ID_BYTES] === ANSWERED) waiter.resolve(frame.slice(ID_BYTES + 1));
        else waiter.reject(new Error('the peer could not answer the control request'));
      }
    } catch (e) {
      this.fail(e);
    }
  }

  /** Ends the channel: every request waiting on it fails. */
  fail(e: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    const error = e instanceof Error ? e : new Error(String(e));
    for (const w of this.pending.values()) w.reject(error);
    this.pending.clear();
    if (this.stream.status === 'open') this.stream.abort(error);
  }
}

/** The channels of one host, by peer, and the peers that speak only the one-shot protocol. */
interface HostChannels {
  readonly open: Map<string, Promise<Channel>>;
  readonly oneShotUntil: Map<string, number>;
}

const channelsByHost = new WeakMap<Libp2p, HostChannels>();

function channelsOf(host: Libp2p): HostChannels {
  let c = channelsByHost.get(host);
  if (!c) {
    c = { open: new Map(), oneShotUntil: new Map() };
    channelsByHost.set(host, c);
  }
  return c;
}

function isUnsupported(e: unknown): boolean {
  return (e as { name?: string } | undefined)?.name === 'UnsupportedProtocolError';
}

/** The channel to `peer`, opened (protocol negotiated) when there is none; undefined when the peer lacks 2.0.0. */
async function channelTo(host: Libp2p, peer: PeerId, signal: AbortSignal): Promise<Channel | undefined> {
  const all = channelsOf(host);
  const key = peer.toString();
  if ((all.oneShotUntil.get(key) ?? 0) > Date.now()) return undefined;
  const known = all.open.get(key);
  if (known) {
    const ch = await known.catch(() => undefined);
    if (ch?.usable) return ch;
    if (ch && !ch.closed && !ch.stale) return undefined; // busy: this request goes on a stream of its own
    ch?.fail(new Error("the control channel's connection closed"));
    if (all.open.get(key) === known) all.open.delete(key);
  }
  const opening = (async () => {
    const connection = bestConnection(host, peer) ?? (await host.dial(peer, { signal }));
    const stream = await connection.newStream(CONTROL_CHANNEL_PROTOCOL, {
      signal,
      negotiateFully: true,
      runOnLimitedConnection: true,
    });
    return new Channel(stream, connection, () => {
      if (all.open.get(key) === opening) all.open.delete(key);
    });
  })();
  all.open.set(key, opening);
  try {
    return await opening;
  } catch (e) {
    if (all.open.get(key) === opening) all.open.delete(key);
    if (isUnsupported(e)) {
      all.oneShotUntil.set(key, Date.now() + ONE_SHOT_MS);
      return undefined;
    }
    throw e;
  }
}

/** One exchange on a stream of its own (`/mpc/control/1.0.0`). */
async function oneShot(host: Libp2p, peer: PeerId, request: Uint8Array, signal: AbortSignal): Promise<Uint8Array> {
  const stream = await openStream(host, peer, CONTROL_PROTOCOL, signal);
  const lp = framed(stream);
  try {
    await lp.write(request, { signal });
    const response = (await lp.read({ signal })).subarray();
    await stream.close({ signal }).catch(() => stream.abort(new Error('close failed')));
    return response;
  } catch (e) {
    stream.abort(e instanceof Error ? e : new Error(String(e)));
    throw e;
  }
}

/** Sends one control request to `peer` and returns its response; throws on timeout, a failed answer or a reset. */
export async function controlRequest(
  host: Libp2p,
  peer: PeerId,
  request: Uint8Array,
  opts: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<Uint8Array> {
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_CONTROL_TIMEOUT_MS);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  const channel = await channelTo(host, peer, signal);
  return channel ? channel.request(request, signal) : oneShot(host, peer, request, signal);
}
