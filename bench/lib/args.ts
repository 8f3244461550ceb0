import { parseArgs } from 'node:util';

/** Command-line options of the benchmark. */
export interface BenchArgs {
  /** `--json`: one JSON object per line instead of a table. */
  json: boolean;
  /** `--runs N`: timed runs of every case, overriding each case's own default. */
  runs?: number;
  /** `--only op1,op2`: run only the cases with these `op` names. */
  only?: string[];
}

/** Usage text for {@link parseBenchArgs}'s options. */
export const BENCH_USAGE = 'usage: bench [--json] [--runs N] [--only op1,op2]';

/** Parses `argv` (without the node and script paths); throws an `Error` naming the bad option. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      json: { type: 'boolean', default: false },
      runs: { type: 'string' },
      only: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const args: BenchArgs = { json: values.json === true };
  if (values.runs !== undefined) {
    const runs = Number(values.runs);
    if (!/^\d+$/.test(values.runs) || runs < 1) {
      throw new Error(`invalid --runs '${values.runs}'; must be an integer >= 1`);
    }
    args.runs = runs;
  }
  if (values.only !== undefined) {
    const only = values.only
      .split(',')
      .map((op) => op.trim())
      .filter((op) => op !== '');
    if (only.length === 0) throw new Error(`invalid --only '${values.only}'; must name at least one op`);
    args.only = only;
  }
  return args;
}
