/**
 * What the backup commands of `mpc party` and `mpc coordinator` share: the operator's passphrase (from a file,
 * `--passphrase-file` or `MPC_BACKUP_PASSPHRASE_FILE`, or typed at a terminal without echo; never a command-line
 * argument, which shows in `ps` and in shell history), the backup files in and out, and the one-line summary.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BackupError, type BackupHeader } from '../src/runtime/backup-file.js';
import { UsageError } from './failure.js';

/** The `--passphrase-file` option of every backup command. */
export const passphraseOption = {
  type: 'string',
  describe:
    'File holding the backup passphrase (env MPC_BACKUP_PASSPHRASE_FILE); without it the passphrase is asked at the terminal. Never given as an argument.',
} as const;

/** `--out` as an absolute path that does not exist yet (a backup never overwrites a file). */
export function newBackupPath(out: string): string {
  const path = resolve(out);
  if (existsSync(path)) throw new UsageError(`--out: ${path} exists; choose a new file name`);
  return path;
}

/** The bytes of the backup file `--in` names. */
export function readBackupFile(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new UsageError(`--in: cannot read ${path}: ${(e as Error).message}`);
  }
}

/** What a backup holds, for the operator: `peerId 12D3…, committedShares 3, …`. */
export function holdings(h: BackupHeader): string {
  return Object.entries(h.holds)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

/** The environment variable naming a passphrase file. */
export const PASSPHRASE_FILE_ENV = 'MPC_BACKUP_PASSPHRASE_FILE';

/**
 * Reads the passphrase from `file` (or the variable's file), else asks at the terminal (twice when `confirm`).
 * `BAD_PASSPHRASE` when neither is possible or the two entries differ.
 */
export async function readPassphrase(file: string | undefined, confirm: boolean): Promise<string> {
  const path = file ?? process.env[PASSPHRASE_FILE_ENV];
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new BackupError('BAD_PASSPHRASE', `cannot read the passphrase file ${path}: ${(e as Error).message}`);
    }
    return text.replace(/\r?\n$/, '');
  }
  if (!process.stdin.isTTY) {
    throw new BackupError(
      'BAD_PASSPHRASE',
      `no passphrase: give --passphrase-file FILE (or ${PASSPHRASE_FILE_ENV}), or run the command in a terminal to type it`,
    );
  }
  const first = await ask('backup passphrase: ');
  if (confirm && (await ask('again, to confirm: ')) !== first) {
    throw new BackupError('BAD_PASSPHRASE', 'the two passphrases differ; nothing was written');
  }
  return first;
}

/** One line typed at the terminal, not echoed. */
function ask(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let text = '';
    const done = (f: () => void) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      f();
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done(() => resolve(text));
        if (ch === '\u0003') return done(() => reject(new BackupError('BAD_PASSPHRASE', 'interrupted')));
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else text += ch;
      }
    };
    stdin.on('data', onData);
  });
}
