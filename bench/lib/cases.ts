import { type Measurement, measure } from './measure.js';
import type { Row, RowExtra } from './report.js';

/** What one timed run of a case reports. */
export interface RunResult {
  /** Bytes this run put on the wire (for example the sum of all outbound payloads). */
  bytes: number;
}

/** What a case's {@link BenchCase.finish} adds to its row. */
export interface CaseFinish {
  /** Budget for the median, when it is only known after the run (e.g. relative to another case's median). */
  target_ms?: number;
  /** Case-specific fields, appended to the row. */
  extra?: RowExtra;
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
  /**
   * Untimed work after the timed runs and before `teardown`, for what one sequential timing cannot express
   * (a throughput phase, deferred result checks). Gets the timing and the rows of the cases run before this
   * one in the same invocation; throwing fails the case.
   */
  finish?: (m: Measurement, earlier: readonly Row[]) => CaseFinish | Promise<CaseFinish>;
  /** Untimed clean-up after the last run (stop servers, hosts); also runs when `setup` or a run failed. */
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
 * `runs` overrides every case's own run count. `onCase` is called before each case starts. A case's
 * `teardown` runs whether or not its setup, runs or `finish` failed; the first failure is rethrown.
 */
export async function runCases(
  cases: readonly BenchCase[],
  options: { runs?: number } = {},
  onCase: (c: BenchCase) => void = () => {},
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const c of cases) {
    onCase(c);
    let bytes = 0;
    let done: { m: Measurement; finished: CaseFinish } | undefined;
    let failure: { error: unknown } | undefined;
    // setup is inside the try so that a half-done setup (a started server, a spawned process) is torn down too
    try {
      await c.setup?.();
      const m = await measure(
        async () => {
          bytes = (await c.run()).bytes;
        },
        { runs: options.runs ?? c.runs ?? DEFAULT_RUNS, warmup: c.warmup ?? DEFAULT_WARMUP },
      );
      done = { m, finished: (await c.finish?.(m, rows)) ?? {} };
    } catch (error) {
      failure = { error };
    }
    try {
      await c.teardown?.();
    } catch (teardownError) {
      if (failure === undefined) throw teardownError;
      // A failed teardown must not hide why the case failed in the first place.
      const first = failure.error instanceof Error ? failure.error.message : String(failure.error);
      throw new Error(`${first} (and the teardown failed too: ${(teardownError as Error).message})`, {
        cause: failure.error,
      });
    }
    if (failure !== undefined || done === undefined) throw failure?.error;
    const { m, finished } = done;
    const row: Row = { op: c.op, n: c.n, t: c.t, runs: m.runs, median_ms: m.median_ms, p95_ms: m.p95_ms, bytes };
    const target = finished.target_ms ?? c.target_ms;
    if (target !== undefined) row.target_ms = target;
    if (finished.extra !== undefined) row.extra = finished.extra;
    rows.push(row);
  }
  return rows;
}
