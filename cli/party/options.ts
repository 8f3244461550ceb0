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
      demandOption: true,
      describe: "The party's data directory (created if missing)",
    })
    .option('master-key-file', {
      type: 'string',
      describe: 'File with the 64-hex-char master key (default: the CRYPTO_MASTER_KEY environment variable)',
    });
}
