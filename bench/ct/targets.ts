/**
 * The secret-input entry points `npm run ct` times, each with the classes of secret it compares against
 * uniformly random secrets. Everything but the timed call (drawing the input of the chosen class, building
 * states) happens outside the measurement.
 */
import { getRandomValues } from 'node:crypto';
import { bytesToBigInt } from '../../protocols/common/bytes.js';
import {
  CURVE_ORDER,
  foldedCheck,
  G,
  mulGSecret,
  mulSecret,
  type Point,
  PointClass,
} from '../../protocols/common/curve.js';
import { proveDlog } from '../../protocols/common/schnorr.js';
import { type CurveBackend, nobleSha256, type Rng } from '../../protocols/common/suite.js';
import { gadget } from '../../protocols/dkls23/ole-hash.js';
import { aliceTilde, bobRows, maskedGadgetSum } from '../../protocols/dkls23/ole-rows.js';
import { decodeReceiverMessage, otReceive, otSend, otSenderSetup } from '../../protocols/ot/base-ot.js';
import { kosReceive, kosSend } from '../../protocols/ot/kos.js';

const n = CURVE_ORDER;

/** Random bytes from the system (inputs only; the timed code draws nothing). */
function random(len: number): Uint8Array {
  return getRandomValues(new Uint8Array(len));
}

/** A uniformly random scalar in [1, n). */
export function randomScalar(): bigint {
  for (;;) {
    const x = bytesToBigInt(random(32));
    if (x > 0n && x < n) return x;
  }
}

/** Secret scalars of a special shape: what timing leaks of the Minerva kind single out. */
export const SCALAR_CLASSES: Readonly<Record<string, () => bigint>> = {
  /** Four zero low hex digits (the comb's fast case the review measured). */
  'zero low digits': () => {
    for (;;) {
      const x = randomScalar() & ~0xffffn;
      if (x > 0n) return x;
    }
  },
  /** Two zero top hex digits (the GLV ladder's fast case the review measured; what lattice attacks use). */
  'zero high digits': () => randomScalar() >> 8n,
  /** Hamming weight 24 (of 256). */
  'low Hamming weight': () => {
    let x = 0n;
    const pos = random(24);
    for (const p of pos) x |= 1n << BigInt(p);
    return x % n || 1n;
  },
};

/** One of the three special classes, chosen at random per draw. */
function anySpecial(): bigint {
  const gens = Object.values(SCALAR_CLASSES);
  return (gens[(random(1)[0] as number) % gens.length] as () => bigint)();
}

/** A timing test: the special class A against uniform class B, each draw prepared outside the timing. */
export interface CtTarget {
  /** The engine function measured. */
  readonly entry: string;
  /** The class of secret compared with uniformly random ones. */
  readonly klass: string;
  /** Draws the input of class A (special) or B (random). */
  draw(special: boolean): unknown;
  /** The timed call. */
  run(input: unknown): void;
}

/** Draws from a pool of `size` precomputed inputs per class (for inputs that are slow to make). */
function pooled(size: number, make: (special: boolean) => unknown): (special: boolean) => unknown {
  const pools = [Array.from({ length: size }, () => make(false)), Array.from({ length: size }, () => make(true))];
  let i = 0;
  return (special) => (pools[special ? 1 : 0] as unknown[])[i++ % size];
}

/** A rng that returns the given scalars' bytes in order (then system randomness): feeds randomScalar(rng). */
function scriptedRng(scalars: bigint[]): Rng {
  const queue = scalars.map((x) => {
    const b = new Uint8Array(32);
    new DataView(b.buffer).setBigUint64(0, x >> 192n);
    new DataView(b.buffer).setBigUint64(8, x >> 128n);
    new DataView(b.buffer).setBigUint64(16, x >> 64n);
    new DataView(b.buffer).setBigUint64(24, x);
    return b;
  });
  return (len) => (len === 32 && queue.length > 0 ? (queue.shift() as Uint8Array) : random(len));
}

/** Every test of `npm run ct` on `curve` (the process's backend unless forced). */
export function ctTargets(curve: CurveBackend): CtTarget[] {
  const targets: CtTarget[] = [];
  const P: Point = G.multiply(randomScalar());
  for (const [klass, gen] of Object.entries(SCALAR_CLASSES)) {
    targets.push({
      entry: 'x·G (mulGSecret: R_i, pk_i, Γ, F, S_i, A)',
      klass,
      draw: (s) => (s ? gen() : randomScalar()),
      run: (x) => void mulGSecret(curve, x as bigint),
    });
  }
  for (const [klass, gen] of Object.entries(SCALAR_CLASSES)) {
    targets.push({
      entry: 'x·P (mulSecret)',
      klass,
      draw: (s) => (s ? gen() : randomScalar()),
      run: (x) => void mulSecret(curve, P, x as bigint),
    });
  }
  // Γ check: honest values (the check passes), b and D secret. The public points are stored affine and made
  // into fresh points at every draw, the same way for both classes.
  {
    const R = G.multiply(randomScalar());
    const pk = G.multiply(randomScalar());
    const rho = bytesToBigInt(random(16)) | 1n;
    const make = pooled(256, (s) => {
      const b = s ? anySpecial() : randomScalar();
      const d0 = randomScalar();
      const d1 = randomScalar();
      const gu = R.multiply(b).subtract(G.multiply(d0)).toAffine();
      const gv = pk.multiply(b).subtract(G.multiply(d1)).toAffine();
      return { b, D: (d0 + rho * d1) % n, gu, gv };
    }) as (s: boolean) => { b: bigint; D: bigint; gu: { x: bigint; y: bigint }; gv: { x: bigint; y: bigint } };
    targets.push({
      entry: 'folded Γ check b·X vs D·G + Y (foldedCheck)',
      klass: 'b special (any of the three)',
      draw: (s) => {
        const { b, D, gu, gv } = make(s);
        return { b, D, gu: PointClass.fromAffine(gu), gv: PointClass.fromAffine(gv) };
      },
      run: (i) => {
        const { b, D, gu, gv } = i as { b: bigint; D: bigint; gu: Point; gv: Point };
        foldedCheck(curve, b, D, rho, R, pk, gu, gv);
      },
    });
  }
  {
    const sid = random(32);
    targets.push({
      entry: 'Schnorr proof k·G, z = k + c·x (proveDlog)',
      klass: 'x and k special (any of the three)',
      draw: pooled(256, (s) => {
        const x = s ? anySpecial() : randomScalar();
        return { x, X: G.multiply(x), k: s ? anySpecial() : randomScalar() };
      }),
      run: (i) => {
        const { x, X, k } = i as { x: bigint; X: Point; k: bigint };
        proveDlog(curve, 'mpc/dkls23/ct/v1', sid, 1, x, X, scriptedRng([k]));
      },
    });
  }
  // base OT: one instance of each side (the code of every instance is the same)
  {
    const sid = random(32);
    const sender = otSenderSetup((l) => random(l), curve);
    const recv = otReceive(sid, sender.E, random(32), (l) => random(l), nobleSha256, curve);
    const pts = decodeReceiverMessage(recv.message, curve);
    targets.push({
      entry: 'base-OT sender e·M_c (otSend, one instance)',
      klass: 'e special (any of the three)',
      draw: (s) => {
        const e = s ? anySpecial() : randomScalar();
        return { e, E: sender.E };
      },
      run: (e) => void otSend(sid, e as { e: bigint; E: Uint8Array }, pts, nobleSha256, curve, 1),
    });
    targets.push({
      entry: 'base-OT receiver r·G, a·G, a·E, Y_b (otReceive, one instance)',
      klass: 'r and a special (any of the three)',
      draw: (s) => {
        const choices = random(32);
        return { choices, rng: scriptedRng(s ? [anySpecial(), anySpecial()] : [randomScalar(), randomScalar()]) };
      },
      run: (i) => {
        const { choices, rng } = i as { choices: Uint8Array; rng: Rng };
        otReceive(sid, sender.E, choices, rng, nobleSha256, curve, 1);
      },
    });
    targets.push({
      entry: 'base-OT receiver r·G, a·G, a·E, Y_b (otReceive, one instance)',
      klass: 'choice bit 0 (vs random bit)',
      draw: (s) => {
        const choices = random(32);
        if (s) choices[0] = (choices[0] as number) & 0xfe;
        return { choices, rng: scriptedRng([randomScalar(), randomScalar()]) };
      },
      run: (i) => {
        const { choices, rng } = i as { choices: Uint8Array; rng: Rng };
        otReceive(sid, sender.E, choices, rng, nobleSha256, curve, 1);
      },
    });
  }
  // the OT extension: Alice's check with her Δ (the pair state's secret choice bits)
  {
    const keys0 = random(256 * 32);
    const keys1 = random(256 * 32);
    const msid = random(32);
    const { message } = kosReceive({ keys0, keys1 }, msid, random(80), nobleSha256);
    const aliceWith = (delta: Uint8Array) => {
      const keys = new Uint8Array(256 * 32);
      for (let i = 0; i < 256; i++) {
        const bit = ((delta[i >> 3] as number) >> (i & 7)) & 1;
        keys.set((bit ? keys1 : keys0).subarray(32 * i, 32 * i + 32), 32 * i);
      }
      return { delta, keys };
    };
    const sparse = () => {
      const d = new Uint8Array(32);
      for (const p of random(8)) d[p >> 3] = (d[p >> 3] as number) | (1 << (p & 7));
      return d;
    };
    targets.push({
      entry: 'KOS check as Alice, Δ in masks (kosSend)',
      klass: 'Δ of Hamming weight ≤ 8 (vs random Δ)',
      draw: (s) => aliceWith(s ? sparse() : random(32)),
      run: (a) => void kosSend(a as { delta: Uint8Array; keys: Uint8Array }, msid, message, nobleSha256),
    });
  }
  // the multiplication: Bob's β (masks), Alice's secret inputs
  {
    const ROWS = 32;
    const msid = random(32);
    const g = gadget(msid, 512);
    const pads = new Int32Array(random(512 * 24 * 4).buffer);
    const message = random(49216);
    for (let k = 0; k <= 1536; k++) message[32 * k] = (message[32 * k] as number) & 0x7f; // canonical scalars
    const theta0 = randomScalar();
    const theta1 = randomScalar();
    const masksOf = (bits: Uint8Array) =>
      Int32Array.from({ length: 512 }, (_, j) => -(((bits[j >> 3] as number) >> (j & 7)) & 1));
    /** β with at most `weight` ones among the first `rows` rows. */
    const lowWeight = (rows: number, weight: number) => () => {
      const bits = new Uint8Array(64);
      for (const p of random(weight)) {
        const j = p % rows;
        bits[j >> 3] = (bits[j >> 3] as number) | (1 << (j & 7));
      }
      return bits;
    };
    /** Random β whose rows from `from` on are zero. */
    const zeroTail = (from: number) => () => {
      const bits = random(64);
      for (let j = from; j < 512; j++) bits[j >> 3] = (bits[j >> 3] as number) & ~(1 << (j & 7));
      return bits;
    };
    for (const [klass, bits] of [
      ['β of Hamming weight ≤ 4 (vs random β)', lowWeight(ROWS, 4)],
      ['β with its second half zero (vs random β)', zeroTail(ROWS / 2)],
    ] as const) {
      targets.push({
        entry: `vector OLE, Bob: V = α + β·ã, checks, d (bobRows, ${ROWS} rows)`,
        klass,
        draw: (s) => masksOf(s ? bits() : random(64)),
        run: (m) => void bobRows(m as Int32Array, pads, g.limbs22, message, theta0, theta1, ROWS),
      });
    }
    for (const [klass, bits] of [
      ['β of Hamming weight ≤ 32 (vs random β)', lowWeight(512, 32)],
      ['β with its second half zero (vs random β)', zeroTail(256)],
    ] as const) {
      targets.push({
        entry: 'vector OLE, Bob: b = Σ β_j·g_j (maskedGadgetSum, 512 rows)',
        klass,
        draw: (s) => masksOf(s ? bits() : random(64)),
        run: (m) => void maskedGadgetSum(m as Int32Array, g),
      });
    }
    const out = new Uint8Array(49216);
    const pads1 = new Int32Array(random(512 * 24 * 4).buffer);
    targets.push({
      entry: `vector OLE, Alice: ã = α⁰ − α¹ + a_m (aliceTilde, ${ROWS} rows)`,
      klass: 'a_0 = r_i, a_1 = sk_i special (any of the three)',
      draw: (s) => [s ? anySpecial() : randomScalar(), s ? anySpecial() : randomScalar(), randomScalar()],
      run: (i) => void aliceTilde(pads, pads1, i as [bigint, bigint, bigint], out, ROWS),
    });
  }
  return targets;
}
