/**
 * The secp256k1 backends a node injects into `protocols/` (see {@link CurveBackend}): libsecp256k1 as
 * WebAssembly (the module `tiny-secp256k1` ships) as the portable default, and the native `secp256k1` addon
 * where it loads and is faster. The choice is made once per process ({@link chooseCurveBackend}) and can be
 * forced with `MPC_CURVE_BACKEND=wasm|native|auto`.
 *
 * Constant time, backend by backend (libsecp256k1's own guarantees; both libraries are pinned):
 * - x·G: `secp256k1_ec_pubkey_create` (ecmult_gen, constant time) in both.
 * - x·P, native: `secp256k1_ecdh` with a hash callback that returns the point itself — ecdh runs the
 *   constant-time `ecmult_const`. (`publicKeyTweakMul` runs the variable-time `ecmult` and is used only for
 *   public scalars.)
 * - x·P, wasm: tiny-secp256k1 exports no ecdh, only `pointMultiply` = `secp256k1_ec_pubkey_tweak_mul`, which
 *   runs the variable-time `ecmult`. Secret scalars are therefore blinded multiplicatively: with a fresh random
 *   u, x·P = (x·u⁻¹)·(u·P). Each of the two variable-time multiplications sees a uniformly random scalar
 *   independent of x, so their running times carry no information about x (in particular not its leading
 *   zeros, which is what lattice attacks need). A batch with one secret scalar or one point shares the blinding.
 * We call the WebAssembly exports directly: tiny-secp256k1's JavaScript wrapper validates scalars with an
 * early-exit byte comparison (a leading-zero timing leak of its own).
 */
import { getRandomValues } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bigIntToBytes, bytesToBigInt, equalBytes } from '../../protocols/common/bytes.js';
import type { CurveBackend } from '../../protocols/common/suite.js';
import { ConfigError } from './errors.js';

const require = createRequire(import.meta.url);
const N = secp256k1.Point.Fn.ORDER;

/** Names of the backends. */
export type CurveBackendName = 'wasm' | 'native';

/** A uniformly random scalar in [1, n) as 32 bytes and as a bigint. */
function blindingScalar(): { bytes: Uint8Array; value: bigint } {
  for (;;) {
    const bytes = getRandomValues(new Uint8Array(32));
    const value = bytesToBigInt(bytes);
    if (value > 0n && value < N) return { bytes, value };
  }
}

/** `x·u⁻¹ mod n` as 32 bytes (x, u ∈ [1, n); the product is never 0). */
function unblind(x: Uint8Array, uInv: bigint): Uint8Array {
  return bigIntToBytes((bytesToBigInt(x) * uInv) % N, 32);
}

// ───────────────────────────── WebAssembly (tiny-secp256k1's module) ─────────────────────────────

interface WasmExports {
  memory: WebAssembly.Memory;
  PRIVATE_INPUT: WebAssembly.Global;
  PUBLIC_KEY_INPUT: WebAssembly.Global;
  PUBLIC_KEY_INPUT2: WebAssembly.Global;
  TWEAK_INPUT: WebAssembly.Global;
  HASH_INPUT: WebAssembly.Global;
  SIGNATURE_INPUT: WebAssembly.Global;
  initializeContext(): void;
  pointFromScalar(outputLength: number): number;
  pointMultiply(inputLength: number, outputLength: number): number;
  pointAdd(inputLength: number, inputLength2: number, outputLength: number): number;
  pointCompress(inputLength: number, outputLength: number): void;
  verify(inputLength: number, strict: number): number;
}

/** Path of the libsecp256k1 WebAssembly module inside the installed tiny-secp256k1 package. */
export function wasmModulePath(): string {
  // The package exports only its entry point (lib/cjs/index.cjs); the module sits in lib/.
  return join(dirname(require.resolve('tiny-secp256k1')), '..', 'secp256k1.wasm');
}

/** libsecp256k1 as WebAssembly: runs wherever WebAssembly does. */
export function wasmBackend(): CurveBackend {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(wasmModulePath());
  } catch (e) {
    throw new ConfigError(
      'BAD_CURVE_BACKEND',
      `the tiny-secp256k1 WebAssembly module is missing (${String(e)}); run npm ci`,
    );
  }
  const imports = {
    './rand.js': { generateInt32: () => getRandomValues(new Int32Array(1))[0] as number },
    './validate_error.js': {
      throwError: (code: number) => {
        throw new Error(`libsecp256k1 (wasm) refused its input (code ${code})`);
      },
    },
  };
  const w = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), imports)
    .exports as unknown as WasmExports;
  w.initializeContext(); // seeds libsecp256k1's blinding of ecmult_gen from getRandomValues
  const priv = w.PRIVATE_INPUT.value as number;
  const pub = w.PUBLIC_KEY_INPUT.value as number;
  const pub2 = w.PUBLIC_KEY_INPUT2.value as number;
  const tweak = w.TWEAK_INPUT.value as number;
  const hash = w.HASH_INPUT.value as number;
  const sig = w.SIGNATURE_INPUT.value as number;
  let heap = new Uint8Array(w.memory.buffer);
  const mem = () => {
    if (heap.buffer !== w.memory.buffer) heap = new Uint8Array(w.memory.buffer);
    return heap;
  };
  const fail = (what: string): never => {
    throw new Error(`libsecp256k1 (wasm): ${what} failed on valid input`);
  };
  /** Variable-time x·P: only for public or blinded scalars. */
  const rawMul = (p: Uint8Array, x: Uint8Array, out: Uint8Array) => {
    const m = mem();
    m.set(p, pub);
    m.set(x, tweak);
    const ok = w.pointMultiply(p.length, out.length);
    m.fill(0, tweak, tweak + 32);
    if (ok !== 1) fail('pointMultiply');
    out.set(m.subarray(pub, pub + out.length));
  };
  const backend: CurveBackend = {
    name: 'wasm',
    mulG(x, out) {
      const m = mem();
      m.set(x, priv);
      const ok = w.pointFromScalar(out.length);
      m.fill(0, priv, priv + 32);
      if (ok !== 1) fail('pointFromScalar');
      out.set(m.subarray(pub, pub + out.length));
    },
    mul(p, x, out) {
      const u = blindingScalar();
      const uP = new Uint8Array(65);
      rawMul(p, u.bytes, uP);
      rawMul(uP, unblind(x, secp256k1.Point.Fn.inv(u.value)), out);
    },
    mulPoints(points, x, outs) {
      const u = blindingScalar();
      const y = unblind(x, secp256k1.Point.Fn.inv(u.value));
      const uP = new Uint8Array(65);
      for (let i = 0; i < points.length; i++) {
        rawMul(points[i] as Uint8Array, u.bytes, uP);
        rawMul(uP, y, outs[i] as Uint8Array);
      }
    },
    mulScalars(p, xs, outs) {
      const u = blindingScalar();
      const uInv = secp256k1.Point.Fn.inv(u.value);
      const uP = new Uint8Array(65);
      rawMul(p, u.bytes, uP);
      for (let i = 0; i < xs.length; i++) rawMul(uP, unblind(xs[i] as Uint8Array, uInv), outs[i] as Uint8Array);
    },
    mulPublic: rawMul,
    decompress(p, out) {
      if (p.length !== 33 || (p[0] !== 2 && p[0] !== 3)) return false;
      const m = mem();
      m.set(p, pub);
      try {
        w.pointCompress(33, 65); // throws (through throwError) when the bytes are not a point
      } catch {
        return false;
      }
      out.set(m.subarray(pub, pub + 65));
      return true;
    },
    add(p, q, out) {
      const m = mem();
      m.set(p, pub);
      m.set(q, pub2);
      if (w.pointAdd(p.length, q.length, out.length) !== 1) return false; // the sum is the identity
      out.set(m.subarray(pub, pub + out.length));
      return true;
    },
    verify(h, publicKey, compact) {
      const m = mem();
      m.set(h, hash);
      m.set(publicKey, pub);
      m.set(compact, sig);
      return w.verify(publicKey.length, 1) === 1; // strict: high s is rejected
    },
  };
  return backend;
}

// ───────────────────────────── native addon (secp256k1 on npm) ─────────────────────────────

/** The raw methods of the addon's `Secp256k1` class (return codes; 0 = success). */
interface NativeAddon {
  contextRandomize(seed: Uint8Array | null): number;
  publicKeyCreate(output: Uint8Array, seckey: Uint8Array): number;
  publicKeyTweakMul(output: Uint8Array, pubkey: Uint8Array, tweak: Uint8Array): number;
  publicKeyCombine(output: Uint8Array, pubkeys: Uint8Array[]): number;
  publicKeyConvert(output: Uint8Array, pubkey: Uint8Array): number;
  ecdsaVerify(sig: Uint8Array, msg32: Uint8Array, pubkey: Uint8Array): number;
  ecdsaRecover(output: Uint8Array, sig: Uint8Array, recid: number, msg32: Uint8Array): number;
  ecdh(
    output: Uint8Array,
    pubkey: Uint8Array,
    seckey: Uint8Array,
    data: undefined,
    hashfn: (x: Uint8Array, y: Uint8Array) => Uint8Array,
    xbuf: Uint8Array,
    ybuf: Uint8Array,
  ): number;
}

/**
 * Loads the compiled addon itself, never the package's entry point (which silently falls back to the
 * pure-JavaScript `elliptic` when the addon does not load). Throws {@link ConfigError} with the reason.
 */
export function loadNativeAddon(): { addon: NativeAddon; path: string } {
  let dir: string;
  let path: string;
  let Addon: new () => NativeAddon;
  try {
    dir = dirname(require.resolve('secp256k1/package.json'));
    const gyp = require('node-gyp-build') as { (d: string): unknown; path(d: string): string };
    path = gyp.path(dir);
    Addon = (gyp(dir) as { Secp256k1: new () => NativeAddon }).Secp256k1;
  } catch (e) {
    throw new ConfigError('BAD_CURVE_BACKEND', `the native secp256k1 addon does not load here: ${String(e)}`);
  }
  if (!path.endsWith('.node') || typeof Addon !== 'function') {
    throw new ConfigError('BAD_CURVE_BACKEND', `the native secp256k1 addon resolved to ${path}, not a compiled addon`);
  }
  return { addon: new Addon(), path };
}

/** libsecp256k1 as the native addon (prebuilt for linux-x64, darwin-arm64, win32-x64). */
export function nativeBackend(): CurveBackend {
  const { addon } = loadNativeAddon();
  if (addon.contextRandomize(getRandomValues(new Uint8Array(32))) !== 0) {
    throw new ConfigError('BAD_CURVE_BACKEND', 'the native secp256k1 addon refused context randomisation');
  }
  const fail = (what: string, code: number): never => {
    throw new Error(`libsecp256k1 (native): ${what} failed on valid input (code ${code})`);
  };
  // ecdh hands the product's coordinates to a callback, whose return value becomes the output: we return the
  // point's own encoding. The callback only copies bytes; the parity byte is computed without a branch.
  const xb = new Uint8Array(32);
  const yb = new Uint8Array(32);
  const enc33 = new Uint8Array(33);
  const enc65 = new Uint8Array(65);
  const point33 = (x: Uint8Array, y: Uint8Array) => {
    enc33[0] = 2 | ((y[31] as number) & 1);
    enc33.set(x, 1);
    return enc33;
  };
  const point65 = (x: Uint8Array, y: Uint8Array) => {
    enc65[0] = 4;
    enc65.set(x, 1);
    enc65.set(y, 33);
    return enc65;
  };
  const ctMul = (p: Uint8Array, x: Uint8Array, out: Uint8Array) => {
    const code = addon.ecdh(out, p, x, undefined, out.length === 33 ? point33 : point65, xb, yb);
    enc33.fill(0);
    enc65.fill(0);
    if (code !== 0) fail('ecdh', code);
  };
  return {
    name: 'native',
    mulG(x, out) {
      const code = addon.publicKeyCreate(out, x);
      if (code !== 0) fail('publicKeyCreate', code);
    },
    mul: ctMul,
    mulPoints(points, x, outs) {
      for (let i = 0; i < points.length; i++) ctMul(points[i] as Uint8Array, x, outs[i] as Uint8Array);
    },
    mulScalars(p, xs, outs) {
      for (let i = 0; i < xs.length; i++) ctMul(p, xs[i] as Uint8Array, outs[i] as Uint8Array);
    },
    mulPublic(p, x, out) {
      const code = addon.publicKeyTweakMul(out, p, x);
      if (code !== 0) fail('publicKeyTweakMul', code);
    },
    decompress(p, out) {
      if (p.length !== 33 || (p[0] !== 2 && p[0] !== 3)) return false;
      return addon.publicKeyConvert(out, p) === 0;
    },
    add(p, q, out) {
      const code = addon.publicKeyCombine(out, [p, q]);
      if (code === 2) return false; // the sum is the identity
      if (code !== 0) fail('publicKeyCombine', code);
      return true;
    },
    verify(h, publicKey, compact) {
      const code = addon.ecdsaVerify(compact, h, publicKey);
      if (code === 1) return false; // r or s not below n
      if (code !== 0 && code !== 3) fail('ecdsaVerify', code);
      return code === 0;
    },
  };
}

// ───────────────────────────── choosing one ─────────────────────────────

/**
 * Known answers every backend must give (checked before a backend is used): multiples of G and of another
 * point, computed with @noble/curves, in both encodings, and their sum.
 */
export function selfTest(b: CurveBackend): void {
  const G = secp256k1.Point.BASE;
  const P = G.multiply(0x1234567890abcdefn);
  const pBytes = P.toBytes(false);
  for (const k of [1n, 2n, 3n, 0xffn, 1n << 128n, N - 2n, N - 1n]) {
    const kb = bigIntToBytes(k, 32);
    const out33 = new Uint8Array(33);
    const out65 = new Uint8Array(65);
    b.mulG(kb, out33);
    b.mulG(kb, out65);
    const want = G.multiply(k);
    const mul = new Uint8Array(33);
    b.mul(pBytes, kb, mul);
    const pub = new Uint8Array(33);
    b.mulPublic(pBytes, kb, pub);
    const many = [new Uint8Array(33)];
    b.mulPoints([pBytes], kb, many);
    const scalars = [new Uint8Array(33)];
    b.mulScalars(pBytes, [kb], scalars);
    const wantP = P.multiply(k).toBytes(true);
    if (
      !equalBytes(out33, want.toBytes(true)) ||
      !equalBytes(out65, want.toBytes(false)) ||
      !equalBytes(mul, wantP) ||
      !equalBytes(pub, wantP) ||
      !equalBytes(many[0] as Uint8Array, wantP) ||
      !equalBytes(scalars[0] as Uint8Array, wantP)
    ) {
      throw new Error(`curve backend ${b.name} gives a wrong multiple for k = 0x${k.toString(16)}`);
    }
  }
  const d = new Uint8Array(65);
  if (!b.decompress(P.toBytes(true), d) || !equalBytes(d, pBytes))
    throw new Error(`curve backend ${b.name} decompresses wrongly`);
  const off = P.toBytes(true);
  off[1] = (off[1] as number) ^ 1;
  if (b.decompress(Uint8Array.of(2, ...new Uint8Array(32).fill(0xff)), d))
    throw new Error(`curve backend ${b.name}: x ≥ p decompressed`);
  const sum = new Uint8Array(33);
  if (!b.add(pBytes, G.toBytes(true), sum) || !equalBytes(sum, P.add(G).toBytes(true))) {
    throw new Error(`curve backend ${b.name} adds wrongly`);
  }
  if (b.add(pBytes, P.negate().toBytes(true), sum)) throw new Error(`curve backend ${b.name}: P + (−P) is not O`);
  const h = new Uint8Array(32).fill(7);
  const signature = secp256k1.sign(h, bigIntToBytes(0x1234567890abcdefn, 32), { prehash: false, lowS: true });
  if (!b.verify(h, pBytes, signature)) throw new Error(`curve backend ${b.name} rejects a valid signature`);
  h[0] = 8;
  if (b.verify(h, pBytes, signature)) throw new Error(`curve backend ${b.name} accepts a wrong signature`);
}

/** Microseconds per (x·G + x·P) with secret scalars, over `rounds` rounds after a warm-up. */
export function timeBackend(b: CurveBackend, rounds = 48): number {
  const G = secp256k1.Point.BASE.toBytes(false);
  const x = new Uint8Array(32).fill(0x5a);
  const p = new Uint8Array(65);
  const o = new Uint8Array(33);
  const once = () => {
    b.mulG(x, p);
    b.mul(G, x, o);
  };
  for (let i = 0; i < 8; i++) once();
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) once();
  return ((performance.now() - t0) * 1000) / rounds;
}

/** Which backend a process uses and why (logged by the node at start-up). */
export interface CurveChoice {
  readonly backend: CurveBackend;
  /** One line for the log: what was chosen and why. */
  readonly reason: string;
  /** Measured µs per x·G + x·P, when both backends were timed. */
  readonly timings?: Readonly<Record<CurveBackendName, number>>;
}

const chosen = new Map<string, CurveChoice>();

/**
 * The process's backend: `wasm` or `native` when asked for (by argument or `MPC_CURVE_BACKEND`), else
 * (`auto`) the native addon if it loads, passes {@link selfTest} and is faster than the WebAssembly module in a
 * short measurement, otherwise the WebAssembly module. Made once per preference and cached. Throws
 * {@link ConfigError} for an unknown preference or a forced backend that does not load.
 */
export function chooseCurveBackend(preference: string = process.env.MPC_CURVE_BACKEND ?? 'auto'): CurveChoice {
  const pref = preference.trim().toLowerCase() || 'auto';
  const cached = chosen.get(pref);
  if (cached) return cached;
  let choice: CurveChoice;
  if (pref === 'wasm' || pref === 'native') {
    const backend = pref === 'wasm' ? wasmBackend() : nativeBackend();
    selfTest(backend);
    choice = { backend, reason: `${pref} (forced by MPC_CURVE_BACKEND)` };
  } else if (pref === 'auto') {
    const wasm = wasmBackend();
    selfTest(wasm);
    let native: CurveBackend | undefined;
    let why = '';
    try {
      native = nativeBackend();
      selfTest(native);
    } catch (e) {
      why = e instanceof Error ? e.message : String(e);
      native = undefined;
    }
    if (native === undefined) {
      choice = { backend: wasm, reason: `wasm (the native addon is unavailable: ${why})` };
    } else {
      const timings = { wasm: timeBackend(wasm), native: timeBackend(native) };
      const faster = timings.native < timings.wasm ? native : wasm;
      choice = {
        backend: faster,
        timings,
        reason: `${faster.name} (x·G + x·P: native ${timings.native.toFixed(0)} µs, wasm ${timings.wasm.toFixed(0)} µs)`,
      };
    }
  } else {
    throw new ConfigError(
      'BAD_CURVE_BACKEND',
      `MPC_CURVE_BACKEND='${preference}' is not a backend; use wasm, native or auto (the default)`,
    );
  }
  chosen.set(pref, choice);
  return choice;
}

/** The backend of this process ({@link chooseCurveBackend} with the environment's preference). */
export function curveBackend(): CurveBackend {
  return chooseCurveBackend().backend;
}
