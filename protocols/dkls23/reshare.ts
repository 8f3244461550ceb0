/**
 * Resharing of an existing key (protocols/README.md, "Refresh and reshare"): the same public key, new Shamir
 * shares, possibly for another set of parties or another threshold. Refresh is the special case where the old
 * and the new parties are the same.
 *
 * It is the key generation of keygen.ts with one change: a **dealer** (a party of the old key taking part)
 * does not pick the constant term of its polynomial but uses `λ_i·s_i`, its old share weighted by its Lagrange
 * coefficient over the dealers. The constant terms then sum to the old secret, so the new shares interpolate to
 * it, and everyone can check that from public data: `F_i[0] = λ_i·S_i` for the dealer's old public share `S_i`
 * (checked by whoever knows the old public shares: the dealers), and `Σ F_i[0] = PK` (checked by everyone, so
 * also by a receiver new to the key). Every new share, zero-share seed and the new `ksid` are fresh, so a share
 * of the old key cannot be combined with a share of the new one in a signing.
 *
 * 1. every party broadcasts `sid_i` and a commitment to its coefficient commitments `F_i` (empty unless a dealer);
 * 2. every party broadcasts the echo of round 1 and opens its commitment; a dealer adds a proof of knowledge of
 *    its constant term;
 * 3. to each other party: the dealer's share `f_i(j')` when the recipient receives a share (`j'` its new index),
 *    the echo of round 2, and the new zero-share seed when both receive shares and the sender's new index is
 *    lower;
 * 4. every receiver broadcasts `S'_i = s'_i·G` with a proof of knowledge of `s'_i` and the public key; every
 *    party checks each against the aggregate polynomial, so a party that leaves the key also knows the new
 *    shares are consistent before the coordinator commits.
 */
import { concatBytes, equalBytes, u32be } from '../common/bytes.js';
import { type Reader, Writer } from '../common/codec.js';
import { SALT_BYTES } from '../common/commit.js';
import {
  encodePoint,
  evalPointPoly,
  evalPoly,
  IDENTITY,
  lagrangeAtZero,
  modN,
  mulGSecret,
  mulPublic,
  type Point,
  randomScalar,
} from '../common/curve.js';
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

/** One party of a reshare session, in session order (session index = position + 1). */
export interface ReshareParty {
  /** The party's node id. */
  readonly nodeId: Uint8Array;
  /** Its index in the old key (1..N) when it holds a share of it and deals; absent for a newcomer. */
  readonly oldIndex?: number;
  /** Its index in the new key (1..N') when it receives a share; absent for a party leaving the key. */
  readonly newIndex?: number;
}

/** Inputs of one party's reshare. */
export interface ReshareConfig {
  /** The session id of the coordinator's signed record (32 bytes, never reused). */
  readonly sessionId: Uint8Array;
  /** The id the new shares will be known by. */
  readonly keyId: Uint8Array;
  /** The key's public key (from the coordinator's record; a dealer's share must agree). */
  readonly publicKey: Point;
  /** The threshold of the old key: at least that many dealers must take part. */
  readonly oldThreshold: number;
  /** The threshold of the new key, 2..N'. */
  readonly newThreshold: number;
  /** Every party of the session, dealers and receivers. */
  readonly parties: readonly ReshareParty[];
  /** This party's session index, 1..parties.length. */
  readonly self: number;
  /** This party's share of the old key; required exactly when it is a dealer. */
  readonly share?: KeyShare;
  /**
   * The key's BIP32 chain code (from the coordinator's record; a dealer's share must agree), which the new shares
   * keep; absent for a key made before chain codes existed. It is bound into the session id, so parties that
   * disagree on it fail the round-2 echo check instead of ending with different chain codes.
   */
  readonly chainCode?: Uint8Array;
  /** Randomness and hashes. */
  readonly suite: Suite;
}

/** Checks a reshare configuration; throws `INVALID_ARGUMENT` with the reason. */
export function validateReshareConfig(c: ReshareConfig): void {
  const m = c.parties.length;
  assertArg(c.sessionId.length === 32, `sessionId must be 32 bytes, got ${c.sessionId.length}`);
  assertArg(c.keyId.length > 0 && c.keyId.length <= MAX_KEY_ID_BYTES, `keyId must be 1..${MAX_KEY_ID_BYTES} bytes`);
  assertArg(m >= 2 && m <= 2 * MAX_PARTIES, `invalid number of session parties ${m}`);
  assertArg(Number.isInteger(c.self) && c.self >= 1 && c.self <= m, `invalid self index ${c.self}; must be 1..${m}`);
  assertArg(!c.publicKey.is0(), 'the public key is the identity');
  assertArg(c.chainCode === undefined || c.chainCode.length === CHAIN_CODE_BYTES, 'a chain code is 32 bytes');
  for (const p of c.parties) {
    assertArg(p.nodeId.length > 0 && p.nodeId.length <= MAX_NODE_ID_BYTES, 'invalid node id length');
    assertArg(p.oldIndex !== undefined || p.newIndex !== undefined, 'a party must deal, receive, or both');
  }
  for (let a = 0; a < m; a++) {
    for (let b = a + 1; b < m; b++) {
      const [x, y] = [c.parties[a] as ReshareParty, c.parties[b] as ReshareParty];
      assertArg(!equalBytes(x.nodeId, y.nodeId), 'node ids must be distinct');
    }
  }
  const olds = c.parties.flatMap((p) => (p.oldIndex === undefined ? [] : [p.oldIndex]));
  const news = c.parties.flatMap((p) => (p.newIndex === undefined ? [] : [p.newIndex]));
  assertArg(new Set(olds).size === olds.length, 'old indices must be distinct');
  for (const i of olds) assertArg(Number.isInteger(i) && i >= 1 && i <= MAX_PARTIES, `invalid old index ${i}`);
  assertArg(
    Number.isInteger(c.oldThreshold) && c.oldThreshold >= 2 && olds.length >= c.oldThreshold,
    `${olds.length} dealers cannot reshare a key of threshold ${c.oldThreshold}`,
  );
  const n = news.length;
  assertArg(n >= 2 && n <= MAX_PARTIES, `invalid number of new parties ${n}; must be between 2 and ${MAX_PARTIES}`);
  assertArg(
    [...news].sort((a, b) => a - b).every((v, k) => v === k + 1),
    'new indices must be exactly 1..N′',
  );
  assertArg(
    Number.isInteger(c.newThreshold) && c.newThreshold >= 2 && c.newThreshold <= n,
    `invalid new threshold ${c.newThreshold}; must be between 2 and ${n}`,
  );
  const me = c.parties[c.self - 1] as ReshareParty;
  if (me.oldIndex === undefined) {
    assertArg(c.share === undefined, 'a party that does not deal has no old share to give');
    return;
  }
  const s = c.share;
  assertArg(s !== undefined, 'a dealer needs its share of the old key');
  assertArg(s.index === me.oldIndex, `the share has index ${s.index}, the session names ${me.oldIndex}`);
  assertArg(s.threshold === c.oldThreshold, `the share's threshold is ${s.threshold}, not ${c.oldThreshold}`);
  assertArg(s.publicKey.equals(c.publicKey), 'the share belongs to another public key');
  assertArg(
    s.chainCode === undefined
      ? c.chainCode === undefined
      : c.chainCode !== undefined && equalBytes(s.chainCode, c.chainCode),
    'the share has another chain code than the session names',
  );
  for (const p of c.parties) {
    if (p.oldIndex === undefined) continue;
    const known = s.nodeIds[p.oldIndex - 1];
    assertArg(known !== undefined && equalBytes(known, p.nodeId), `old index ${p.oldIndex} is another node`);
  }
}

/** Round 1: `sid_i ‖ C_i`. */
export function readReshareRound1(r: Reader): { sid: Uint8Array; C: Uint8Array } {
  return { sid: r.copy(32), C: r.copy(32) };
}

/** Round 2: `echo₁ ‖ salt ‖ count ‖ F_i ‖ proof` (count 0 and no proof from a party that does not deal). */
export function readReshareRound2(
  r: Reader,
  dealer: boolean,
): { echo: Uint8Array; salt: Uint8Array; F: Point[]; proof?: SchnorrProof } {
  const echo = r.copy(32);
  const salt = r.copy(SALT_BYTES);
  const F = readCoefficientCommitments(r);
  return dealer ? { echo, salt, F, proof: readProof(r) } : { echo, salt, F };
}

/** Round 3 (to one party): `[f_i(j′)] ‖ echo₂ ‖ [seed]`, each bracket present as the two parties' roles say. */
export function readReshareRound3(
  r: Reader,
  withShare: boolean,
  withSeed: boolean,
): { share?: bigint; echo: Uint8Array; seed?: Uint8Array } {
  const share = withShare ? r.scalar() : undefined;
  const echo = r.copy(32);
  const seed = withSeed ? r.copy(32) : undefined;
  return { echo, ...(share === undefined ? {} : { share }), ...(seed === undefined ? {} : { seed }) };
}

/** Round 4: `S′_i ‖ PK ‖ proof of knowledge of s′_i`. */
export function readReshareRound4(r: Reader): { S: Point; PK: Point; proof: SchnorrProof } {
  return { S: r.point(), PK: r.point(), proof: readProof(r) };
}

const TAG_POK = tag('reshare-pok');
const TAG_SHARE_POK = tag('reshare-share-pok');

/** One party's run of a reshare: its new {@link KeyShare}, or `undefined` for a party leaving the key. */
export class ReshareRun extends RoundRun<KeyShare | undefined> {
  private readonly me: ReshareParty;
  private readonly t: number;
  /** Session indices of the dealers and of the receivers. */
  private readonly dealers: number[];
  private readonly receivers: number[];
  private readonly coeffs: bigint[];
  private readonly F: Point[];
  private readonly sid: Uint8Array;
  private readonly salt: Uint8Array;
  private readonly round1 = new Map<number, { sid: Uint8Array; C: Uint8Array; raw: Uint8Array }>();
  private readonly round2 = new Map<number, { F: Point[]; raw: Uint8Array }>();
  /** New zero-share seeds by new index (element k is new party k + 1). */
  private readonly seeds: Uint8Array[];
  private ksid: Uint8Array = new Uint8Array(0);
  private echo1: Uint8Array = new Uint8Array(0);
  private echo2: Uint8Array = new Uint8Array(0);
  private secretShare = 0n;
  private aggregate: Point[] = [];

  constructor(private readonly config: ReshareConfig) {
    validateReshareConfig(config);
    const m = config.parties.length;
    super(
      config.self,
      Array.from({ length: m }, (_, k) => k + 1),
      4,
    );
    this.me = config.parties[config.self - 1] as ReshareParty;
    this.t = config.newThreshold;
    this.dealers = this.parties.filter((i) => this.party(i).oldIndex !== undefined);
    this.receivers = this.parties.filter((i) => this.party(i).newIndex !== undefined);
    const rng = config.suite.rng;
    if (this.me.oldIndex !== undefined) {
      const share = config.share as KeyShare;
      const lambda = lagrangeAtZero(this.me.oldIndex, this.oldIndices());
      this.coeffs = [modN(lambda * share.secretShare)];
      for (let k = 1; k < this.t; k++) this.coeffs.push(randomScalar(rng));
      this.F = this.coeffs.map((c) => mulGSecret(config.suite.curve, c));
    } else {
      this.coeffs = [];
      this.F = [];
    }
    this.sid = rng(32);
    this.salt = rng(SALT_BYTES);
    const own = this.me.newIndex ?? 0;
    this.seeds = Array.from({ length: this.receivers.length }, (_, k) =>
      own > 0 && k + 1 > own ? rng(32) : new Uint8Array(0),
    );
  }

  private party(i: number): ReshareParty {
    return this.config.parties[i - 1] as ReshareParty;
  }

  private oldIndices(): number[] {
    return this.dealers.map((i) => this.party(i).oldIndex as number);
  }

  private isDealer(i: number): boolean {
    return this.party(i).oldIndex !== undefined;
  }

  protected override expectedFrom(round: number): readonly number[] {
    return round === 4 ? this.receivers.filter((i) => i !== this.self) : this.others;
  }

  protected firstRound(): Outbound[] {
    const C = commitToCoefficients(this.config.sessionId, this.sid, this.self, this.salt, this.F);
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
    for (const [from, payload] of msgs)
      this.round1.set(from, { ...this.decode(from, payload, readReshareRound1), raw: payload });
    const sids = this.parties.map((i) => (this.round1.get(i) as { sid: Uint8Array }).sid);
    const raws = this.parties.map((i) => (this.round1.get(i) as { raw: Uint8Array }).raw);
    const roles = this.parties.map((i) => {
      const p = this.party(i);
      return concatBytes(u32be(p.oldIndex ?? 0), u32be(p.newIndex ?? 0), p.nodeId);
    });
    this.ksid = taggedHash(
      tag('reshare-sid'),
      this.config.sessionId,
      this.config.keyId,
      encodePoint(this.config.publicKey),
      u32be(this.config.oldThreshold),
      u32be(this.t),
      this.config.chainCode ?? new Uint8Array(0),
      ...roles,
      ...sids,
    );
    this.echo1 = taggedHash(tag('reshare-echo1'), this.ksid, ...raws);
    const w = new Writer().bytes(this.echo1).bytes(this.salt).bytes(encodeCoefficientCommitments(this.F));
    if (this.me.oldIndex !== undefined) {
      const curve = this.config.suite.curve;
      writeProof(
        w,
        proveDlog(
          curve,
          TAG_POK,
          this.ksid,
          this.self,
          this.coeffs[0] as bigint,
          this.F[0] as Point,
          this.config.suite.rng,
        ),
      );
    }
    const payload = w.finish();
    this.round2.set(this.self, { F: this.F, raw: payload });
    return [{ to: 'all', round: 2, payload }];
  }

  private onRound2(msgs: ReadonlyMap<number, Uint8Array>): Outbound[] {
    const curve = this.config.suite.curve;
    const share = this.config.share;
    for (const [from, payload] of msgs) {
      const dealer = this.isDealer(from);
      const m = this.decode(from, payload, (r) => readReshareRound2(r, dealer));
      if (!equalBytes(m.echo, this.echo1)) this.fail('ECHO_MISMATCH', `party ${from} saw a different round 1`, from);
      const want = dealer ? this.t : 0;
      if (m.F.length !== want) {
        this.fail(
          'BAD_COMMITMENT_COUNT',
          `party ${from} sent ${m.F.length} coefficient commitments, expected ${want}`,
          from,
        );
      }
      const r1 = this.round1.get(from) as { sid: Uint8Array; C: Uint8Array };
      if (!opensCoefficientCommitment(r1.C, this.config.sessionId, r1.sid, from, m.salt, m.F)) {
        this.fail('BAD_COMMITMENT', `party ${from}'s coefficient commitments do not open its round-1 commitment`, from);
      }
      if (dealer) {
        if (!verifyDlog(curve, TAG_POK, this.ksid, from, m.F[0] as Point, m.proof as SchnorrProof)) {
          this.fail('BAD_PROOF', `party ${from}'s proof of knowledge of its constant term does not verify`, from);
        }
        // A dealer knows every old public share, so it can pin each dealer's constant term on its own.
        if (share) {
          const oldIndex = this.party(from).oldIndex as number;
          const lambda = lagrangeAtZero(oldIndex, this.oldIndices());
          const expected = mulPublic(curve, share.publicShares[oldIndex - 1] as Point, lambda);
          if (!(m.F[0] as Point).equals(expected)) {
            this.fail('BAD_CONSTANT_TERM', `party ${from}'s constant term is not its weighted old share`, from);
          }
        }
      }
      this.round2.set(from, { F: m.F, raw: payload });
    }
    this.aggregate = Array.from({ length: this.t }, (_, k) => {
      let acc = IDENTITY;
      for (const j of this.dealers) acc = acc.add((this.round2.get(j) as { F: Point[] }).F[k] as Point);
      return acc;
    });
    // The check a newcomer can make: the constant terms add up to the key it is joining.
    if (!(this.aggregate[0] as Point).equals(this.config.publicKey)) {
      this.fail('PUBLIC_KEY_MISMATCH', 'the dealers’ constant terms do not add up to the public key');
    }
    const raws = this.parties.map((i) => (this.round2.get(i) as { raw: Uint8Array }).raw);
    this.echo2 = taggedHash(tag('reshare-echo2'), this.ksid, ...raws);
    const own = this.me.newIndex ?? 0;
    return this.others.map((j) => {
      const to = this.party(j).newIndex;
      const w = new Writer();
      if (this.me.oldIndex !== undefined && to !== undefined) w.scalar(evalPoly(this.coeffs, BigInt(to)));
      w.bytes(this.echo2);
      if (own > 0 && to !== undefined && to > own) w.bytes(this.seeds[to - 1] as Uint8Array);
      return { to: j, round: 3, payload: w.finish() };
    });
  }

  private onRound3(msgs: ReadonlyMap<number, Uint8Array>): Outbound[] {
    const own = this.me.newIndex;
    const curve = this.config.suite.curve;
    let s = own !== undefined && this.me.oldIndex !== undefined ? evalPoly(this.coeffs, BigInt(own)) : 0n;
    for (const [from, payload] of msgs) {
      const theirs = this.party(from).newIndex;
      const withShare = own !== undefined && this.isDealer(from);
      const withSeed = own !== undefined && theirs !== undefined && theirs < own;
      const m = this.decode(from, payload, (r) => readReshareRound3(r, withShare, withSeed));
      if (!equalBytes(m.echo, this.echo2)) this.fail('ECHO_MISMATCH', `party ${from} saw a different round 2`, from);
      if (m.share !== undefined) {
        const expected = evalPointPoly((this.round2.get(from) as { F: Point[] }).F, BigInt(own as number));
        // f_j(i′) is secret (a summand of this party's new share): multiplied in constant time.
        if (!mulGSecret(curve, m.share).equals(expected)) {
          this.failDisputed('BAD_SHARE', `party ${from}'s share fails the Feldman check (disputed)`, from);
        }
        s = modN(s + m.share);
      }
      if (m.seed) this.seeds[(theirs as number) - 1] = m.seed;
    }
    if (own === undefined) return [];
    if (s === 0n) this.fail('DEGENERATE_VALUE', 'the new secret share is zero');
    this.secretShare = s;
    const S = mulGSecret(curve, s);
    const proof = proveDlog(curve, TAG_SHARE_POK, this.ksid, this.self, s, S, this.config.suite.rng);
    const payload = writeProof(new Writer().point(S).point(this.config.publicKey), proof).finish();
    return [{ to: 'all', round: 4, payload }];
  }

  private onRound4(msgs: ReadonlyMap<number, Uint8Array>): void {
    const n = this.receivers.length;
    const publicShares: Point[] = new Array(n);
    for (const i of this.receivers) {
      const j = this.party(i).newIndex as number;
      const expected = evalPointPoly(this.aggregate, BigInt(j));
      if (i === this.self) {
        publicShares[j - 1] = expected;
        continue;
      }
      const m = this.decode(i, msgs.get(i) as Uint8Array, readReshareRound4);
      if (!m.PK.equals(this.config.publicKey))
        this.fail('PUBLIC_KEY_MISMATCH', `party ${i} computed another public key`, i);
      if (!m.S.equals(expected))
        this.fail('BAD_PUBLIC_SHARE', `party ${i}'s new public share is off the polynomial`, i);
      if (!verifyDlog(this.config.suite.curve, TAG_SHARE_POK, this.ksid, i, m.S, m.proof)) {
        this.fail('BAD_PROOF', `party ${i}'s proof of knowledge of its new share does not verify`, i);
      }
      publicShares[j - 1] = m.S;
    }
    if (this.me.newIndex === undefined) {
      this.finish(undefined);
      return;
    }
    const nodeIds: Uint8Array[] = new Array(n);
    for (const i of this.receivers) nodeIds[(this.party(i).newIndex as number) - 1] = this.party(i).nodeId.slice();
    this.finish({
      keyId: this.config.keyId.slice(),
      n,
      threshold: this.t,
      index: this.me.newIndex,
      nodeIds,
      publicKey: this.config.publicKey,
      secretShare: this.secretShare,
      publicShares,
      ksid: this.ksid,
      zeroSeeds: this.seeds,
      ...(this.config.chainCode ? { chainCode: this.config.chainCode.slice() } : {}),
    });
  }
}

/** Creates one party's reshare run (see {@link ReshareRun}); a refresh is a reshare to the same parties. */
export function createReshare(config: ReshareConfig): ReshareRun {
  return new ReshareRun(config);
}
