import { parseArgs } from 'node:util';

/** Command-line options of the benchmark. */
export interface BenchArgs {
  /** `--json`: one JSON object per line instead of a table. */
  json: boolean;
  /** `--runs N`: timed runs of every case, overriding each case's own default. */
  runs?: number;
  /** `--only op1,op2`: run only the cases with these `op` names. */
  only?: string[];
  /** `--load-seconds S`: length of the `load` row's load phase (default 30; e.g. 5 for a quick run). */
  loadSeconds?: number;
  /** `--load-clients N`: concurrent clients of the `load` row (default 16). */
  loadClients?: number;
}

/** Usage text for {@link parseBenchArgs}'s options. */
export const BENCH_USAGE =
  'usage: bench [--json] [--runs N] [--only op1,op2] [--load-seconds S (load row, default 30)] [--load-clients N (default 16)]';

/** Parses `argv` (without the node and script paths); throws an `Error` naming the bad option. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      json: { type: 'boolean', default: false },
      runs: { type: 'string' },
      only: { type: 'string' },
      'load-seconds': { type: 'string' },
      'load-clients': { type: 'string' },
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
  const loadSeconds = values['load-seconds'];
  if (loadSeconds !== undefined) {
    const s = Number(loadSeconds);
    if (!Number.isFinite(s) || s <= 0) throw new Error(`invalid --load-seconds '${loadSeconds}'; must be > 0`);
    args.loadSeconds = s;
  }
  const loadClients = values['load-clients'];
  if (loadClients !== undefined) {
    const n = Number(loadClients);
    if (!/^\d+$/.test(loadClients) || n < 1 || n > 256) {
      throw new Error(`invalid --load-clients '${loadClients}'; must be an integer 1..256`);
    }
    args.loadClients = n;
  }
  return args;
}
