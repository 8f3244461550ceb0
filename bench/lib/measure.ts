/** Options of {@link measure}. */
export interface MeasureOptions {
  /** Timed runs; at least 1. */
  runs: number;
  /** Untimed runs before the timed ones (JIT warm-up); at least 0. */
  warmup: number;
}

/** Wall-clock statistics of the timed runs, in milliseconds. */
export interface Measurement {
  runs: number;
  median_ms: number;
  p95_ms: number;
  min_ms: number;
}

/**
 * Times `fn` with `performance.now()`: `warmup` untimed calls, then `runs` timed ones, one after another
 * (an async `fn` is awaited before the next call starts).
 */
export async function measure(fn: () => void | Promise<void>, options: MeasureOptions): Promise<Measurement> {
  const { runs, warmup } = options;
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`invalid runs ${runs}; must be an integer >= 1`);
  if (!Number.isInteger(warmup) || warmup < 0) {
    throw new RangeError(`invalid warmup ${warmup}; must be an integer >= 0`);
  }
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { runs, median_ms: median(times), p95_ms: percentile(times, 0.95), min_ms: times[0] ?? 0 };
}

/** Median of ascending `sorted`; the mean of the two middle values when the count is even. */
export function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  if (sorted.length % 2 === 1) return sorted[mid] ?? 0;
  return ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Nearest-rank percentile (`p` in (0, 1]) of ascending `sorted`: with 10 runs, p95 is the slowest. */
export function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1] ?? 0;
}
