/**
 * The presigning rounds of docs/protocol.md "Signing" (1–3), which do not depend on the message and end in a
 * one-use {@link Presignature}:
 *
 * 1. broadcast `sid_i` and a commitment to `R_i = r_i·G`;
 * 2. to each other signer j (as Bob towards Alice j): `ssid`, the echo of round 1, the OT-extension message;
 * 3. to each other signer j (as Alice towards Bob j): `Γ^u`, `Γ^v`, `ψ_{i→j}`, `pk_i`, the opening of `R_i`
 *    and the vector-OLE message (inputs `r_i`, `sk_i`).
 *
 * Secret scalars (r_i, φ_i, sk_i, the multiplication outputs) reach the curve only through the suite's
 * backend (`mulGSecret`, the folded Γ check).
 */
import { bytesToBigInt, concatBytes, equalBytes, u32be } from '../common/bytes.js';
import { Writer } from '../common/codec.js';
import { commit, SALT_BYTES, verifyOpening } from '../common/commit.js';
import {
  encodePoint,
  foldedCheck,
  IDENTITY,
  modN,
  mulGSecret,
  normalizePoint,
  type Point,
  randomScalar,
} from '../common/curve.js';
import { ProtocolError } from '../common/errors.js';
import { tag, taggedHash } from '../common/hash.js';
import { type Outbound, RoundRun } from '../common/run.js';
import { aliceRespond, type BobMulState, bobFinish, bobStart, type MulContext } from './multiply.js';
import type { PairState } from './pair-state.js';
import { additiveShare, multiplicationSid, type SignConfig, validateSignConfig } from './sign-config.js';
import {
  ROUND2_HEAD_BYTES,
  ROUND3_HEAD_BYTES,
  readSignRound1,
  readSignRound2,
  readSignRound3,
} from './sign-messages.js';

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
    this.Ri = mulGSecret(config.suite.curve, this.ri);
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
    this.pki = mulGSecret(this.config.suite.curve, this.ski);
    const out: Outbound[] = [];
    for (const j of this.others) {
      const pair = this.config.pairs.get(j) as PairState;
      const { message, state, b } = bobStart(
        pair.asBob,
        { msid: this.msid(j, this.i), round: 2, peer: j },
        this.config.suite,
        ROUND2_HEAD_BYTES,
      );
      this.bob.set(j, { state, b });
      out.push({ to: j, round: 2, payload: new Writer().bytes(this.ssid).bytes(this.echo1).finishBefore(message) });
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
        .point(mulGSecret(this.config.suite.curve, c[0]))
        .point(mulGSecret(this.config.suite.curve, c[1]))
        .scalar(psi)
        .point(this.pki)
        .point(this.Ri)
        .bytes(this.salt);
      out.push({ to: from, round: 3, payload: head.finishBefore(message) });
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
      return aliceRespond(pair.asAlice, ctx, ot, [this.ri, this.ski], this.config.suite, ROUND3_HEAD_BYTES);
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
      if (!foldedCheck(this.config.suite.curve, bob.b, modN(d[0] + rho * d[1]), rho, m.R, m.pk, m.gu, m.gv)) {
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
