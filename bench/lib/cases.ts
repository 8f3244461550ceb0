import { measure } from './measure.js';
import type { Row } from './report.js';

/** What one timed run of a case reports. */
export interface RunResult {
  /** Bytes this run put on the wire (for example the sum of all outbound payloads). */
  bytes: number;
}

/** One benchmark: an operation at `n` parties and threshold `t`. */
export interface BenchCase {
  op: string;
  n: number;
  t: number;
  /** The timed work. Runs once per warm-up and per timed run; the last run's `bytes` is reported. */
  run: () => RunResult | Promise<RunResult>;
  /** Untimed preparation, run once before warm-up (share state with `run` through a closure). */
  setup?: () => void | Promise<void>;
  /** Untimed clean-up after the last run (stop servers, hosts). */
  teardown?: () => void | Promise<void>;
  /** Timed runs unless `--runs` is given. @default 10 */
  runs?: number;
  /** Untimed warm-up runs. @default 1 */
  warmup?: number;
  /** Budget for the median in ms; shown as "ok"/"over" in the table. */
  target_ms?: number;
}

/** @see BenchCase.runs */
export const DEFAULT_RUNS = 10;
/** @see BenchCase.warmup */
export const DEFAULT_WARMUP = 1;

/**
 * The cases whose op `only` names (all of them when `only` is undefined). Throws when `only` names an op
 * that no case has, so that a typo does not pass as an empty benchmark.
 */
export function selectCases(cases: readonly BenchCase[], only: readonly string[] | undefined): BenchCase[] {
  if (only === undefined) return [...cases];
  const known = new Set(cases.map((c) => c.op));
  const unknown = only.filter((op) => !known.has(op));
  if (unknown.length > 0) {
    const list = known.size > 0 ? [...known].join(', ') : 'none registered';
    throw new Error(`unknown op ${unknown.map((op) => `'${op}'`).join(', ')} in --only; known: ${list}`);
  }
  return cases.filter((c) => only.includes(c.op));
}

/**
 * Runs `cases` one after another (select them first with {@link selectCases}) and returns one row each.
 * `runs` overrides every case's own run count. `onCase` is called before each case starts.
 */
export async function runCases(
  cases: readonly BenchCase[],
  options: { runs?: number } = {},
  onCase: (c: BenchCase) => void = () => {},
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const c of cases) {
    onCase(c);
    await c.setup?.();
    let bytes = 0;
    let m: Awaited<ReturnType<typeof measure>>;
    try {
      m = await measure(
        async () => {
          bytes = (await c.run()).bytes;
        },
        { runs: options.runs ?? c.runs ?? DEFAULT_RUNS, warmup: c.warmup ?? DEFAULT_WARMUP },
      );
    } finally {
      await c.teardown?.();
    }
    const row: Row = { op: c.op, n: c.n, t: c.t, runs: m.runs, median_ms: m.median_ms, p95_ms: m.p95_ms, bytes };
    if (c.target_ms !== undefined) row.target_ms = c.target_ms;
    rows.push(row);
  }
  return rows;
}
