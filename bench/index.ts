/**
 * Benchmarks of the engine: `npm run bench [-- --json] [-- --runs N] [-- --only op1,op2]`, or `mpc bench`.
 * The harness lives in bench/lib/; this file only registers the cases.
 */
import { BENCH_USAGE, type BenchCase, parseBenchArgs, report, runCases, selectCases } from './lib/index.js';

// ─── Cases ──────────────────────────────────────────────────────────────────────────────────────────
// Register benchmark cases here, one object per operation and party count, for example:
//
//   cases.push({
//     op: 'keygen', n: 3, t: 2, target_ms: 100,
//     setup: () => { pairs = makePairStates(3) },          // untimed, once
//     run: () => ({ bytes: runKeygen(pairs, 3, 2).bytes }), // timed; return the bytes put on the wire
//   });
//
// `runs` (default 10) and `warmup` (default 1) may be set per case; `--runs` overrides `runs`.
const cases: BenchCase[] = [];
// ────────────────────────────────────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  let args: ReturnType<typeof parseBenchArgs>;
  let selected: BenchCase[];
  try {
    args = parseBenchArgs(process.argv.slice(2));
    selected = selectCases(cases, args.only);
  } catch (err) {
    console.error(`bench: ${(err as Error).message}\n${BENCH_USAGE}`);
    process.exitCode = 2;
    return;
  }
  // Progress goes to stderr, and only to a terminal, so that stdout stays a clean table or JSON stream.
  const progress = (c: BenchCase) => {
    if (process.stderr.isTTY) process.stderr.write(`bench: ${c.op} n=${c.n} t=${c.t} ...\n`);
  };
  const rows = await runCases(selected, { runs: args.runs }, progress);
  report(rows, { json: args.json });
}

await main();
