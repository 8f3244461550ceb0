/**
 * `npm run ct`: a dudect-style timing test of every entry point where the engine handles a secret scalar or
 * secret bits (targets.ts). For each test, measurements of a special class of secret (zero low digits, zero
 * high digits, low Hamming weight, sparse β, …) and of uniformly random secrets are taken in random order,
 * interleaved, until each class has at least `--measurements` (default 100,000), and Welch's t is computed
 * over all of them and over the measurements below the pooled 50th, 90th and 99th percentiles. A test passes
 * when every |t| < 4.5 (dudect's threshold: no evidence that the classes differ). Not part of `npm test`.
 *
 * Usage: `npm run ct [-- --measurements N] [-- --only text] [-- --backend wasm|native] [-- --json]`.
 * Exits 1 when a test fails.
 */
import { getRandomValues } from 'node:crypto';
import { parseArgs } from 'node:util';
import { chooseCurveBackend } from '../../src/runtime/curve-backend.js';
import { type CtTarget, ctTargets } from './targets.js';
import { type TTest, tTest } from './welch.js';

/** dudect's threshold. */
export const T_THRESHOLD = 4.5;

/** Measurements per batch: inputs of a batch are drawn before any of them is timed. */
const BATCH = 256;

/** A random 256-bit mask with its top bit set, for {@link refresh}. */
const MASK = (() => {
  const b = getRandomValues(new Uint8Array(32));
  return (BigInt(`0x${Buffer.from(b).toString('hex')}`) | (1n << 255n)) as bigint;
})();

/**
 * A freshly allocated copy of an input, made the same way for both classes: bigints through `(x ⊕ m) ⊕ m`,
 * typed arrays by `slice`, arrays and plain objects field by field (other values, e.g. immutable points and
 * functions, as they are). Without it the timed code reads objects whose place in the heap depends on how their
 * class was generated, and the caches show that (measured: sub-nanosecond shifts that the p50 crop detects).
 */
function refresh(v: unknown): unknown {
  if (typeof v === 'bigint') return v ^ MASK ^ MASK;
  if (v instanceof Uint8Array || v instanceof Int32Array) return v.slice();
  if (Array.isArray(v)) return v.map(refresh);
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, refresh(x)]));
  }
  return v;
}

/**
 * Measures one target: returns the per-class timings in nanoseconds. Classes are chosen by fair coin flips;
 * the inputs of a batch are all drawn first, so that drawing them (which differs between the classes) leaves
 * no trace in the caches or predictors at the moment of a measurement.
 */
function measure(target: CtTarget, perClass: number): { a: Float64Array; b: Float64Array } {
  const a = new Float64Array(perClass + 2 * BATCH);
  const b = new Float64Array(perClass + 2 * BATCH);
  let na = 0;
  let nb = 0;
  const classes = new Uint8Array(BATCH);
  const inputs: unknown[] = new Array(BATCH);
  const times = new Float64Array(BATCH);
  const batch = () => {
    const coins = getRandomValues(new Uint8Array(BATCH));
    for (let i = 0; i < BATCH; i++) {
      // both classes are drawn for every slot, in random order, and the kept input is copied afresh: the
      // allocations before a measurement do not depend on its class
      const coin = coins[i] as number;
      classes[i] = coin & 1;
      let special: unknown;
      let uniform: unknown;
      if (coin & 2) {
        special = target.draw(true);
        uniform = target.draw(false);
      } else {
        uniform = target.draw(false);
        special = target.draw(true);
      }
      inputs[i] = refresh(classes[i] === 1 ? special : uniform);
    }
    for (let i = 0; i < BATCH; i++) {
      const input = inputs[i];
      const t0 = process.hrtime.bigint();
      target.run(input);
      times[i] = Number(process.hrtime.bigint() - t0);
    }
  };
  for (let w = 0; w < 8; w++) batch(); // JIT warm-up on both classes
  while (na < perClass || nb < perClass) {
    batch();
    for (let i = 0; i < BATCH; i++) {
      if (classes[i] === 1) {
        if (na < a.length) a[na++] = times[i] as number;
      } else if (nb < b.length) b[nb++] = times[i] as number;
    }
  }
  return { a: a.subarray(0, na), b: b.subarray(0, nb) };
}

interface Row {
  entry: string;
  klass: string;
  nA: number;
  nB: number;
  result: TTest;
  seconds: number;
}

function main(): void {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      measurements: { type: 'string' },
      only: { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const perClass = values.measurements === undefined ? 100_000 : Number(values.measurements);
  if (!Number.isInteger(perClass) || perClass < 100) {
    console.error(`ct: invalid --measurements '${values.measurements}'; an integer ≥ 100`);
    process.exitCode = 2;
    return;
  }
  const choice = chooseCurveBackend(values.backend);
  const targets = ctTargets(choice.backend).filter(
    (t) => values.only === undefined || `${t.entry} ${t.klass}`.includes(values.only),
  );
  if (targets.length === 0) {
    console.error(`ct: no test matches --only '${values.only}'`);
    process.exitCode = 2;
    return;
  }
  const progress = process.stderr.isTTY;
  if (!values.json) {
    console.log(
      `npm run ct: curve backend ${choice.reason}; ≥ ${perClass.toLocaleString('en')} measurements per class`,
    );
  }
  const rows: Row[] = [];
  const start = performance.now();
  for (const target of targets) {
    if (progress) process.stderr.write(`ct: ${target.entry} — ${target.klass} ...\n`);
    const t0 = performance.now();
    const { a, b } = measure(target, perClass);
    rows.push({
      entry: target.entry,
      klass: target.klass,
      nA: a.length,
      nB: b.length,
      result: tTest(a, b),
      seconds: (performance.now() - t0) / 1000,
    });
  }
  const failed = rows.filter((r) => !(r.result.maxAbsT < T_THRESHOLD));
  if (values.json) {
    for (const r of rows) console.log(JSON.stringify({ ...r, pass: r.result.maxAbsT < T_THRESHOLD }));
  } else {
    console.log(formatTable(rows));
    const total = ((performance.now() - start) / 1000).toFixed(0);
    console.log(
      failed.length === 0
        ? `ct: all ${rows.length} tests pass (|t| < ${T_THRESHOLD}) in ${total} s`
        : `ct: ${failed.length} of ${rows.length} tests FAIL (|t| ≥ ${T_THRESHOLD}) in ${total} s`,
    );
  }
  if (failed.length > 0) process.exitCode = 1;
}

/** The result table: one line per test. */
export function formatTable(rows: readonly Row[]): string {
  const head = ['entry point', 'secret class (vs uniform)', 'n special', 'n random', 'median µs', 't', 'max |t|', ''];
  const lines = rows.map((r) => [
    r.entry,
    r.klass,
    r.nA.toLocaleString('en'),
    r.nB.toLocaleString('en'),
    `${(r.result.medianA / 1000).toFixed(1)} / ${(r.result.medianB / 1000).toFixed(1)}`,
    r.result.t.toFixed(2),
    r.result.maxAbsT.toFixed(2),
    r.result.maxAbsT < T_THRESHOLD ? 'pass' : 'FAIL',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n');
}

main();
