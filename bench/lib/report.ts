/** Case-specific fields of a row (e.g. throughput next to latency), keyed as printed; not the common keys. */
export type RowExtra = Readonly<Record<string, number | string | boolean | null>>;

/** One line of benchmark output: an operation at a party count `n` and threshold `t`. */
export interface Row {
  op: string;
  n: number;
  t: number;
  runs: number;
  median_ms: number;
  p95_ms: number;
  /** Bytes one run puts on the wire (as reported by the case). */
  bytes: number;
  /** Budget for the median; adds the "target" and "ok/over" columns to the table. Not part of the JSON. */
  target_ms?: number;
  /** Case-specific fields: appended to the JSON object after the common keys, and as `key=value` notes in the table. */
  extra?: RowExtra;
}

/** Options of {@link report} and {@link formatReport}. */
export interface ReportOptions {
  /** One JSON object per line instead of a table. */
  json: boolean;
}

/** Rounds milliseconds to 2 decimals. */
const ms = (x: number): number => Math.round(x * 100) / 100;

/**
 * The report as lines: with `json`, one object per row with the keys `op, n, t, runs, median_ms, p95_ms, bytes`
 * (ms rounded to 2 decimals), followed by the row's `extra` fields if it has any; otherwise an aligned table,
 * whose header is printed even when there are no rows, with a trailing "notes" column of the `extra` fields
 * when some row has them.
 */
export function formatReport(rows: readonly Row[], options: ReportOptions): string[] {
  if (options.json) {
    return rows.map((r) =>
      JSON.stringify({
        op: r.op,
        n: r.n,
        t: r.t,
        runs: r.runs,
        median_ms: ms(r.median_ms),
        p95_ms: ms(r.p95_ms),
        bytes: r.bytes,
        ...r.extra,
      }),
    );
  }
  const withTarget = rows.some((r) => r.target_ms !== undefined);
  const header = ['op', 'n', 't', 'runs', 'median ms', 'p95 ms', 'bytes'];
  if (withTarget) header.push('target ms', 'status');
  const withNotes = rows.some((r) => r.extra !== undefined && Object.keys(r.extra).length > 0);
  if (withNotes) header.push('notes');
  const body = rows.map((r) => {
    const cells = [
      r.op,
      `${r.n}`,
      `${r.t}`,
      `${r.runs}`,
      ms(r.median_ms).toFixed(2),
      ms(r.p95_ms).toFixed(2),
      `${r.bytes}`,
    ];
    if (withTarget) {
      if (r.target_ms === undefined) cells.push('-', '-');
      else cells.push(ms(r.target_ms).toFixed(2), r.median_ms <= r.target_ms ? 'ok' : 'over');
    }
    if (withNotes) cells.push(formatNotes(r.extra ?? {}));
    return cells;
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => (cells[i] ?? '').length)));
  // The op, status and notes columns are text (left-aligned); the others are numbers (right-aligned).
  const left = new Set([0, header.indexOf('status'), header.indexOf('notes')]);
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (left.has(i) ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
}

/** `key=value` pairs; strings with spaces are JSON-quoted so that the pairs stay separable. */
function formatNotes(extra: RowExtra): string {
  return Object.entries(extra)
    .map(([k, v]) => `${k}=${typeof v === 'string' && /\s/.test(v) ? JSON.stringify(v) : String(v)}`)
    .join(' ');
}

/** Prints {@link formatReport} to stdout. */
export function report(rows: readonly Row[], options: ReportOptions): void {
  for (const text of formatReport(rows, options)) console.log(text);
}
