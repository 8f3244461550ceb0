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
  // the request goes out with the protocol name: one round trip per exchange instead of two
  const stream = await host.dialProtocol(peer, CONTROL_PROTOCOL, { signal, negotiateFully: false });
  const lp = frames(stream);
  try {
    await lp.write(bytes, { signal });
    const response = (await lp.read({ signal })).subarray();
    await stream.close({ signal }).catch(() => stream.abort(new Error('close failed')));
    return response;
  } catch (e) {
    stream.abort(e instanceof Error ? e : new Error(String(e)));
    throw e;
  }
}
