/**
 * Distributed key generation (docs/protocol.md, "Key generation"): Feldman VSS with commit-then-reveal, in four
 * rounds. Every party ends with a {@link KeyShare} of the same public key, or the run fails with a
 * {@link ProtocolError} naming the check and the culprit.
 *
 * 1. broadcast `sid_i` and a commitment to the coefficient commitments `F_i` and a chain-code part `c_i`;
 * 2. broadcast the echo of round 1, `F_i` and `c_i` with the commitment's salt, and a proof of knowledge of
 *    `f_i(0)`;
 * 3. to each party j: `f_i(j)`, the pair's zero-share seed (when i < j) and the echo of round 2;
 * 4. broadcast `S_i = s_i·G` with a proof of knowledge of `s_i`, and the public key seen.
 *
 * The key's BIP32 chain code is `H(ksid, c_1, …, c_N)`: every `c_i` is committed before any is revealed, so no
 * party chooses it (one can only abort), and the round-2 echo in round 3 makes every party hash the same parts.
 */
import { equalBytes, u32be } from '../common/bytes.js';
import { type Reader, Writer } from '../common/codec.js';
import { SALT_BYTES } from '../common/commit.js';
import { evalPointPoly, evalPoly, IDENTITY, modN, mulGSecret, type Point, randomScalar } from '../common/curve.js';
import { assertArg } from '../common/errors.js';
import { tag, taggedHash } from '../common/hash.js';
import { type Outbound, RoundRun } from '../common/run.js';
import { proveDlog, readProof, type SchnorrProof, verifyDlog, writeProof } from '../common/schnorr.js';
import type { Suite } from '../common/suite.js';
import { CHAIN_CODE_BYTES } from './derive.js';
import {
  commitToCoefficients,
  encodeCoefficientCommitments,
  opensCoefficientCommitment,
  readCoefficientCommitments,
} from './feldman.js';
import { type KeyShare, MAX_KEY_ID_BYTES, MAX_NODE_ID_BYTES, MAX_PARTIES } from './key-share.js';

/** Inputs of one party's key generation. */
export interface KeygenConfig {
  /** The session id of the coordinator's signed record (32 bytes, never reused). */
  readonly sessionId: Uint8Array;
  /** The id the key will be known by. */
  readonly keyId: Uint8Array;
  /** Parties needed to sign, 2..N. */
  readonly threshold: number;
  /** Node ids of parties 1..N, in index order (N = its length, 2..16). */
  readonly nodeIds: readonly Uint8Array[];
  /** This party's index, 1..N. */
  readonly self: number;
  /** Randomness and hashes. */
  readonly suite: Suite;
}

/** Checks a keygen configuration; throws `INVALID_ARGUMENT` with the reason. */
export function validateKeygenConfig(c: KeygenConfig): void {
  const n = c.nodeIds.length;
  assertArg(c.sessionId.length === 32, `sessionId must be 32 bytes, got ${c.sessionId.length}`);
  assertArg(c.keyId.length > 0 && c.keyId.length <= MAX_KEY_ID_BYTES, `keyId must be 1..${MAX_KEY_ID_BYTES} bytes`);
  assertArg(n >= 2 && n <= MAX_PARTIES, `invalid number of parties ${n}; must be between 2 and ${MAX_PARTIES}`);
  assertArg(
    Number.isInteger(c.threshold) && c.threshold >= 2 && c.threshold <= n,
    `invalid threshold ${c.threshold}; must be between 2 and ${n}`,
  );
  assertArg(Number.isInteger(c.self) && c.self >= 1 && c.self <= n, `invalid self index ${c.self}; must be 1..${n}`);
  for (const id of c.nodeIds) assertArg(id.length > 0 && id.length <= MAX_NODE_ID_BYTES, 'invalid node id length');
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      assertArg(!equalBytes(c.nodeIds[a] as Uint8Array, c.nodeIds[b] as Uint8Array), 'node ids must be distinct');
    }
  }
}

/** Round 1: `sid_i ‖ C_i`. */
export function readKeygenRound1(r: Reader): { sid: Uint8Array; C: Uint8Array } {
  return { sid: r.copy(32), C: r.copy(32) };
}

/**
 * Round 2: `echo₁ ‖ salt ‖ count ‖ F_i (count points) ‖ proof ‖ c_i (32)`. The count is explicit so that too
 * many or too few coefficient commitments are named as such; more than {@link MAX_PARTIES} is malformed.
 */
export function readKeygenRound2(r: Reader): {
  echo: Uint8Array;
  salt: Uint8Array;
  F: Point[];
  proof: SchnorrProof;
  chainPart: Uint8Array;
} {
  const echo = r.copy(32);
  const salt = r.copy(SALT_BYTES);
  const F = readCoefficientCommitments(r);
  const proof = readProof(r);
  return { echo, salt, F, proof, chainPart: r.copy(CHAIN_CODE_BYTES) };
}

/** Round 3 (to one party): `f_i(j) ‖ echo₂ ‖ seed_ij` (the seed only when the sender's index is lower). */
export function readKeygenRound3(r: Reader, withSeed: boolean): { share: bigint; echo: Uint8Array; seed?: Uint8Array } {
  const share = r.scalar();
  const echo = r.copy(32);
  return withSeed ? { share, echo, seed: r.copy(32) } : { share, echo };
}

/** Round 4: `S_i ‖ PK ‖ proof of knowledge of s_i`. */
export function readKeygenRound4(r: Reader): { S: Point; PK: Point; proof: SchnorrProof } {
  return { S: r.point(), PK: r.point(), proof: readProof(r) };
}

const TAG_POK = tag('keygen-pok');
const TAG_SHARE_POK = tag('keygen-share-pok');
const TAG_CHAIN_CODE = tag('keygen-chain-code');

/** One party's run of the key generation. */
export class KeygenRun extends RoundRun<KeyShare> {
  private readonly n: number;
  private readonly t: number;
  private readonly coeffs: bigint[];
  private readonly F: Point[];
  private readonly sid: Uint8Array;
  private readonly salt: Uint8Array;
  private readonly round1 = new Map<number, { sid: Uint8Array; C: Uint8Array; raw: Uint8Array }>();
  private readonly round2 = new Map<number, { F: Point[]; chainPart: Uint8Array; raw: Uint8Array }>();
  private readonly seeds: Uint8Array[];
  /** This party's contribution to the chain code, committed in round 1. */
  private readonly chainPart: Uint8Array;
  private ksid: Uint8Array = new Uint8Array(0);
  private echo1: Uint8Array = new Uint8Array(0);
  private echo2: Uint8Array = new Uint8Array(0);
  private secretShare = 0n;
  private publicKey: Point = IDENTITY;
  private aggregate: Point[] = [];

  constructor(private readonly config: KeygenConfig) {
    validateKeygenConfig(config);
    const n = config.nodeIds.length;
    super(
      config.self,
      Array.from({ length: n }, (_, k) => k + 1),
      4,
    );
    this.n = n;
    this.t = config.threshold;
    const rng = config.suite.rng;
    this.coeffs = Array.from({ length: this.t }, () => randomScalar(rng));
    this.F = this.coeffs.map((c) => mulGSecret(config.suite.curve, c));
    this.sid = rng(32);
    this.salt = rng(SALT_BYTES);
    this.chainPart = rng(CHAIN_CODE_BYTES);
    this.seeds = Array.from({ length: n }, (_, k) => (k + 1 > config.self ? rng(32) : new Uint8Array(0)));
  }

  protected firstRound(): Outbound[] {
    const C = commitToCoefficients(this.config.sessionId, this.sid, this.self, this.salt, this.F, this.chainPart);
    const payload = new Writer().bytes(this.sid).bytes(C).finish();
    this.round1.set(this.self, { sid: this.sid, C, raw: payload });
    return [{ to: 'all', round: 1, payload }];
  }

  protected onRound(round: number, msgs: ReadonlyMap<number, Uint8Array>): Outbound[] {
    switch (round) {
      case 1:
        return this.onRound1(msgs);
      case 2:
        return this.onRound2(msgs);
      case 3:
        return this.onRound3(msgs);
      default:
        this.onRound4(msgs);
        return [];
    }
  }

  private onRound1(msgs: ReadonlyMap<number, Uint8Array>): Outbound[] {
    for (const [from, payload] of msgs) {
      const m = this.decode(from, payload, readKeygenRound1);
      this.round1.set(from, { ...m, raw: payload });
    }
    const sids: Uint8Array[] = [];
    const raws: Uint8Array[] = [];
    for (let j = 1; j <= this.n; j++) {
      const m = this.round1.get(j) as { sid: Uint8Array; raw: Uint8Array };
      sids.push(m.sid);
      raws.push(m.raw);
    }
    this.ksid = taggedHash(
      tag('keygen-sid'),
      this.config.sessionId,
      u32be(this.n),
      u32be(this.t),
      ...this.config.nodeIds,
      ...sids,
    );
    // Everyone must have seen the same round 1; otherwise an honest prover's proof would fail at an honest
    // verifier and the wrong party would be blamed.
    this.echo1 = taggedHash(tag('keygen-echo1'), this.ksid, ...raws);
    const proof = proveDlog(
      this.config.suite.curve,
      TAG_POK,
      this.ksid,
      this.self,
      this.coeffs[0] as bigint,
      this.F[0] as Point,
      this.config.suite.rng,
    );
    const w = new Writer().bytes(this.echo1).bytes(this.salt).bytes(encodeCoefficientCommitments(this.F));
    const payload = writeProof(w, proof).bytes(this.chainPart).finish();
    this.round2.set(this.self, { F: this.F, chainPart: this.chainPart, raw: payload });
    return [{ to: 'all', round: 2, payload }];
  }

  private onRound2(msgs: ReadonlyMap<number, Uint8Array>): Outbound[] {
    for (const [from, payload] of msgs) {
      const m = this.decode(from, payload, readKeygenRound2);
      if (!equalBytes(m.echo, this.echo1)) this.fail('ECHO_MISMATCH', `party ${from} saw a different round 1`, from);
      if (m.F.length !== this.t) {
        this.fail(
          'BAD_COMMITMENT_COUNT',
          `party ${from} sent ${m.F.length} coefficient commitments, expected ${this.t}`,
          from,
        );
      }
      const r1 = this.round1.get(from) as { sid: Uint8Array; C: Uint8Array };
      if (!opensCoefficientCommitment(r1.C, this.config.sessionId, r1.sid, from, m.salt, m.F, m.chainPart)) {
        this.fail(
          'BAD_COMMITMENT',
          `party ${from}'s coefficient commitments and chain-code part do not open its round-1 commitment`,
          from,
        );
      }
      if (!verifyDlog(this.config.suite.curve, TAG_POK, this.ksid, from, m.F[0] as Point, m.proof)) {
        this.fail('BAD_PROOF', `party ${from}'s proof of knowledge of its constant term does not verify`, from);
      }
      this.round2.set(from, { F: m.F, chainPart: m.chainPart, raw: payload });
    }
    const raws: Uint8Array[] = [];
    for (let j = 1; j <= this.n; j++) raws.push((this.round2.get(j) as { raw: Uint8Array }).raw);
    this.echo2 = taggedHash(tag('keygen-echo2'), this.ksid, ...raws);
    return this.others.map((j) => {
      const w = new Writer().scalar(evalPoly(this.coeffs, BigInt(j))).bytes(this.echo2);
      if (j > this.self) w.bytes(this.seeds[j - 1] as Uint8Array);
      return { to: j, round: 3, payload: w.finish() };
    });
  }

  private onRound3(msgs: ReadonlyMap<number, Uint8Array>): Outbound[] {
    let s = evalPoly(this.coeffs, BigInt(this.self));
    const x = BigInt(this.self);
    for (const [from, payload] of msgs) {
      const m = this.decode(from, payload, (r) => readKeygenRound3(r, from < this.self));
      if (!equalBytes(m.echo, this.echo2)) this.fail('ECHO_MISMATCH', `party ${from} saw a different round 2`, from);
      const Fj = (this.round2.get(from) as { F: Point[] }).F;
      const expected = evalPointPoly(Fj, x);
      // f_j(i) is secret (a summand of this party's share): multiplied in constant time, 0 gives the identity.
      const got = mulGSecret(this.config.suite.curve, m.share);
      if (!got.equals(expected)) {
        // The share came point to point: only this party can check it, so the blame is a dispute.
        this.failDisputed('BAD_SHARE', `party ${from}'s share fails the Feldman check (disputed)`, from);
      }
      if (m.seed) this.seeds[from - 1] = m.seed;
      s = modN(s + m.share);
    }
    this.aggregate = Array.from({ length: this.t }, (_, k) => {
      let acc = IDENTITY;
      for (let j = 1; j <= this.n; j++) acc = acc.add((this.round2.get(j) as { F: Point[] }).F[k] as Point);
      return acc;
    });
    this.publicKey = this.aggregate[0] as Point;
    if (this.publicKey.is0()) this.fail('IDENTITY_POINT', 'the aggregate public key is the identity');
    if (s === 0n) this.fail('DEGENERATE_VALUE', 'the secret share is zero');
    this.secretShare = s;
    const S = mulGSecret(this.config.suite.curve, s);
    const proof = proveDlog(this.config.suite.curve, TAG_SHARE_POK, this.ksid, this.self, s, S, this.config.suite.rng);
    const payload = writeProof(new Writer().point(S).point(this.publicKey), proof).finish();
    return [{ to: 'all', round: 4, payload }];
  }

  /** `H(ksid, c_1, …, c_N)`: every party's committed part, in index order. */
  private chainCode(): Uint8Array {
    const parts: Uint8Array[] = [];
    for (let j = 1; j <= this.n; j++) parts.push((this.round2.get(j) as { chainPart: Uint8Array }).chainPart);
    return taggedHash(TAG_CHAIN_CODE, this.ksid, ...parts);
  }

  private onRound4(msgs: ReadonlyMap<number, Uint8Array>): void {
    const publicShares: Point[] = [];
    for (let j = 1; j <= this.n; j++) {
      const expected = evalPointPoly(this.aggregate, BigInt(j));
      if (j === this.self) {
        publicShares.push(expected);
        continue;
      }
      const m = this.decode(j, msgs.get(j) as Uint8Array, readKeygenRound4);
      if (!m.PK.equals(this.publicKey)) this.fail('PUBLIC_KEY_MISMATCH', `party ${j} computed another public key`, j);
      if (!m.S.equals(expected)) this.fail('BAD_PUBLIC_SHARE', `party ${j}'s public share is off the polynomial`, j);
      if (!verifyDlog(this.config.suite.curve, TAG_SHARE_POK, this.ksid, j, m.S, m.proof)) {
        this.fail('BAD_PROOF', `party ${j}'s proof of knowledge of its share does not verify`, j);
      }
      publicShares.push(m.S);
    }
    this.finish({
      keyId: this.config.keyId.slice(),
      n: this.n,
      threshold: this.t,
      index: this.self,
      nodeIds: this.config.nodeIds.map((id) => id.slice()),
      publicKey: this.publicKey,
      secretShare: this.secretShare,
      publicShares,
      ksid: this.ksid,
      zeroSeeds: this.seeds,
      chainCode: this.chainCode(),
    });
  }
}

/** Creates one party's key-generation run (see {@link KeygenRun}). */
export function createKeygen(config: KeygenConfig): KeygenRun {
  return new KeygenRun(config);
}
