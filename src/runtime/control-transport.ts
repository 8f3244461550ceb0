/**
 * Request/response between a party and the coordinator on `/mpc/control/1.0.0`: one length-prefixed request
 * frame, one length-prefixed response frame, then the stream closes. The bytes are the control messages of
 * protocols/session/ (register, announce, result, decision); this file only moves them, with a deadline and a
 * size cap on every frame.
 */
import type { PeerId, Stream } from '@libp2p/interface';
import { type LengthPrefixedStream, lpStream } from '@libp2p/utils';
import type { Host } from './host.js';

/** The control protocol id. */
export const CONTROL_PROTOCOL = '/mpc/control/1.0.0';
/** Largest control frame (a session record names at most 16 parties with 8 addresses each). */
export const MAX_CONTROL_FRAME_BYTES = 64 * 1024;
/** Deadline of one request/response exchange. */
export const DEFAULT_CONTROL_TIMEOUT_MS = 10_000;

/** Answers one control request from the authenticated `peer`; throwing resets the stream. */
export type ControlHandler = (peer: PeerId, request: Uint8Array) => Promise<Uint8Array>;

function framed(stream: Stream): LengthPrefixedStream<Stream> {
  return lpStream(stream, { maxDataLength: MAX_CONTROL_FRAME_BYTES, maxBufferSize: 2 * MAX_CONTROL_FRAME_BYTES });
}

/** Serves control requests on `host` with `handler`. */
export async function serveControl(
  host: Host,
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
}

/** Sends one control request to `peer` and returns its response; throws on timeout or a reset stream. */
export async function controlRequest(
  host: Host,
  peer: PeerId,
  request: Uint8Array,
  opts: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<Uint8Array> {
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_CONTROL_TIMEOUT_MS);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  const stream = (await takeSpare(host, peer)) ?? (await openStream(host, peer, signal));
  const lp = framed(stream);
  try {
    await lp.write(request, { signal });
    const response = (await lp.read({ signal })).subarray();
    await stream.close({ signal }).catch(() => stream.abort(new Error('close failed')));
    return response;
  } catch (e) {
    stream.abort(e instanceof Error ? e : new Error(String(e)));
    throw e;
  } finally {
    // after the exchange, not before: opening the next stream would compete with this request's work
    refillSpare(host, peer);
  }
}

/**
 * A spare stream is opened right after each request, so that the next request to the same peer finds one ready:
 * opening a stream costs a few milliseconds of libp2p bookkeeping on a busy node, on the critical path of a
 * session. A spare is used only while younger than {@link SPARE_MAX_AGE_MS}, safely inside the serving side's
 * {@link DEFAULT_CONTROL_TIMEOUT_MS} (which starts later than our clock), so it is never one the peer has dropped.
 */
export const SPARE_MAX_AGE_MS = 8_000;

interface Spare {
  stream: Stream;
  born: number;
}

const spares = new WeakMap<Host, Map<string, Promise<Spare | undefined>>>();

async function openStream(host: Host, peer: PeerId, signal: AbortSignal): Promise<Stream> {
  // the request goes out with the protocol name: one round trip per exchange instead of two
  const open = host.getConnections(peer).find((c) => c.status === 'open');
  return open
    ? open.newStream(CONTROL_PROTOCOL, { signal, negotiateFully: false })
    : host.dialProtocol(peer, CONTROL_PROTOCOL, { signal, negotiateFully: false });
}

function refillSpare(host: Host, peer: PeerId): void {
  let byPeer = spares.get(host);
  if (!byPeer) {
    byPeer = new Map();
    spares.set(host, byPeer);
  }
  // one spare per peer: under concurrent requests the others open their own streams, and a second spare would
  // only sit on the peer's stream limit until its deadline
  if (byPeer.has(peer.toString())) return;
  const signal = AbortSignal.timeout(SPARE_MAX_AGE_MS + DEFAULT_CONTROL_TIMEOUT_MS);
  byPeer.set(
    peer.toString(),
    openStream(host, peer, signal).then(
      (stream) => ({ stream, born: Date.now() }),
      () => undefined,
    ),
  );
}

async function takeSpare(host: Host, peer: PeerId): Promise<Stream | undefined> {
  const byPeer = spares.get(host);
  const pending = byPeer?.get(peer.toString());
  if (!pending) return undefined;
  byPeer?.delete(peer.toString());
  const spare = await pending;
  if (!spare) return undefined;
  if (Date.now() - spare.born > SPARE_MAX_AGE_MS || spare.stream.status !== 'open') {
    spare.stream.abort(new Error('stale spare stream'));
    return undefined;
  }
  return spare.stream;
}
