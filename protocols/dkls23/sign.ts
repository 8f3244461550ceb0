/**
 * Threshold signing (DKLS23.md, "Signing"). Rounds 1–3 do not depend on the message and end in a
 * {@link Presignature}; round 4 is the online round that turns a presignature and a message hash into an
 * Ethereum-compatible ECDSA signature, verified against the public key before it is released.
 *
 * 1. broadcast `sid_i` and a commitment to `R_i = r_i·G`;
 * 2. to each other signer j (as Bob towards Alice j): `ssid`, the echo of round 1, the OT-extension message;
 * 3. to each other signer j (as Alice towards Bob j): `Γ^u`, `Γ^v`, `ψ_{i→j}`, `pk_i`, the opening of `R_i`
 *    and the vector-OLE message (inputs `r_i`, `sk_i`);
 * 4. broadcast `ssid`, `R`, the message hash, `u_i` and `w_i = m·φ_i + r·v_i`.
 */
import { bigIntToBytes, bytesToBigInt, concatBytes, equalBytes, u32be } from '../common/bytes.js';
import { type Reader, Writer } from '../common/codec.js';
import { commit, SALT_BYTES, verifyOpening } from '../common/commit.js';
import {
  CURVE_ORDER,
  encodePoint,
  foldedCheck,
  IDENTITY,
  invN,
  lagrangeAtZero,
  modN,
  mulG,
  normalizePoint,
  type Point,
  randomScalar,
  verifyEcdsa,
} from '../common/curve.js';
import { assertArg, ProtocolError } from '../common/errors.js';
import { hashToScalar, tag, taggedHash } from '../common/hash.js';
import { type Outbound, RoundRun } from '../common/run.js';
import type { Suite } from '../common/suite.js';
import type { KeyShare } from './key-share.js';
import { aliceRespond, type BobMulState, bobFinish, bobStart, type MulContext } from './multiply.js';
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

/** An ECDSA signature with its recovery id; `s` is low (≤ n/2). */
export interface Signature {
  readonly r: bigint;
  readonly s: bigint;
  /** 0..3: bit 0 is the y-parity of R (after low-s), bit 1 set when x(R) ≥ n. */
  readonly recovery: number;
  /** `r ‖ s`, 64 bytes. */
  readonly compact: Uint8Array;
}

/**
 * One signer's presignature: usable for exactly one signature. {@link consumePresignature} marks it used and
 * wipes its secrets; a second use fails with `PRESIGNATURE_REUSED`.
 */
export interface Presignature {
  readonly ssid: Uint8Array;
  readonly index: number;
  readonly signers: readonly number[];
  readonly publicKey: Point;
  readonly R: Point;
  phi: bigint;
  u: bigint;
  v: bigint;
  used: boolean;
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

/** Round 1: `sid_i ‖ C_i` (the commitment to `R_i`). */
export function readSignRound1(r: Reader): { sid: Uint8Array; C: Uint8Array } {
  return { sid: r.copy(32), C: r.copy(32) };
}

/** Round 2: `ssid ‖ echo₁ ‖ OT-extension message` (the last is decoded by the multiplication). */
export function readSignRound2(r: Reader): { ssid: Uint8Array; echo: Uint8Array; ot: Uint8Array } {
  return { ssid: r.copy(32), echo: r.copy(32), ot: r.bytes(r.remaining) };
}

/** Round 3: `Γ^u ‖ Γ^v ‖ ψ ‖ pk_i ‖ R_i ‖ salt ‖ vector-OLE message` (the last decoded by the multiplication). */
export function readSignRound3(r: Reader): {
  gu: Point;
  gv: Point;
  psi: bigint;
  pk: Point;
  R: Point;
  salt: Uint8Array;
  ole: Uint8Array;
} {
  return {
    gu: r.point(),
    gv: r.point(),
    psi: r.scalar(),
    pk: r.point(),
    R: r.point(),
    salt: r.copy(SALT_BYTES),
    ole: r.bytes(r.remaining),
  };
}

/** The presigning rounds (1–3); {@link SignRun} adds the online round. */
export class PresignRun<Result = Presignature> extends RoundRun<Result> {
  protected readonly S: readonly number[];
  protected readonly i: number;
  private readonly ri: bigint;
  private readonly phi: bigint;
  private readonly Ri: Point;
  private readonly salt: Uint8Array;
  private readonly sid: Uint8Array;
  private readonly round1 = new Map<number, { sid: Uint8Array; C: Uint8Array; raw: Uint8Array }>();
  private ssid: Uint8Array = new Uint8Array(0);
  private echo1: Uint8Array = new Uint8Array(0);
  private ski = 0n;
  private pki: Point = IDENTITY;
  /** As Bob towards each Alice j: state, and b_{j→i}. */
  private readonly bob = new Map<number, { state: BobMulState; b: bigint }>();
  /** Sums over the other signers of c (as Alice) and d (as Bob), and of ψ_{j→i}. */
  private sumCu = 0n;
  private sumCv = 0n;
  private sumDu = 0n;
  private sumDv = 0n;
  private sumPsi = 0n;

  constructor(
    protected readonly config: SignConfig,
    rounds = 3,
  ) {
    validateSignConfig(config);
    const S = [...config.signers].sort((a, b) => a - b);
    super(config.keyShare.index, S, rounds);
    this.S = S;
    this.i = config.keyShare.index;
    const rng = config.suite.rng;
    this.ri = randomScalar(rng);
    this.phi = randomScalar(rng);
    this.Ri = mulG(this.ri);
    this.salt = rng(SALT_BYTES);
    this.sid = rng(32);
  }

  private commitSid(partySid: Uint8Array): Uint8Array {
    return concatBytes(this.config.sessionId, this.config.keyShare.ksid, partySid);
  }

  private nodeId(j: number): Uint8Array {
    return this.config.keyShare.nodeIds[j - 1] as Uint8Array;
  }

  private msid(alice: number, bob: number): Uint8Array {
    const peer = alice === this.i ? bob : alice;
    const pair = this.config.pairs.get(peer) as PairState;
    return multiplicationSid(this.ssid, pair.psid, this.nodeId(alice), this.nodeId(bob));
  }

  protected firstRound(): Outbound[] {
    const C = commit(this.commitSid(this.sid), this.i, this.salt, encodePoint(this.Ri));
    const payload = new Writer().bytes(this.sid).bytes(C).finish();
    this.round1.set(this.i, { sid: this.sid, C, raw: payload });
    return [{ to: 'all', round: 1, payload }];
  }

  protected onRound(round: number, msgs: ReadonlyMap<number, Uint8Array>): Outbound[] {
    if (round === 1) return this.onRound1(msgs);
    if (round === 2) return this.onRound2(msgs);
    if (round === 3) return this.onRound3(msgs);
    return this.onOnlineRound(msgs);
  }

  /** Round 4 (online), implemented by {@link SignRun}. */
  protected onOnlineRound(_msgs: ReadonlyMap<number, Uint8Array>): Outbound[] {
    return this.fail('UNEXPECTED_ROUND', 'a presigning run has no round 4');
  }

  private onRound1(msgs: ReadonlyMap<number, Uint8Array>): Outbound[] {
    for (const [from, payload] of msgs) {
      const m = this.decode(from, payload, readSignRound1);
      this.round1.set(from, { ...m, raw: payload });
    }
    const k = this.config.keyShare;
    const sids = this.S.map((j) => (this.round1.get(j) as { sid: Uint8Array }).sid);
    this.ssid = taggedHash(tag('sign-sid'), k.ksid, this.config.sessionId, ...this.S.map((j) => u32be(j)), ...sids);
    this.echo1 = taggedHash(
      tag('sign-echo1'),
      this.ssid,
      ...this.S.map((j) => (this.round1.get(j) as { raw: Uint8Array }).raw),
    );
    this.ski = additiveShare(k, this.S, this.ssid);
    this.pki = mulG(this.ski);
    const out: Outbound[] = [];
    for (const j of this.others) {
      const pair = this.config.pairs.get(j) as PairState;
      const { message, state, b } = bobStart(
        pair.asBob,
        { msid: this.msid(j, this.i), round: 2, peer: j },
        this.config.suite,
      );
      this.bob.set(j, { state, b });
      out.push({ to: j, round: 2, payload: new Writer().bytes(this.ssid).bytes(this.echo1).bytes(message).finish() });
    }
    return out;
  }

  private onRound2(msgs: ReadonlyMap<number, Uint8Array>): Outbound[] {
    const out: Outbound[] = [];
    for (const [from, payload] of msgs) {
      const m = this.decode(from, payload, readSignRound2);
      // Compared before anything is evaluated: a mismatch may be a third party's equivocation, so it is a
      // plain abort, never a reason to ban this sender.
      if (!equalBytes(m.ssid, this.ssid)) this.fail('SESSION_MISMATCH', `party ${from} derived another ssid`, from);
      if (!equalBytes(m.echo, this.echo1)) this.fail('ECHO_MISMATCH', `party ${from} saw a different round 1`, from);
      const pair = this.config.pairs.get(from) as PairState;
      const ctx = { msid: this.msid(this.i, from), round: 2, peer: from };
      const { message, c } = this.checkedRespond(pair, ctx, m.ot);
      this.sumCu += c[0];
      this.sumCv += c[1];
      const psi = modN(this.phi - (this.bob.get(from) as { b: bigint }).b);
      const head = new Writer()
        .point(mulG(c[0]))
        .point(mulG(c[1]))
        .scalar(psi)
        .point(this.pki)
        .point(this.Ri)
        .bytes(this.salt);
      out.push({ to: from, round: 3, payload: head.bytes(message).finish() });
    }
    return out;
  }

  /**
   * Alice's OT-extension check as one atomic step with the pair's burnt flag: refuse a burnt state without
   * evaluating anything, and burn it on the first failure, before any other session can run its check.
   */
  private checkedRespond(
    pair: PairState,
    ctx: MulContext,
    ot: Uint8Array,
  ): { message: Uint8Array; c: [bigint, bigint] } {
    const guard = this.config.pairGuard;
    if (guard.isBurnt(pair)) this.fail('PAIR_BURNT', `the pair state with party ${ctx.peer} is burnt`, ctx.peer);
    try {
      return aliceRespond(pair.asAlice, ctx, ot, [this.ri, this.ski], this.config.suite);
    } catch (e) {
      if (e instanceof ProtocolError && e.code === 'OT_CHECK_FAILED') guard.burn(pair);
      throw e;
    }
  }

  private onRound3(msgs: ReadonlyMap<number, Uint8Array>): Outbound[] {
    const k = this.config.keyShare;
    let R = this.Ri;
    let pkSum = this.pki;
    for (const [from, payload] of msgs) {
      const m = this.decode(from, payload, readSignRound3);
      const r1 = this.round1.get(from) as { sid: Uint8Array; C: Uint8Array };
      if (!verifyOpening(r1.C, this.commitSid(r1.sid), from, m.salt, encodePoint(m.R))) {
        this.fail('BAD_COMMITMENT', `party ${from}'s R does not open its round-1 commitment`, from);
      }
      const bob = this.bob.get(from) as { state: BobMulState; b: bigint };
      const { d } = bobFinish(bob.state, { msid: this.msid(from, this.i), round: 3, peer: from }, m.ole);
      // Γ checks b·R_j = d^u·G + Γ^u and b·pk_j = d^v·G + Γ^v, folded into one with a 128-bit ρ drawn here,
      // after the message is fixed: if either equation fails, the combination holds with probability ≤ 2^-128.
      // This halves the multiplications by the secret b, the costliest step of the round. b and d are secret
      // (constant-time multiplications); ρ and the points are public (variable time).
      const rho = bytesToBigInt(this.config.suite.rng(16)) | 1n;
      if (!foldedCheck(bob.b, modN(d[0] + rho * d[1]), rho, m.R, m.pk, m.gu, m.gv)) {
        this.fail('BAD_GAMMA', `party ${from}'s multiplication is inconsistent with its R or pk (Γ check)`, from);
      }
      this.sumDu += d[0];
      this.sumDv += d[1];
      this.sumPsi += m.psi;
      R = R.add(m.R);
      pkSum = pkSum.add(m.pk);
    }
    if (!pkSum.equals(k.publicKey))
      this.fail('PK_SUM_MISMATCH', 'the signers\u2019 key shares do not add up to the public key');
    if (R.is0()) this.fail('DEGENERATE_VALUE', 'the nonce point R is the identity');
    R = normalizePoint(R); // affine once here, so the online round's encodings and x(R) need no inversion
    const phiTotal = modN(this.phi + this.sumPsi);
    const presig: Presignature = {
      ssid: this.ssid,
      index: this.i,
      signers: this.S,
      publicKey: k.publicKey,
      R,
      phi: this.phi,
      u: modN(this.ri * phiTotal + this.sumCu + this.sumDu),
      v: modN(this.ski * phiTotal + this.sumCv + this.sumDv),
      used: false,
    };
    return this.presigned(presig);
  }

  /** Called when the presignature is ready: a presigning run finishes with it. */
  protected presigned(p: Presignature): Outbound[] {
    this.finish(p as unknown as Result);
    return [];
  }
}

/**
 * Takes a presignature for its one use: returns its values and wipes them from the object. Throws
 * `PRESIGNATURE_REUSED` the second time.
 */
export function consumePresignature(p: Presignature): { phi: bigint; u: bigint; v: bigint } {
  if (p.used) throw new ProtocolError('PRESIGNATURE_REUSED', `presignature of party ${p.index} was already used`);
  const values = { phi: p.phi, u: p.u, v: p.v };
  p.used = true;
  p.phi = 0n;
  p.u = 0n;
  p.v = 0n;
  return values;
}

/** `r = x(R) mod n`, whether x(R) ≥ n (recovery id bit 1), and the y-parity of R (recovery id bit 0). */
export function signatureR(R: Point): { r: bigint; overflow: boolean; odd: boolean } {
  const { x, y } = R.toAffine();
  return { r: x % CURVE_ORDER, overflow: x >= CURVE_ORDER, odd: (y & 1n) === 1n };
}

/** A signer's round-4 share as sent: `ssid ‖ R ‖ m ‖ u_i ‖ w_i`. */
export interface OnlineShare {
  ssid: Uint8Array;
  R: Point;
  hash: Uint8Array;
  u: bigint;
  w: bigint;
}

/** Computes this signer's online share `w_i = m·φ_i + r·v_i` from a consumed presignature. */
function onlineShare(p: Presignature, values: { phi: bigint; u: bigint; v: bigint }, hash: Uint8Array): OnlineShare {
  const m = modN(bytesToBigInt(hash));
  const w = modN(m * values.phi + signatureR(p.R).r * values.v);
  return { ssid: p.ssid, R: p.R, hash, u: values.u, w };
}

function encodeShare(x: OnlineShare): Uint8Array {
  return new Writer().bytes(x.ssid).point(x.R).bytes(x.hash).scalar(x.u).scalar(x.w).finish();
}

/** Round 4 (online): `ssid ‖ R ‖ m ‖ u_i ‖ w_i`. */
export function readSignRound4(r: Reader): OnlineShare {
  return { ssid: r.copy(32), R: r.point(), hash: r.copy(32), u: r.scalar(), w: r.scalar() };
}

const HALF_N = CURVE_ORDER >> 1n;

/**
 * The combiner of the online round: checks that every signer signs the same session, nonce and message
 * (else a plain abort), computes `s = Σw / Σu`, normalises to low s, computes the recovery id and verifies
 * the signature under the public key before anything is released.
 */
function combine(
  p: Presignature,
  own: OnlineShare,
  shares: ReadonlyMap<number, OnlineShare>,
  round: number,
): Signature {
  const fail = (
    code: 'SESSION_MISMATCH' | 'DEGENERATE_VALUE' | 'SIGNATURE_INVALID',
    msg: string,
    culprit?: number,
  ): never => {
    throw new ProtocolError(code, msg, culprit === undefined ? { round } : { round, culprit });
  };
  let sumU = own.u;
  let sumW = own.w;
  for (const [from, m] of shares) {
    if (!equalBytes(m.ssid, own.ssid) || !m.R.equals(own.R) || !equalBytes(m.hash, own.hash)) {
      fail('SESSION_MISMATCH', `party ${from} signs another session, nonce or message`, from);
    }
    sumU += m.u;
    sumW += m.w;
  }
  sumU = modN(sumU);
  sumW = modN(sumW);
  const { r, overflow, odd } = signatureR(p.R);
  if (r === 0n) fail('DEGENERATE_VALUE', 'r = 0');
  if (sumU === 0n) fail('DEGENERATE_VALUE', 'Σu = 0');
  let s = modN(sumW * invN(sumU));
  if (s === 0n) fail('DEGENERATE_VALUE', 's = 0');
  let parity = odd ? 1 : 0;
  if (s > HALF_N) {
    // (r, n − s) is the same signature with −R: the y-parity in the recovery id flips with it.
    s = CURVE_ORDER - s;
    parity ^= 1;
  }
  const compact = concatBytes(bigIntToBytes(r, 32), bigIntToBytes(s, 32));
  if (!verifyEcdsa(r, s, own.hash, p.publicKey))
    fail('SIGNATURE_INVALID', 'the combined signature does not verify under the public key');
  return { r, s, recovery: parity | (overflow ? 2 : 0), compact };
}

function checkHash(hash: Uint8Array): void {
  assertArg(hash.length === 32, `message hash must be 32 bytes, got ${hash.length}`);
}

/** A whole signing: presigning rounds 1–3, then the online round 4 with `messageHash`. */
export class SignRun extends PresignRun<Signature> {
  private presig: Presignature | undefined;
  private own: OnlineShare | undefined;

  constructor(
    config: SignConfig,
    private readonly messageHash: Uint8Array,
  ) {
    checkHash(messageHash);
    super(config, 4);
  }

  protected override presigned(p: Presignature): Outbound[] {
    this.presig = p;
    this.own = onlineShare(p, consumePresignature(p), this.messageHash);
    return [{ to: 'all', round: 4, payload: encodeShare(this.own) }];
  }

  protected override onOnlineRound(msgs: ReadonlyMap<number, Uint8Array>): Outbound[] {
    const shares = new Map(
      [...msgs].map(([from, payload]) => [from, this.decode(from, payload, readSignRound4)] as const),
    );
    this.finish(combine(this.presig as Presignature, this.own as OnlineShare, shares, this.round));
    return [];
  }
}

/** The online round alone: one broadcast from a stored presignature (consumed on construction). */
export class OnlineSignRun extends RoundRun<Signature> {
  private readonly own: OnlineShare;

  constructor(
    private readonly presig: Presignature,
    messageHash: Uint8Array,
  ) {
    checkHash(messageHash);
    super(presig.index, presig.signers, 1);
    this.own = onlineShare(presig, consumePresignature(presig), messageHash);
  }

  protected firstRound(): Outbound[] {
    return [{ to: 'all', round: 1, payload: encodeShare(this.own) }];
  }

  protected onRound(_round: number, msgs: ReadonlyMap<number, Uint8Array>): Outbound[] {
    const shares = new Map(
      [...msgs].map(([from, payload]) => [from, this.decode(from, payload, readSignRound4)] as const),
    );
    this.finish(combine(this.presig, this.own, shares, this.round));
    return [];
  }
}

/** Creates a signer's whole signing run (rounds 1–4). */
export function createSign(config: SignConfig, messageHash: Uint8Array): SignRun {
  return new SignRun(config, messageHash);
}

/** Creates a signer's presigning run (rounds 1–3); its result is a one-use {@link Presignature}. */
export function createPresign(config: SignConfig): PresignRun {
  return new PresignRun(config);
}

/** Creates the online round from a presignature, which is consumed at once. */
export function createOnlineSign(presig: Presignature, messageHash: Uint8Array): OnlineSignRun {
  return new OnlineSignRun(presig, messageHash);
}
