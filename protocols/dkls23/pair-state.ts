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
import { decodeAll, Writer } from '../common/codec.js';
import { assertArg, DecodeError } from '../common/errors.js';

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
  /**
   * When the node stored the state (unix ms; set by the node, since protocols/ reads no clock). A node refuses
   * a state past its maximum age and runs a fresh pair setup; a state without it (made before it was recorded)
   * counts as past any age.
   */
  readonly createdAt?: number;
}

/** Longest node id the codec accepts (libp2p peer ids are ~40 bytes). */
export const MAX_NODE_ID_BYTES = 1024;
/** Version byte of the pair-state encoding with `createdAt` (what a node stores). */
export const PAIR_STATE_VERSION = 2;
/** Version byte of the encoding without `createdAt` (pair setup's own output; older stores). */
export const PAIR_STATE_VERSION_UNDATED = 1;
const PSID_BYTES = 32;
const KEYS_BYTES = BASE_OT_COUNT * OT_KEY_BYTES;

/**
 * Binary encoding of a pair state (what the node stores, encrypted): version byte 2 and `createdAt` (u64
 * big-endian, unix ms) — or version byte 1 and nothing when the state has no `createdAt` —, psid (32 bytes),
 * self and peer node ids (2-byte length prefix each), Δ (32 bytes), keys, keys0, keys1 (8192 bytes each). Fixed
 * order and widths, so a state encodes in exactly one way.
 */
export function encodePairState(s: PairState): Uint8Array {
  assertArg(s.version === 1, 'encodePairState: unknown version');
  const dated = s.createdAt !== undefined;
  assertArg(
    !dated || (Number.isSafeInteger(s.createdAt) && (s.createdAt as number) >= 0),
    'encodePairState: createdAt must be a non-negative safe integer',
  );
  assertArg(s.psid.length === PSID_BYTES, 'encodePairState: psid must be 32 bytes');
  assertArg(
    s.selfNodeId.length <= MAX_NODE_ID_BYTES && s.peerNodeId.length <= MAX_NODE_ID_BYTES,
    'encodePairState: node id too long',
  );
  assertArg(s.asAlice.delta.length === BASE_OT_COUNT / 8, 'encodePairState: delta must be 32 bytes');
  assertArg(
    s.asAlice.keys.length === KEYS_BYTES && s.asBob.keys0.length === KEYS_BYTES && s.asBob.keys1.length === KEYS_BYTES,
    'encodePairState: key arrays must be 256 × 32 bytes',
  );
  const w = new Writer().u8(dated ? PAIR_STATE_VERSION : PAIR_STATE_VERSION_UNDATED);
  if (dated) {
    const at = s.createdAt as number;
    w.u32(Math.floor(at / 0x100000000)).u32(at >>> 0);
  }
  return w
    .bytes(s.psid)
    .varBytes(s.selfNodeId)
    .varBytes(s.peerNodeId)
    .bytes(s.asAlice.delta)
    .bytes(s.asAlice.keys)
    .bytes(s.asBob.keys0)
    .bytes(s.asBob.keys1)
    .finish();
}

/** Decodes {@link encodePairState}'s output strictly (version, exact lengths, no trailing bytes). Throws {@link DecodeError}. */
export function decodePairState(bytes: Uint8Array): PairState {
  return decodeAll(bytes, (r) => {
    const version = r.u8();
    if (version !== PAIR_STATE_VERSION && version !== PAIR_STATE_VERSION_UNDATED) {
      throw new DecodeError(`pair-state version ${version}`);
    }
    let createdAt: number | undefined;
    if (version === PAIR_STATE_VERSION) {
      const hi = r.u32();
      const lo = r.u32();
      if (hi > 0x1fffff) throw new DecodeError('pair-state createdAt above Number.MAX_SAFE_INTEGER');
      createdAt = hi * 0x100000000 + lo;
    }
    const psid = r.copy(PSID_BYTES);
    const selfNodeId = r.varBytes(MAX_NODE_ID_BYTES);
    const peerNodeId = r.varBytes(MAX_NODE_ID_BYTES);
    const delta = r.copy(BASE_OT_COUNT / 8);
    const keys = r.copy(KEYS_BYTES);
    const keys0 = r.copy(KEYS_BYTES);
    const keys1 = r.copy(KEYS_BYTES);
    const state: PairState = {
      version: 1,
      psid,
      selfNodeId,
      peerNodeId,
      asAlice: { delta, keys },
      asBob: { keys0, keys1 },
    };
    return createdAt === undefined ? state : { ...state, createdAt };
  });
}
