/**
 * Request/response between a party and the coordinator on `/mpc/control/1.0.0`: one length-prefixed request
 * frame, one length-prefixed response frame, then the stream closes. The bytes are the control messages of
 * protocols/session/ (register, announce, result, decision); this file only moves them, with a deadline and a
 * size cap on every frame.
 */
import type { PeerId, Stream } from '@libp2p/interface';
import { type LengthPrefixedStream, lpStream } from '@libp2p/utils';
import type { Host } from '../net/host.js';

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
  // the request goes out with the protocol name: one round trip per exchange instead of two
  const stream = await host.dialProtocol(peer, CONTROL_PROTOCOL, { signal, negotiateFully: false });
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
