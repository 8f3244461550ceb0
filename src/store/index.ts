/** The party node's encrypted store: master key, sealing, and the LevelDB-backed {@link ShareStore}. */

export {
  type LoadedMasterKey,
  loadMasterKey,
  MASTER_KEY_ENV,
  MASTER_KEY_HOWTO,
  MasterKey,
  type MasterKeySource,
} from '../runtime/master-key.js';
export { isStoreError, StoreError, type StoreErrorCode } from './errors.js';
export type { FrozenKey } from './frozen-keys.js';
export { open as openSealed, seal } from './sealed.js';
export { ShareStore, type ShareStoreOptions } from './share-store.js';
export type { BanInfo, BurntInfo, ShareInfo, ShareStatus, StoredShare } from './types.js';
export { UserShareSealer } from './user-share.js';
