/**
 * The two libsecp256k1 backends (src/runtime/curve-backend.ts) side by side: every operation against noble on
 * random and edge scalars (0, 1, n − 1, 2^128 ± 1, long zero runs) through every multiplication path of
 * curve.ts and the base OT, the same protocol transcripts byte for byte on both (the golden keygen and signing,
 * a pair setup reproducing the committed fixture), the native addon being the compiled one, and the choice.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bigIntToBytes, bytesToBigInt, equalBytes, toHex } from '../../protocols/common/bytes.js';
import {
  CURVE_ORDER,
  foldedCheck,
  G,
  IDENTITY,
  mulGPublic,
  mulGSecret,
  mulPublic,
  mulSecret,
  type Point,
  secretScalarBytes,
  verifyEcdsa,
} from '../../protocols/common/curve.js';
import { type CurveBackend, makeSuite } from '../../protocols/common/suite.js';
import { runPairSetupInMemory } from '../../protocols/dkls23/pair-setup.js';
import { encodePairState } from '../../protocols/dkls23/pair-state.js';
import {
  chooseCurveBackend,
  loadNativeAddon,
  nativeBackend,
  selfTest,
  wasmBackend,
} from '../../src/runtime/curve-backend.js';
import { ConfigError } from '../../src/runtime/errors.js';
import { pairTable } from '../helpers/fixture.js';
import { nodeId } from '../helpers/ids.js';
import { keygen, sign } from '../helpers/parties.js';
import { seededRng } from '../helpers/rng.js';

const N = CURVE_ORDER;
const rng = seededRng('curve-backend-unit');
const randScalar = () => (bytesToBigInt(rng(32)) % (N - 1n)) + 1n;
const BACKENDS: CurveBackend[] = [wasmBackend(), nativeBackend()];
/** Edge scalars: 0, 1, n − 1, 2^128 ± 1, long runs of zero bits (low, high, middle), single bits. */
const EDGE = [
  0n,
  1n,
  2n,
  N - 1n,
  N - 2n,
  (1n << 128n) - 1n,
  1n << 128n,
  (1n << 128n) + 1n,
  1n << 255n,
  (1n << 255n) + 1n,
  0xffffn << 240n, // zeros below
  0xffffn, // zeros above
  (0xffffn << 240n) | 0xffffn, // a zero run in the middle
  N >> 64n,
  N - (1n << 200n),
];

test('the native addon is the compiled one (a .node file), never the package’s pure-JS fallback', () => {
  const { path } = loadNativeAddon();
  assert.ok(path.endsWith('.node'), path);
  assert.ok(/prebuilds|build/.test(path), path);
});

test('both backends pass the start-up self test and agree with noble on raw operations', () => {
  for (const b of BACKENDS) {
    selfTest(b);
    for (let i = 0; i < 12; i++) {
      const k = randScalar();
      const kb = bigIntToBytes(k, 32);
      const P = G.multiply(randScalar());
      const out33 = new Uint8Array(33);
      b.mulG(kb, out33);
      assert.equal(out33, G.multiply(k).toBytes(true), `${b.name} mulG`);
      const out65 = new Uint8Array(65);
      b.mul(P.toBytes(true), kb, out65);
      assert.equal(out65, P.multiply(k).toBytes(false), `${b.name} mul (compressed input)`);
      b.mul(P.toBytes(false), kb, out33);
      assert.equal(out33, P.multiply(k).toBytes(true), `${b.name} mul (uncompressed input)`);
      b.mulPublic(P.toBytes(false), kb, out33);
      assert.equal(out33, P.multiply(k).toBytes(true), `${b.name} mulPublic`);
      const Q = G.multiply(randScalar());
      assert.ok(b.add(P.toBytes(false), Q.toBytes(true), out33));
      assert.equal(out33, P.add(Q).toBytes(true), `${b.name} add`);
      assert.not.ok(b.add(P.toBytes(true), P.negate().toBytes(false), out33), `${b.name}: P + (−P) = O`);
    }
  }
});

test('edge scalars through every multiplication path of curve.ts, on both backends (0 gives the identity)', () => {
  const P = G.multiply(randScalar());
  for (const b of BACKENDS) {
    for (const k of EDGE) {
      const want = k === 0n ? IDENTITY : G.multiply(k);
      const wantP = k === 0n ? IDENTITY : P.multiply(k);
      assert.ok(mulGSecret(b, k).equals(want), `${b.name} mulGSecret ${k.toString(16)}`);
      assert.ok(mulGPublic(b, k).equals(want), `${b.name} mulGPublic ${k.toString(16)}`);
      assert.ok(mulSecret(b, P, k).equals(wantP), `${b.name} mulSecret ${k.toString(16)}`);
      assert.ok(mulPublic(b, P, k).equals(wantP), `${b.name} mulPublic ${k.toString(16)}`);
    }
    assert.ok(mulSecret(b, IDENTITY, 5n).is0());
    assert.throws(() => mulGSecret(b, N), 'n is out of range');
    assert.throws(() => mulSecret(b, P, -1n), 'negative is out of range');
  }
  // the zero mask: 0 becomes 1 for the backend (which refuses 0), flagged for the caller
  assert.equal(secretScalarBytes(0n), { bytes: bigIntToBytes(1n, 32), zero: 1 });
  assert.equal(secretScalarBytes(N - 1n), { bytes: bigIntToBytes(N - 1n, 32), zero: 0 });
});

test('edge scalars through the batch paths of the base OT (one scalar many points, one point many scalars)', () => {
  const points = [G, G.multiply(randScalar()), G.negate()];
  for (const b of BACKENDS) {
    for (const k of EDGE.filter((x) => x !== 0n)) {
      const kb = bigIntToBytes(k, 32);
      const outs = points.map(() => new Uint8Array(33));
      b.mulPoints(
        points.map((p) => p.toBytes(false)),
        kb,
        outs,
      );
      points.forEach((p, i) => {
        assert.equal(outs[i], p.multiply(k).toBytes(true), `${b.name} mulPoints ${k.toString(16)}`);
      });
      const scalars = EDGE.filter((x) => x !== 0n).map((x) => bigIntToBytes(x, 32));
      const outs2 = scalars.map(() => new Uint8Array(65));
      const P = points[1] as Point;
      b.mulScalars(P.toBytes(true), scalars, outs2);
      scalars.forEach((s, i) => {
        assert.equal(outs2[i], P.multiply(bytesToBigInt(s)).toBytes(false), `${b.name} mulScalars`);
      });
    }
  }
});

test('edge scalars through the folded Γ check (b, D secret) on both backends', () => {
  const R = G.multiply(randScalar());
  const pk = G.multiply(randScalar());
  const rho = bytesToBigInt(rng(16)) | 1n;
  for (const curve of BACKENDS) {
    for (const bv of EDGE.filter((x) => x !== 0n)) {
      for (const d0 of [1n, N - 1n, randScalar()]) {
        const d1 = randScalar();
        const gu = R.multiply(bv).subtract(G.multiply(d0));
        const gv = pk.multiply(bv).subtract(G.multiply(d1));
        const D = (d0 + rho * d1) % N;
        assert.ok(foldedCheck(curve, bv, D, rho, R, pk, gu, gv), `${curve.name} b=${bv.toString(16)}`);
        assert.not.ok(foldedCheck(curve, bv, (D + 1n) % N, rho, R, pk, gu, gv));
      }
    }
    // b = 0 and D = 0 (the masked zero path), X = O and Y = O (public branches)
    const gv = G.multiply(randScalar());
    assert.ok(foldedCheck(curve, 0n, 0n, rho, R, pk, gv.multiply(N - rho), gv), 'b = 0, D = 0, Y = O');
    const b = randScalar();
    const guD = R.add(pk.multiply(rho)).multiply(b).subtract(gv.multiply(rho));
    assert.ok(foldedCheck(curve, b, 0n, rho, R, pk, guD, gv), 'D = 0');
    assert.not.ok(foldedCheck(curve, b, 0n, rho, R, pk, guD.add(G), gv));
    const Ra = pk.multiply(N - rho);
    const D = randScalar();
    assert.ok(foldedCheck(curve, b, D, rho, Ra, pk, G.multiply(D).add(gv.multiply(rho)).negate(), gv), 'X = O');
    assert.not.ok(foldedCheck(curve, b, D, rho, Ra, pk, G.multiply(randScalar()), gv));
  }
});

test('ECDSA verification through both backends agrees with noble (valid, high s, tampered, out of range)', () => {
  for (const curve of BACKENDS) {
    for (let i = 0; i < 10; i++) {
      const sk = bigIntToBytes(randScalar(), 32);
      const pk = secp256k1.Point.fromBytes(secp256k1.getPublicKey(sk, true));
      const h = i === 0 ? bigIntToBytes(N, 32) : rng(32);
      const sig = secp256k1.sign(h, sk, { prehash: false, lowS: true, format: 'compact' });
      const r = bytesToBigInt(sig.subarray(0, 32));
      const s = bytesToBigInt(sig.subarray(32));
      assert.ok(verifyEcdsa(curve, r, s, h, pk));
      assert.not.ok(verifyEcdsa(curve, r, N - s, h, pk), 'high s');
      assert.not.ok(verifyEcdsa(curve, r, s, rng(32), pk), 'other hash');
      assert.not.ok(verifyEcdsa(curve, r, s, h, G.multiply(randScalar())), 'other key');
      assert.not.ok(verifyEcdsa(curve, 0n, s, h, pk));
      assert.not.ok(verifyEcdsa(curve, r + N, s, h, pk));
      assert.not.ok(verifyEcdsa(curve, r, s, h, IDENTITY));
    }
  }
});

test('the same seeded keygen and signing give identical transcripts on both backends (the golden vector)', () => {
  const run = (curve: CurveBackend) => {
    const suite = (label: string) => makeSuite(seededRng(label), curve);
    const kg = keygen(3, 2, 'golden', { suite });
    const sg = sign(kg.results, [1, 3], sha256(new TextEncoder().encode('golden message')), 'golden-sign', { suite });
    return { kg: toHex(kg.transcriptHash), sg: toHex(sg.transcriptHash), sig: toHex(sg.results.get(1)!.compact) };
  };
  const [a, b] = BACKENDS.map(run);
  assert.equal(a, b);
});

test('a seeded pair setup gives the committed fixture’s pair states byte for byte on both backends', () => {
  const committed = pairTable();
  for (const curve of BACKENDS) {
    const r = runPairSetupInMemory(
      nodeId(1),
      nodeId(2),
      makeSuite(seededRng('pair-fixture/1-2/a'), curve),
      makeSuite(seededRng('pair-fixture/1-2/b'), curve),
    );
    assert.ok(equalBytes(encodePairState(r.a), encodePairState(committed.get(1)?.get(2) as typeof r.a)), curve.name);
    assert.ok(equalBytes(encodePairState(r.b), encodePairState(committed.get(2)?.get(1) as typeof r.b)), curve.name);
  }
});

test('the choice: MPC_CURVE_BACKEND forces one, an unknown name is a ConfigError naming the fix', () => {
  assert.is(chooseCurveBackend('wasm').backend.name, 'wasm');
  assert.is(chooseCurveBackend('native').backend.name, 'native');
  const auto = chooseCurveBackend('auto');
  assert.ok(['wasm', 'native'].includes(auto.backend.name));
  assert.match(auto.reason, /native|wasm/);
  assert.is(chooseCurveBackend('auto'), auto, 'made once and cached');
  try {
    chooseCurveBackend('openssl');
    assert.unreachable('an unknown backend must be refused');
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.is((e as ConfigError).code, 'BAD_CURVE_BACKEND');
    assert.match((e as Error).message, /wasm, native or auto/);
  }
});

test.run();
