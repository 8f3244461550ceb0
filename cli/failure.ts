/**
 * How `mpc` fails: the exit statuses (here and nowhere else), the usage error, and the one top-level handler
 * that turns anything a command throws into one line on stderr and an exit status.
 *
 * Two kinds of failure, told apart by `code` alone:
 * - a usage error (a flag unknown or missing, a bad argument of a one-shot command such as `--peer`; code
 *   `USAGE`) prints the problem and the command's usage;
 * - a configuration error (a bad value of a start command's setting, flag or environment variable; keys; the
 *   data directory) is an operational error like those below, with exit 3;
 * - an operational error (no master key, store in use, port taken, coordinator unreachable, …) prints one line
 *   naming the problem and the fix, never a stack and never the usage text.
 * An error outside the family (a bug) prints one line too; `MPC_DEBUG=1` adds its stack.
 */
import { CodedError, isCodedError } from '../protocols/common/errors.js';

/** Exit statuses of `mpc`. */
export const EXIT = {
  /** Done. */
  OK: 0,
  /** The command ran and failed (store in use, coordinator unreachable or refusing, a session failed). */
  FAILED: 1,
  /** Bad command line: unknown or missing flag, bad flag value; the usage was printed. */
  USAGE: 2,
  /** Configuration to fix before the command can run: a start command's settings, keys, the data directory. */
  CONFIG: 3,
  /** An unexpected error (a bug); please report it. */
  INTERNAL: 70,
} as const;

/** One exit status of {@link EXIT}. */
export type ExitStatus = (typeof EXIT)[keyof typeof EXIT];

/** A bad command line: a command throws it for a flag value it cannot use. */
export class UsageError extends CodedError<'USAGE'> {
  override readonly name = 'UsageError';

  constructor(
    message: string,
    /** The usage of the command concerned (filled in by {@link onYargsFailure} when the command threw). */
    public usage?: string,
  ) {
    super('USAGE', message);
  }
}

/** Codes of {@link CommandError}. */
export type CommandErrorCode =
  /** The running node could not run the pair setup the operator asked for (`mpc party pair`). */
  | 'PAIR_FAILED'
  /** The running node could not lift the freeze the operator asked it to lift (`mpc party unfreeze`). */
  | 'UNFREEZE_FAILED'
  /** The running node could not write the backup the operator asked for (`mpc party backup`). */
  | 'BACKUP_FAILED'
  /** The command needs the development dependencies (tsx), which a production install lacks. */
  | 'NEEDS_DEV_DEPENDENCIES'
  /** The file the command would make exists already and is not overwritten (`mpc coordinator identity`). */
  | 'FILE_EXISTS'
  /** The file the command reads does not exist (`mpc coordinator identity --show`). */
  | 'FILE_MISSING';

/** An operational failure a command finds itself (rather than one thrown by the code it calls). */
export class CommandError extends CodedError<CommandErrorCode> {
  override readonly name = 'CommandError';
}

/** What the top-level handler prints and exits with. */
export interface FailureReport {
  status: ExitStatus;
  /** The problem and its fix, one line (plus the stack of a bug with MPC_DEBUG=1). */
  text: string;
  /** The usage of the command concerned, printed before the text (usage errors only). */
  usage?: string;
}

/** The `code` of an error of the family or of a Node system error (`EADDRINUSE`, …), else undefined. */
function codeOf(e: unknown): string | undefined {
  if (isCodedError(e)) return e.code;
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Maps a failure to its report: one `switch` on `code`. `debug` (MPC_DEBUG=1) appends the stack of an error
 * outside the family.
 */
export function failureReport(e: unknown, debug = false): FailureReport {
  const code = codeOf(e);
  const message = messageOf(e);
  switch (code) {
    case 'USAGE': {
      const usage = (e as UsageError).usage;
      return { status: EXIT.USAGE, text: message, ...(usage ? { usage } : {}) };
    }
    case 'NO_MASTER_KEY':
    case 'BAD_MASTER_KEY':
    case 'NO_API_KEY':
    case 'BAD_API_KEY':
    case 'BAD_URL':
    case 'BAD_OPTION':
    case 'BAD_COORDINATOR':
    case 'BAD_CONFIG':
    case 'SHARED_DATA_DIR':
    case 'BAD_CURVE_BACKEND':
      return { status: EXIT.CONFIG, text: message };
    case 'EADDRINUSE':
      return {
        status: EXIT.FAILED,
        text: `${message}: the address is in use; choose a free port (--port, PORT) or stop the process using it`,
      };
    case 'EACCES':
    case 'EPERM':
      return { status: EXIT.FAILED, text: `${message}: permission denied; check the owner and mode of the path` };
    case 'ECONNREFUSED':
      return { status: EXIT.FAILED, text: `${message}: nothing listens there; is it running, and is the URL right?` };
    default: {
      if (code !== undefined) return { status: EXIT.FAILED, text: message };
      const stack = debug && e instanceof Error && e.stack ? `\n${e.stack}` : '';
      const hint = debug ? '' : ' (MPC_DEBUG=1 shows where; please report it)';
      return { status: EXIT.INTERNAL, text: `internal error: ${message}${hint}${stack}` };
    }
  }
}

/**
 * The yargs `fail` handler. A parse or validation failure (yargs passes a message, or a `YError` for a throwing
 * `coerce`) becomes a {@link UsageError} with the usage of the command concerned; a UsageError a command threw
 * gets that usage attached (yargs rejects `parseAsync` with the command's own error, whatever this throws);
 * any other error goes on unchanged to the top-level handler.
 */
export function onYargsFailure(
  msg: string | null | undefined,
  err: Error | undefined,
  y: { showHelp(print: (text: string) => void): unknown },
): never {
  const usageOf = () => {
    let usage = '';
    y.showHelp((text) => {
      usage = text;
    });
    return usage;
  };
  if (codeOf(err) === 'USAGE') {
    (err as UsageError).usage ??= usageOf();
    throw err;
  }
  if (err !== undefined && err.name !== 'YError') throw err;
  throw new UsageError(err?.message ?? msg ?? 'bad command line', usageOf());
}

/**
 * Prints the report of `e` to stderr — the usage first for a usage error, then `mpc: <problem and fix>` — and
 * returns its exit status.
 */
export function reportFailure(e: unknown, write: (text: string) => void = (t) => process.stderr.write(t)): ExitStatus {
  const report = failureReport(e, process.env.MPC_DEBUG === '1');
  write(`${report.usage ? `${report.usage}\n\n` : ''}mpc: ${report.text}\n`);
  return report.status;
}
