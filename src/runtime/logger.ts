/**
 * Logging of every node process (party node and coordinator): the one {@link Log} interface components take,
 * and pino behind it, writing one JSON object per line (for log collectors) or, for an operator at a terminal,
 * one human-readable line per entry. Secret-looking fields are censored before anything is written, so a
 * careless `log.info({ share }, ...)` cannot leak key material.
 */
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

/**
 * What a component logs through: structured fields first, then the message (pino's shape, so a pino logger
 * passes as is). Fields never carry secret material.
 */
export interface Log {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

/** A {@link Log} that drops everything: the default where no logger is given. */
export const SILENT_LOG: Log = { info() {}, warn() {}, error() {} };

/** The level used when none is given. */
export const DEFAULT_LOG_LEVEL = 'info';

/** What a censored value is replaced with. */
export const REDACTED = '[redacted]';

/**
 * Field names treated as secret wherever they appear at the top level or one object deep. pino's redaction
 * matches exact paths, so the names are spelled out rather than pattern-matched.
 */
export const SECRET_FIELD_NAMES = [
  'secret',
  'share',
  'masterKey',
  'privateKey',
  'key',
  'password',
  'passphrase',
  'seed',
  'mnemonic',
  'token',
] as const;

/** The pino redact paths built from {@link SECRET_FIELD_NAMES}: `name` and `*.name` for each. */
export const REDACT_PATHS: readonly string[] = SECRET_FIELD_NAMES.flatMap((k) => [k, `*.${k}`]);

/** Options of {@link createLogger}. */
export interface LoggerConfig {
  /** Minimum level written (`trace` … `fatal`, or `silent`); default {@link DEFAULT_LOG_LEVEL}. */
  level?: string;
  /** One human-readable line per entry instead of JSON; default false. */
  pretty?: boolean;
  /** Logger name, written as `name` in every entry. */
  name?: string;
  /** Where lines go; default standard output. */
  destination?: DestinationStream;
}

/** pino's numeric levels, named for the pretty format. */
const LEVEL_LABELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** Fields the pretty format shows in fixed positions (or drops as noise at a terminal). */
const PRETTY_FIXED_FIELDS = new Set(['level', 'time', 'msg', 'name', 'pid', 'hostname']);

/**
 * Creates a process's logger. JSON lines by default; with `pretty`, `HH:MM:SS.mmm LEVEL [name] msg key=value …`
 * (UTC, so lines from nodes in different zones line up). pino-pretty is deliberately not used: it is a
 * worker-thread transport and an extra dependency for what is a one-function reformat.
 */
export function createLogger(config: LoggerConfig = {}): Logger {
  const { level = DEFAULT_LOG_LEVEL, pretty = false, name, destination } = config;
  const options: LoggerOptions = {
    level,
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    ...(name === undefined ? {} : { name }),
  };
  const out = destination ?? pino.destination(1);
  return pino(options, pretty ? prettyStream(out) : out);
}

/** A destination that reformats pino's JSON lines with {@link formatPrettyLine} before passing them on. */
export function prettyStream(out: DestinationStream): DestinationStream {
  return {
    write(chunk: string): void {
      for (const line of chunk.split('\n')) {
        if (line.length > 0) out.write(`${formatPrettyLine(line)}\n`);
      }
    },
  };
}

/**
 * Turns one pino JSON line into one human-readable line (no trailing newline). A line that is not JSON is
 * returned unchanged with newlines escaped, so the one-line-per-entry promise still holds.
 */
export function formatPrettyLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return oneLine(json);
  }
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '--:--:--.---';
  const level = (LEVEL_LABELS[entry.level as number] ?? String(entry.level)).padEnd(5);
  const parts = [time, level];
  if (entry.name !== undefined) parts.push(`[${String(entry.name)}]`);
  if (entry.msg !== undefined) parts.push(oneLine(String(entry.msg)));
  for (const [k, v] of Object.entries(entry)) {
    if (!PRETTY_FIXED_FIELDS.has(k)) parts.push(`${k}=${formatValue(v)}`);
  }
  return parts.join(' ');
}

/** A field value as a single token: bare when simple, JSON otherwise (quotes, spaces, objects). */
function formatValue(v: unknown): string {
  if (typeof v === 'string') return /^[^\s="]+$/.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return JSON.stringify(v) ?? String(v);
}

/** Escapes line breaks so one entry stays one line. */
function oneLine(s: string): string {
  return s.replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}
