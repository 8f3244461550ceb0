/**
 * The coordinator's side of `/mpc/control/1.0.0`: one length-prefixed request frame and one length-prefixed
 * response frame per stream, each under a deadline and a size cap. The protocol id and framing are the party
 * node's (src/party/control-transport.ts); the two copies are kept apart because src/ and coordinator/ may not
 * import each other.
 */
import type { PeerId, Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import type { CoordinatorHost } from './host.js';

/** The control protocol id (the party node serves and dials the same). */
export const CONTROL_PROTOCOL = '/mpc/control/1.0.0';
/** Largest control frame. */
export const MAX_FRAME_BYTES = 64 * 1024;
/** Deadline of one exchange. */
export const CONTROL_TIMEOUT_MS = 10_000;

const frames = (s: Stream) => lpStream(s, { maxDataLength: MAX_FRAME_BYTES, maxBufferSize: 2 * MAX_FRAME_BYTES });

/** Serves control requests: `answer(peer, request)` returns the response; a throw resets the stream. */
export async function serveRequests(
  host: CoordinatorHost,
  answer: (peer: PeerId, request: Uint8Array) => Promise<Uint8Array>,
): Promise<void> {
  await host.handle(CONTROL_PROTOCOL, async (stream, connection) => {
    const signal = AbortSignal.timeout(CONTROL_TIMEOUT_MS);
    const lp = frames(stream);
    try {
      const response = await answer(connection.remotePeer, (await lp.read({ signal })).subarray());
      await lp.write(response, { signal });
      await stream.close({ signal });
    } catch {
      stream.abort(new Error('control request failed'));
    }
  });
}

/** Sends one request to `peer` and returns the response; throws on a timeout, refusal or reset stream. */
export async function request(host: CoordinatorHost, peer: PeerId, bytes: Uint8Array): Promise<Uint8Array> {
  const signal = AbortSignal.timeout(CONTROL_TIMEOUT_MS);
  const stream = (await takeSpare(host, peer)) ?? (await openStream(host, peer, signal));
  const lp = frames(stream);
  try {
    await lp.write(bytes, { signal });
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
 * {@link CONTROL_TIMEOUT_MS} (which starts later than our clock), so it is never one the peer has dropped.
 */
export const SPARE_MAX_AGE_MS = 8_000;

interface Spare {
  stream: Stream;
  born: number;
}

const spares = new WeakMap<CoordinatorHost, Map<string, Promise<Spare | undefined>>>();

async function openStream(host: CoordinatorHost, peer: PeerId, signal: AbortSignal): Promise<Stream> {
  // the request goes out with the protocol name: one round trip per exchange instead of two
  const open = host.getConnections(peer).find((c) => c.status === 'open');
  return open
    ? open.newStream(CONTROL_PROTOCOL, { signal, negotiateFully: false })
    : host.dialProtocol(peer, CONTROL_PROTOCOL, { signal, negotiateFully: false });
}

function refillSpare(host: CoordinatorHost, peer: PeerId): void {
  let byPeer = spares.get(host);
  if (!byPeer) {
    byPeer = new Map();
    spares.set(host, byPeer);
  }
  // one spare per peer: under concurrent requests the others open their own streams, and a second spare would
  // only sit on the peer's stream limit until its deadline
  if (byPeer.has(peer.toString())) return;
  const signal = AbortSignal.timeout(SPARE_MAX_AGE_MS + CONTROL_TIMEOUT_MS);
  byPeer.set(
    peer.toString(),
    openStream(host, peer, signal).then(
      (stream) => ({ stream, born: Date.now() }),
      () => undefined,
    ),
  );
}

async function takeSpare(host: CoordinatorHost, peer: PeerId): Promise<Stream | undefined> {
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
