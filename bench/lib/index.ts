/** The benchmark harness: timing, case running, argument parsing and reporting. No protocol code here. */
export { BENCH_USAGE, type BenchArgs, parseBenchArgs } from './args.js';
export {
  type BenchCase,
  type CaseFinish,
  DEFAULT_RUNS,
  DEFAULT_WARMUP,
  type RunResult,
  runCases,
  selectCases,
} from './cases.js';
export { type Measurement, type MeasureOptions, measure, median, percentile } from './measure.js';
export { formatReport, type ReportOptions, type Row, type RowExtra, report } from './report.js';
