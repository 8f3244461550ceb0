/** Flags shared by the party commands. */
import type { Argv } from 'yargs';

/** The parsed store flags. */
export interface StoreFlags {
  'data-dir': string;
  'master-key-file': string | undefined;
}

/** The flags that locate a party's store, shared by every party command. */
export function storeOptions<T>(y: Argv<T>) {
  return y
    .option('data-dir', {
      type: 'string',
      // the variable is read when the command is parsed; given neither, yargs reports the missing flag
      default: process.env.MPC_DATA_DIR?.trim() || undefined,
      defaultDescription: 'env MPC_DATA_DIR',
      demandOption: true,
      describe: "The party's data directory, created if missing (env MPC_DATA_DIR)",
    })
    .option('master-key-file', {
      type: 'string',
      default: process.env.CRYPTO_MASTER_KEY_FILE?.trim() || undefined,
      defaultDescription: 'env CRYPTO_MASTER_KEY_FILE',
      describe:
        'File with the 64-hex-char master key (default: env CRYPTO_MASTER_KEY_FILE, else the CRYPTO_MASTER_KEY variable)',
    });
}
