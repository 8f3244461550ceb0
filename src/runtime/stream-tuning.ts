/**
 * Two adjustments to libp2p's stream stack for what the nodes send most: small request/answer messages (a
 * signing from a presignature is four of them). Without them each message costs four frames' worth of system
 * calls and wake-ups of the receiving process; with them, one. On the 2-core bench machine that took a
 * signer's answer from about 0.7 to 0.5 ms on the wire (test/net/stream-tuning.test.ts counts the writes).
 *
 * 1. **One write per noise frame.** @chainsafe/libp2p-noise hands the connection each encrypted frame as two
 *    buffers — its 2-byte length, then the ciphertext — and the TCP transport writes each with its own system
 *    call, so the receiver wakes for two bytes, finds half a frame and waits again. {@link joinedNoise} wraps the
 *    noise encrypter so that every connection it secures hands over one buffer per frame (a copy of a few
 *    hundred bytes).
 * 2. **Window updates at half the window.** @libp2p/yamux answers every data frame with a window-update frame:
 *    one more frame, write and wake-up in each direction per message. The yamux specification leaves the timing
 *    to the receiver, and go-yamux and rust-yamux send an update once half of the window is used;
 *    {@link tuneYamuxWindowUpdates} makes this process's yamux streams do the same. An update that carries a
 *    flag (the ACK of a new stream) still goes out at once, and a paused stream is left to the library.
 *
 * Both reach into the libraries' internals (an instance's `encrypt`, the stream's `sendWindowUpdate` and its
 * window fields). Each checks that what it needs is there and otherwise leaves the stack as shipped: a library
 * upgrade can lose the saving, never break a connection; the test above fails when one is lost.
 */
import { type NoiseInit, noise } from '@chainsafe/libp2p-noise';
import { StreamState, YamuxStream } from '@libp2p/yamux/stream';
import type { Uint8ArrayList } from 'uint8arraylist';

type NoiseFactory = ReturnType<typeof noise>;
type Encrypter = ReturnType<NoiseFactory>;
type Secured = Awaited<ReturnType<Encrypter['secureInbound']>>;

/** Makes the secured connection of `secured` hand over each encrypted frame as one buffer; returns `secured`. */
function joinFrames(secured: Secured): Secured {
  const connection = secured.connection as unknown as {
    encrypt?: (chunk: Uint8Array | Uint8ArrayList) => Uint8Array | Uint8ArrayList;
  };
  const encrypt = connection.encrypt;
  if (typeof encrypt !== 'function') return secured;
  connection.encrypt = (chunk) => {
    const frames = encrypt.call(connection, chunk);
    // a list of buffers (noise's own copy of uint8arraylist, so no instanceof): joined, or the one buffer itself
    return frames instanceof Uint8Array ? frames : frames.subarray();
  };
  return secured;
}

/** The noise connection encrypter, each of whose connections writes a frame with one system call (see above). */
export function joinedNoise(init?: NoiseInit): NoiseFactory {
  const factory = noise(init);
  return (components) => {
    const encrypter = factory(components);
    const inbound = encrypter.secureInbound.bind(encrypter);
    const outbound = encrypter.secureOutbound.bind(encrypter);
    encrypter.secureInbound = (async (...args: Parameters<typeof inbound>) =>
      joinFrames(await inbound(...args))) as typeof encrypter.secureInbound;
    encrypter.secureOutbound = (async (...args: Parameters<typeof outbound>) =>
      joinFrames(await outbound(...args))) as typeof encrypter.secureOutbound;
    return encrypter;
  };
}

/** The fields of a yamux stream the window-update rule reads. */
interface YamuxWindow {
  state: StreamState;
  recvWindow?: unknown;
  recvWindowCapacity?: unknown;
}

let windowUpdatesTuned = false;

/**
 * Makes every yamux stream of this process send a window update only once half of its receive window is used
 * (see above); idempotent. Returns false, changing nothing, when this @libp2p/yamux lacks what the rule reads.
 */
export function tuneYamuxWindowUpdates(): boolean {
  if (windowUpdatesTuned) return true;
  const proto = YamuxStream.prototype as unknown as { sendWindowUpdate?: (this: YamuxWindow) => void };
  const send = proto.sendWindowUpdate;
  if (typeof send !== 'function') return false;
  proto.sendWindowUpdate = function (this: YamuxWindow) {
    const { recvWindow, recvWindowCapacity } = this;
    const halfLeft =
      typeof recvWindow === 'number' && typeof recvWindowCapacity === 'number' && recvWindowCapacity * 2 >= recvWindow;
    if (this.state === StreamState.Established && halfLeft) return;
    send.call(this);
  };
  windowUpdatesTuned = true;
  return true;
}
