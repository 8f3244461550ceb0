/**
 * `mpc party backup` and `mpc party restore`: one encrypted file with everything a party node needs to come back
 * on another machine (src/party/backup.ts). A backup works on a running node (through its admin socket; the node
 * reads one consistent snapshot) or a stopped one; a restore needs a new directory.
 */
import { writeFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { adminRequest } from '../../src/party/admin-socket.js';
import { backupParty, restoreParty } from '../../src/party/backup.js';
import { openPartyStore } from '../../src/party/open-store.js';
import { loadMasterKey } from '../../src/runtime/master-key.js';
import { holdings, newBackupPath, passphraseOption, readBackupFile, readPassphrase } from '../backup-io.js';
import { CommandError } from '../failure.js';
import { storeOptions } from './options.js';

/** Registers `backup` and `restore` under `mpc party`. */
export function backupCommands(y: Argv): Argv {
  return y
    .command(
      'backup',
      'Write one encrypted file (passphrase, scrypt + AES-256-GCM) with the node identity, key shares, pair states and bans; works on a running or a stopped node',
      (c) =>
        storeOptions(c)
          .option('out', { type: 'string', demandOption: true, describe: 'The backup file to write (must not exist)' })
          .option('passphrase-file', passphraseOption),
      async (argv) => {
        const out = newBackupPath(argv.out);
        const passphrase = await readPassphrase(argv['passphrase-file'], true);
        const live = await adminRequest(argv['data-dir'], { cmd: 'backup', out, passphrase });
        if (live) {
          if (!live.ok) throw new CommandError('BACKUP_FAILED', live.message);
          console.log(live.message);
          return;
        }
        const { store, notes } = await openPartyStore({
          dataDir: argv['data-dir'],
          masterKeyFile: argv['master-key-file'],
        });
        for (const n of notes) console.error(`note: ${n}`);
        try {
          const { file, header } = await backupParty(store, passphrase);
          writeFileSync(out, file, { mode: 0o600, flag: 'wx' });
          console.log(`wrote ${out} (${file.length} bytes): ${holdings(header)}`);
        } finally {
          await store.close();
        }
      },
    )
    .command(
      'restore',
      'Restore a backup into a new data directory, under this machine’s master key (the same or a new one); the node comes back with the same peer id and every share',
      (c) =>
        storeOptions(c)
          .option('in', { type: 'string', demandOption: true, describe: 'The backup file' })
          .option('passphrase-file', passphraseOption),
      async (argv) => {
        const file = readBackupFile(argv.in);
        const loaded = loadMasterKey({ env: process.env, keyFile: argv['master-key-file'] });
        for (const n of loaded.notes) console.error(`note: ${n}`);
        const passphrase = await readPassphrase(argv['passphrase-file'], false);
        const r = await restoreParty(file, passphrase, argv['data-dir'], loaded.key);
        console.log(
          `restored ${r.peerId} into ${argv['data-dir']}: ${r.shares} key share(s); backup of ${r.header.createdAt} (${holdings(r.header)})`,
        );
      },
    );
}
