/**
 * Pair state: the base-OT correlations one ordered pair of nodes needs for the two-party multiplication, made
 * once by pair setup and reused (with fresh session ids) for every key the two nodes share.
 *
 * Layout of the OT material (flat arrays for speed):
 * - as Alice (OT-extension sender, base-OT receiver): `delta` is 32 bytes, bit i of Δ is
 *   `(delta[i >> 3] >> (i & 7)) & 1` for i = 0..255; `keys` is 256 × 32 bytes, key i = `k_i^{Δ_i}`.
 * - as Bob (OT-extension receiver, base-OT sender): `keys0` and `keys1` are 256 × 32 bytes each, key i of
 *   each at bytes `32·i .. 32·i+31`.
 */

/** Number of base OTs per orientation (κ). */
export const BASE_OT_COUNT = 256;
/** Bytes of one base-OT key. */
export const OT_KEY_BYTES = 32;

/** What a node keeps as Alice towards one peer (it chose Δ in the base OTs). */
export interface AliceOtState {
  /** Δ: 256 secret choice bits, little-endian bit order within each byte. */
  readonly delta: Uint8Array;
  /** `k_i^{Δ_i}` for i = 0..255, 32 bytes each, concatenated. */
  readonly keys: Uint8Array;
}

/** What a node keeps as Bob towards one peer (it holds both keys of every base OT). */
export interface BobOtState {
  /** `k_i^0` for i = 0..255, 32 bytes each, concatenated. */
  readonly keys0: Uint8Array;
  /** `k_i^1` for i = 0..255, 32 bytes each, concatenated. */
  readonly keys1: Uint8Array;
}

/** Everything one node stores about its pair with one peer node (both orientations). */
export interface PairState {
  /** Format version (1). */
  readonly version: 1;
  /** The pair-setup session id: hash of both node ids and both nodes' fresh randomness. */
  readonly psid: Uint8Array;
  /** This node's id (libp2p peer id bytes). */
  readonly selfNodeId: Uint8Array;
  /** The peer node's id. */
  readonly peerNodeId: Uint8Array;
  /** This node as Alice (OT-extension sender) towards the peer. */
  readonly asAlice: AliceOtState;
  /** This node as Bob (OT-extension receiver) towards the peer. */
  readonly asBob: BobOtState;
}
