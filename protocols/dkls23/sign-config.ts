/**
 * The configuration of one signer's run and what it derives before any message: the multiplication session
 * ids and the additive key share over the signer set (docs/protocol.md, "Signing").
 */
import { equalBytes } from '../common/bytes.js';
import { lagrangeAtZero, modN } from '../common/curve.js';
import { assertArg, ProtocolError } from '../common/errors.js';
import { hashToScalar, tag, taggedHash } from '../common/hash.js';
import type { Suite } from '../common/suite.js';
import type { KeyShare } from './key-share.js';
import type { PairGuard } from './pair-guard.js';
import type { PairState } from './pair-state.js';

/** Inputs of one signer's run. */
export interface SignConfig {
  /** The session id of the coordinator's signed record (32 bytes, never reused for this key). */
  readonly sessionId: Uint8Array;
  /** This party's key share. */
  readonly keyShare: KeyShare;
  /** The signer set S: `threshold` distinct key-share indices, in any order. */
  readonly signers: readonly number[];
  /** Pair state with each other signer, by that signer's index. */
  readonly pairs: ReadonlyMap<number, PairState>;
  /** Randomness and hashes. */
  readonly suite: Suite;
  /** The node's one guard of burnt pair states, shared by all its sessions. */
  readonly pairGuard: PairGuard;
}

const TAG_ZERO = tag('zero-share');

/** `msid = H("mul", ssid, psid, aliceNodeId, bobNodeId)`: unique per signature and ordered node pair. */
export function multiplicationSid(
  ssid: Uint8Array,
  psid: Uint8Array,
  aliceNodeId: Uint8Array,
  bobNodeId: Uint8Array,
): Uint8Array {
  return taggedHash(tag('mul'), ssid, psid, aliceNodeId, bobNodeId);
}

/**
 * The additive key share over the signer set S: `λ_i(S)·s_i + ζ_i`, where the zero shares
 * `ζ_i = Σ_{j∈S, j>i} Hs(seed_ij, ssid) − Σ_{j∈S, j<i} Hs(seed_ij, ssid)` sum to zero over S.
 */
export function additiveShare(k: KeyShare, S: readonly number[], ssid: Uint8Array): bigint {
  let zeta = 0n;
  for (const j of S) {
    if (j === k.index) continue;
    const h = hashToScalar(TAG_ZERO, k.zeroSeeds[j - 1] as Uint8Array, ssid);
    zeta = j > k.index ? zeta + h : zeta - h;
  }
  return modN(lagrangeAtZero(k.index, S) * k.secretShare + zeta);
}

/** Checks a signing configuration; throws `INVALID_ARGUMENT` with the reason. */
export function validateSignConfig(c: SignConfig): void {
  const k = c.keyShare;
  assertArg(c.sessionId.length === 32, `sessionId must be 32 bytes, got ${c.sessionId.length}`);
  assertArg(c.signers.length === k.threshold, `need exactly ${k.threshold} signers, got ${c.signers.length}`);
  assertArg(new Set(c.signers).size === c.signers.length, 'signers must be distinct');
  for (const j of c.signers)
    assertArg(Number.isInteger(j) && j >= 1 && j <= k.n, `signer ${j} is not a party of the key`);
  assertArg(c.signers.includes(k.index), `this party (${k.index}) is not among the signers`);
  for (const j of c.signers) {
    if (j === k.index) continue;
    const p = c.pairs.get(j);
    assertArg(p !== undefined, `no pair state with signer ${j}`);
    assertArg(
      equalBytes(p.peerNodeId, k.nodeIds[j - 1] as Uint8Array),
      `pair state for signer ${j} is for another node`,
    );
    assertArg(equalBytes(p.selfNodeId, k.nodeIds[k.index - 1] as Uint8Array), 'pair state is not this node');
    if (c.pairGuard.isBurnt(p)) {
      throw new ProtocolError('PAIR_BURNT', `the pair state with signer ${j} is burnt; pair setup must be re-run`);
    }
  }
}
