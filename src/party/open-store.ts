/** Opens a party's data directory with its master key, the one way every party command reaches its store. */
import { loadMasterKey } from '../runtime/master-key.js';
import { ShareStore } from '../store/share-store.js';

/** Where the store is and how to find the master key. */
export interface StoreLocation {
  /** The party's data directory (LevelDB lives in it). */
  dataDir: string;
  /** A file holding the 64-hex-char master key; else `CRYPTO_MASTER_KEY` from `env`. */
  masterKeyFile?: string;
  env?: NodeJS.ProcessEnv;
  /** Presignatures per key to hold armed (a running node; see ShareStoreOptions). @default 0 */
  armPresignatures?: number;
}

/** Loads the master key (ConfigError NO_MASTER_KEY / BAD_MASTER_KEY with how-to) and opens the store. */
export async function openPartyStore(loc: StoreLocation): Promise<{ store: ShareStore; notes: readonly string[] }> {
  const loaded = loadMasterKey({ env: loc.env ?? process.env, keyFile: loc.masterKeyFile });
  const store = await ShareStore.open(loc.dataDir, loaded.key, { armPresignatures: loc.armPresignatures ?? 0 });
  return { store, notes: loaded.notes };
}
