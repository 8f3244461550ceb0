/**
 * `mpc coordinator backup` and `mpc coordinator restore`: the coordinator's identity and database in one
 * encrypted file (coordinator/backup.ts), through the same database code on PostgreSQL and on the embedded
 * PGlite. The state is found as `mpc coordinator start` finds it: data directory, DATABASE_URL, master key.
 */
import { writeFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import type { CoordinatorState } from '../../coordinator/backup.js';
import { databaseUrlProblem } from '../../coordinator/db/url.js';
import { ConfigError } from '../../src/runtime/errors.js';
import { loadMasterKey, MASTER_KEY_ENV } from '../../src/runtime/master-key.js';
import { holdings, newBackupPath, passphraseOption, readBackupFile, readPassphrase } from '../backup-io.js';
import { raw } from '../settings.js';
import { SETTINGS } from './options.js';

/** Where `mpc coordinator start` keeps its state by default. */
const DEFAULT_DATA_DIR = '.mpc/coordinator';

function stateOptions<T>(y: Argv<T>) {
  return y
    .option('data-dir', {
      type: 'string',
      describe: `The coordinator's data directory (env MPC_DATA_DIR; default ${DEFAULT_DATA_DIR})`,
    })
    .option('database-url', {
      type: 'string',
      describe: 'Its PostgreSQL URL (env DATABASE_URL); default: the embedded database',
    })
    .option('master-key-file', {
      type: 'string',
      describe: `File with the master key that seals its identity (default: env ${MASTER_KEY_ENV})`,
    })
    .option('passphrase-file', passphraseOption);
}

/** The coordinator's state from the flags and the environment, as `start` reads them. */
function stateOf(argv: { 'data-dir'?: string; 'database-url'?: string; 'master-key-file'?: string }): {
  state: CoordinatorState;
  notes: readonly string[];
} {
  const env = process.env;
  const databaseUrl = raw(SETTINGS.databaseUrl, argv['database-url'], env) as string | undefined;
  const problem = databaseUrl === undefined ? undefined : databaseUrlProblem(databaseUrl);
  if (problem !== undefined) throw new ConfigError('BAD_CONFIG', `${problem} (--database-url, env DATABASE_URL)`);
  const keyFile = argv['master-key-file'];
  const master = keyFile || env[MASTER_KEY_ENV]?.trim() ? loadMasterKey({ env, keyFile }) : undefined;
  return {
    state: {
      dataDir: String(raw(SETTINGS.dataDir, argv['data-dir'], env) ?? DEFAULT_DATA_DIR),
      ...(databaseUrl ? { databaseUrl } : {}),
      ...(master ? { identityKey: master.key.subKey('coordinatorIdentity') } : {}),
    },
    notes: master?.notes ?? [],
  };
}

/** Registers `backup` and `restore` under `mpc coordinator`. */
export function coordinatorBackupCommands<T>(y: Argv<T>): Argv<T> {
  return y
    .command(
      'backup',
      'Write the coordinator identity and database to one encrypted file (passphrase, scrypt + AES-256-GCM); on PostgreSQL also while it runs, on the embedded database with it stopped',
      (c) =>
        stateOptions(c).option('out', {
          type: 'string',
          demandOption: true,
          describe: 'The file to write (must not exist)',
        }),
      async (argv) => {
        const out = newBackupPath(argv.out);
        const { state, notes } = stateOf(argv);
        for (const n of notes) console.error(`note: ${n}`);
        const passphrase = await readPassphrase(argv['passphrase-file'], true);
        const { backupCoordinator } = await import('../../coordinator/backup.js');
        const { file, header } = await backupCoordinator(state, passphrase);
        writeFileSync(out, file, { mode: 0o600, flag: 'wx' });
        console.log(`wrote ${out} (${file.length} bytes): ${holdings(header)}`);
      },
    )
    .command(
      'restore',
      'Restore a coordinator backup into a new data directory and an empty database (same peer id, accounts, sessions, parties)',
      (c) => stateOptions(c).option('in', { type: 'string', demandOption: true, describe: 'The backup file' }),
      async (argv) => {
        const file = readBackupFile(argv.in);
        const { state, notes } = stateOf(argv);
        for (const n of notes) console.error(`note: ${n}`);
        const passphrase = await readPassphrase(argv['passphrase-file'], false);
        const { restoreCoordinator } = await import('../../coordinator/backup.js');
        const r = await restoreCoordinator(file, passphrase, state);
        console.log(
          `restored coordinator ${r.peerId} into ${state.dataDir}: ${r.rows} rows; backup of ${r.header.createdAt} (${holdings(r.header)})`,
        );
      },
    );
}
