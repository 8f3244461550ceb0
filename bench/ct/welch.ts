/**
 * Welch's t-test between two classes of timing measurements, as dudect does it: the statistic over all
 * measurements and over the measurements below a few percentiles of the pooled data (cropping the long tail
 * that interruptions add), the largest |t| deciding.
 */

/** Percentiles at which the measurements are cropped, besides the whole set. */
export const CROPS = [0.5, 0.9, 0.99] as const;

/** Welch's t of two samples (0 when either has fewer than two values or no variance). */
export function welch(a: Float64Array, b: Float64Array): number {
  const stats = (x: Float64Array) => {
    let mean = 0;
    for (let i = 0; i < x.length; i++) mean += x[i] as number;
    mean /= x.length;
    let v = 0;
    for (let i = 0; i < x.length; i++) v += ((x[i] as number) - mean) ** 2;
    return { mean, var: v / (x.length - 1), n: x.length };
  };
  if (a.length < 2 || b.length < 2) return 0;
  const sa = stats(a);
  const sb = stats(b);
  const se = Math.sqrt(sa.var / sa.n + sb.var / sb.n);
  return se === 0 ? 0 : (sa.mean - sb.mean) / se;
}

/** The values of `x` not above `limit`. */
function below(x: Float64Array, limit: number): Float64Array {
  return x.filter((v) => v <= limit);
}

/** Result of one test: t over all data and per crop, the largest |t|, and the class medians (ns). */
export interface TTest {
  readonly t: number;
  readonly cropped: readonly number[];
  readonly maxAbsT: number;
  readonly medianA: number;
  readonly medianB: number;
}

/** Welch's t over all data and over the data below each pooled percentile of {@link CROPS}. */
export function tTest(a: Float64Array, b: Float64Array): TTest {
  const pooled = Float64Array.from([...a, ...b]).sort();
  const at = (p: number) => pooled[Math.min(pooled.length - 1, Math.floor(p * pooled.length))] as number;
  const t = welch(a, b);
  const cropped = CROPS.map((p) => welch(below(a, at(p)), below(b, at(p))));
  const med = (x: Float64Array) => Float64Array.from(x).sort()[x.length >> 1] as number;
  return {
    t,
    cropped,
    maxAbsT: Math.max(Math.abs(t), ...cropped.map(Math.abs)),
    medianA: med(a),
    medianB: med(b),
  };
}
