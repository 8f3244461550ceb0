/**
 * `mpc coordinator identity --out FILE`: makes the coordinator's libp2p identity once, before its first start,
 * so that a deployment knows the peer id the parties must be given (`MPC_COORDINATOR=…/p2p/<peer id>`) and can
 * mount the file (`MPC_IDENTITY_FILE`). Sealed with the master key when one is configured, as the coordinator
 * seals the identity it makes itself; never overwrites a file (a new identity is a new peer id for every party).
 */
import { existsSync } from 'node:fs';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import type { Argv } from 'yargs';
import { createIdentityFile, readIdentityFile } from '../../coordinator/identity.js';
import { loadMasterKey } from '../../src/runtime/master-key.js';
import { CommandError, UsageError } from '../failure.js';
import { masterKeyFile } from '../settings.js';

/** Registers `identity` on the `coordinator` group. */
export function identityCommand<T>(y: Argv<T>): Argv<T> {
  return y.command(
    'identity',
    "Make the coordinator's identity key file once and print its peer id (for MPC_IDENTITY_FILE and the parties' MPC_COORDINATOR)",
    (c) =>
      c
        .option('out', {
          type: 'string',
          describe: 'The file to create (mode 0600); an existing file is never overwritten',
        })
        .option('show', {
          type: 'string',
          describe: 'Print the peer id of an existing identity file instead (opened with the master key if sealed)',
        })
        .conflicts('out', 'show')
        .option('master-key-file', {
          type: 'string',
          describe:
            'File with the 64-hex-char master key sealing the identity (default: env CRYPTO_MASTER_KEY_FILE, else CRYPTO_MASTER_KEY; none: stored unsealed)',
        }),
    async (argv) => {
      if (!argv.out && !argv.show)
        throw new UsageError('give --out FILE (make an identity) or --show FILE (print its peer id)');
      const env = process.env;
      const keyFile = masterKeyFile(argv['master-key-file'], env);
      const master = keyFile || env.CRYPTO_MASTER_KEY?.trim() ? loadMasterKey({ env, keyFile }) : undefined;
      for (const n of master?.notes ?? []) console.error(`note: ${n}`);
      const sealKey = master?.key.subKey('coordinatorIdentity');
      if (argv.show) {
        const found = await readIdentityFile(argv.show, sealKey);
        if (!found) throw new CommandError('FILE_MISSING', `${argv.show} does not exist`);
        console.log(peerIdFromPrivateKey(found.key).toString());
        return;
      }
      const out = argv.out as string;
      if (existsSync(out))
        throw new CommandError(
          'FILE_EXISTS',
          `${out} exists already; it is not overwritten (a new identity changes the peer id every party is configured with); mpc coordinator identity --show ${out} prints its peer id`,
        );
      const { key } = await createIdentityFile(out, sealKey).catch((e) => {
        // lost a race with another maker of the same file: same answer
        if ((e as NodeJS.ErrnoException).code === 'EEXIST')
          throw new CommandError('FILE_EXISTS', `${out} exists already; it is not overwritten`);
        throw e;
      });
      console.log(peerIdFromPrivateKey(key).toString());
      if (!master) console.error('note: no master key is configured: the identity file is stored unsealed (0600)');
    },
  );
}
